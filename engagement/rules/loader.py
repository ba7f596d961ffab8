"""Reading rule files: YAML (or JSON) in, a compiled :class:`Ruleset` or every problem out.

HR people write these files by hand, so a mistake must point at their file and line,
not at a stack trace: each pydantic error location is mapped back to the line of the
YAML node it came from and printed as ``FILE:LINE: dotted.path: message``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from engagement.badges.criteria import CriterionKindRegistry
from engagement.badges.kinds import default_criteria
from engagement.badges.loading import build_catalogue, check_goals, check_levels
from engagement.core.periods import Clock
from engagement.exceptions import Problem, RuleFileError
from engagement.rules.kinds import RuleKindRegistry, RuleParams
from engagement.rules.model import RuleFile, VerbSpec
from engagement.rules.ruleset import Ruleset

Loc = tuple[str | int, ...]


def load_ruleset_file(
    path: str | Path,
    registry: RuleKindRegistry,
    criteria: CriterionKindRegistry | None = None,
) -> Ruleset:
    """Load and validate the rule file at ``path``; raises :class:`RuleFileError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError([Problem(str(path), None, "", f"cannot read file: {exc}")]) from exc
    return load_ruleset(text, registry, source=str(path), criteria=criteria)


def load_ruleset(
    text: str,
    registry: RuleKindRegistry,
    *,
    source: str = "<rules>",
    criteria: CriterionKindRegistry | None = None,
) -> Ruleset:
    """Validate rule-file ``text`` and compile it; raises :class:`RuleFileError`.

    Every problem in the file is reported at once, and nothing is compiled unless
    there are none.
    """
    data, lines = _parse(text, source)
    problems: list[Problem] = []

    def report(loc: Loc, message: str) -> None:
        problems.append(Problem(source, _line_of(loc, lines), _dotted(loc), message))

    if not isinstance(data, Mapping):
        report((), "a rule file is a mapping with at least a 'verbs:' section")
        raise RuleFileError(problems)
    try:
        file = RuleFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            report(tuple(error["loc"]), _message(error, RuleFile))
        file = None
    params = _validate_rules(data.get("rules"), registry, report)
    verbs = data.get("verbs")
    known = sorted(map(str, verbs)) if isinstance(verbs, Mapping) else None
    if known is not None:
        _check_references(known, params, report)
    criteria = criteria if criteria is not None else default_criteria()
    goals = check_goals(data, criteria, known, report, _message)
    levels = check_levels(data.get("levels"), report, _message)
    if problems or file is None:
        raise RuleFileError(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    clock = Clock(file.week_start_index)
    rules = [registry.get(p.kind)(p, clock) for p in params.values()]
    catalogue = build_catalogue(
        goals,
        levels,
        criteria,
        clock=clock,
        timezone=file.timezone,
        default_locale=file.default_locale,
        labels={name: verb.label or name for name, verb in file.verbs.items()},
    )
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Ruleset(file, rules, text=text, content_hash=digest, catalogue=catalogue)


def _validate_rules(
    rules: object, registry: RuleKindRegistry, report: Any
) -> dict[int, RuleParams]:
    valid: dict[int, RuleParams] = {}
    if not isinstance(rules, list):
        return valid
    seen: dict[str, int] = {}
    for position, raw in enumerate(rules):
        if not isinstance(raw, Mapping):
            continue  # RuleFile already reported the wrong type
        kind_name = raw.get("kind")
        if not isinstance(kind_name, str):
            report(("rules", position, "kind"), "every rule needs a 'kind'")
            continue
        if kind_name not in registry:
            known = ", ".join(sorted(k.kind for k in registry))
            report(("rules", position, "kind"), f"unknown kind {kind_name!r}; known: {known}")
            continue
        model = registry.get(kind_name).Params
        try:
            params = model.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                report(("rules", position, *error["loc"]), _message(error, model))
            continue
        if params.id in seen:
            report(
                ("rules", position, "id"),
                f"duplicate rule id {params.id!r} (first used by rules.{seen[params.id]})",
            )
            continue
        seen[params.id] = position
        valid[position] = params
    return valid


def _check_references(known: list[str], params: Mapping[int, RuleParams], report: Any) -> None:
    """Rules may only name verbs the file defines (checked even if other parts are bad)."""
    for position, rule in params.items():
        for index, verb in enumerate(rule.verbs or ()):
            if verb not in known:
                report(
                    ("rules", position, "verbs", index),
                    f"undefined verb {verb!r}; defined verbs: {', '.join(known)}",
                )


def _message(error: ErrorDetails, model: type[Any]) -> str:
    if error["type"] == "extra_forbidden":
        fields = _fields_at(model, error["loc"])
        hint = f"; expected one of: {', '.join(fields)}" if fields else ""
        return f"unknown key{hint}"
    message = error["msg"]
    if error["type"].startswith("value_error"):
        message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _fields_at(model: type[Any], loc: Iterable[str | int]) -> list[str]:
    """Keys allowed beside an unknown one, to tell the author what they may have meant."""
    parts = tuple(loc)
    if model is RuleFile and len(parts) == 3 and parts[0] == "verbs":
        return sorted(VerbSpec.model_fields)
    if len(parts) == 1:
        return sorted(model.model_fields)
    return []


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def _line_of(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None


def _parse(text: str, source: str) -> tuple[Any, dict[Loc, int]]:
    """The file's data and, for every key and list item, the line it starts on."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        duplicates: list[Problem] = []
        _walk(node, (), lines, duplicates, source)
        if duplicates:
            raise RuleFileError(duplicates)
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(filter(None, [exc.context, exc.problem])) or str(exc)
        raise RuleFileError([Problem(source, line, "", f"syntax error: {message}")]) from None
    except yaml.YAMLError as exc:
        raise RuleFileError([Problem(source, None, "", f"syntax error: {exc}")]) from None
    finally:
        loader.dispose()


def _walk(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem], source: str
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*loc, key)
            if key in seen:
                problems.append(
                    Problem(source, key_node.start_mark.line + 1, _dotted(child), "duplicate key")
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, problems, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, problems, source)
