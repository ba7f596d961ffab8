"""Reading rule files: YAML (or JSON) in, a compiled :class:`Ruleset` or every problem out.

HR people write these files by hand, so a mistake must point at their file and line,
not at a stack trace: each pydantic error location is mapped back to the line of the
YAML node it came from and printed as ``FILE:LINE: dotted.path: message``.  Files may
also come from less careful hands, so nothing is built from one before it passes the
checks of :mod:`.limits` (size, encoding, aliases, nesting, counts, lengths).
"""

from __future__ import annotations

import hashlib
import stat
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from engagement.badges.criteria import CriterionKindRegistry
from engagement.badges.kinds import default_criteria
from engagement.badges.loading import build_catalogue, check_goals, check_levels
from engagement.core.periods import Clock
from engagement.exceptions import InvalidInputError, Problem, RuleFileError
from engagement.rules.bonuses import Personalisation
from engagement.rules.kinds import RuleKindRegistry, RuleParams
from engagement.rules.limits import MAX_BYTES, EventGuard, check_characters, decode, too_large
from engagement.rules.model import RuleFile, VerbSpec
from engagement.rules.ruleset import Ruleset

Loc = tuple[str | int, ...]


def load_ruleset_file(
    path: str | Path,
    registry: RuleKindRegistry,
    criteria: CriterionKindRegistry | None = None,
    *,
    max_bytes: int = MAX_BYTES,
) -> Ruleset:
    """Load and validate the rule file at ``path``; raises :class:`RuleFileError`.

    A file over ``max_bytes`` is refused from its size alone, and at most
    ``max_bytes + 1`` bytes are ever read, so a huge file (or one that grows while
    it is read) costs no more than a file at the limit.
    """
    path = Path(path)
    source = str(path)
    text = decode(_read(path, max_bytes), source)
    return load_ruleset(text, registry, source=source, criteria=criteria, max_bytes=max_bytes)


def load_ruleset(
    text: str,
    registry: RuleKindRegistry,
    *,
    source: str = "<rules>",
    criteria: CriterionKindRegistry | None = None,
    max_bytes: int = MAX_BYTES,
) -> Ruleset:
    """Validate rule-file ``text`` and compile it; raises :class:`RuleFileError`.

    Every problem in the file is reported at once, and nothing is compiled unless
    there are none.  ``max_bytes`` limits the text's size in UTF-8; the other limits
    (nesting, entries, lengths) are fixed, see :mod:`engagement.rules.limits`.
    """
    _check_max_bytes(max_bytes)
    if len(text) > max_bytes:  # each character is at least one byte
        raise RuleFileError([too_large(source, max_bytes)])
    if bad_characters := check_characters(text, source):
        raise RuleFileError(bad_characters)
    if (size := len(text.encode())) > max_bytes:
        raise RuleFileError([too_large(source, max_bytes, size)])
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
        # Badges that count personal comments use the scoring's template test.
        templates=next((rule.test for rule in rules if isinstance(rule, Personalisation)), None),
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


def _check_max_bytes(max_bytes: int) -> None:
    if max_bytes < 0:
        raise InvalidInputError(f"max_bytes cannot be negative, got {max_bytes}")


def _read(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing before reading what is not a file within the limit."""
    _check_max_bytes(max_bytes)
    source = str(path)

    def cannot(reason: str) -> RuleFileError:
        return RuleFileError([Problem(source, None, "", f"cannot read file: {reason}")])

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise cannot("it is a directory, not a rule file")
        if not stat.S_ISREG(info.st_mode):
            raise cannot("it is not a regular file (a device, a pipe or a socket)")
        if info.st_size > max_bytes:
            raise RuleFileError([too_large(source, max_bytes, info.st_size)])
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise cannot(str(exc)) from exc
    if len(data) > max_bytes:
        raise RuleFileError([too_large(source, max_bytes)])
    return data


def _parse(text: str, source: str) -> tuple[Any, dict[Loc, int]]:
    """The file's data and, for every key and list item, the line it starts on.

    The parser's events are checked against the limits before any node is built
    from them, so an alias bomb or a deep nesting is refused after one pass over the
    text, and the nodes are then composed from those same events.
    """
    guard = EventGuard(source)
    try:
        events = guard.check(yaml.parse(text, Loader=yaml.SafeLoader))
        if guard.problems:
            raise RuleFileError(guard.problems)
        loader = _Composer(events)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        problems: list[Problem] = []
        _walk(node, (), lines, problems, source, loader)
        if problems:
            raise RuleFileError(problems)
        return loader.construct_document(node), lines
    except yaml.YAMLError as exc:
        problems = [*guard.problems, _syntax_problem(exc, source)]
        raise RuleFileError(sorted(problems, key=lambda p: p.line or 0)) from None


def _syntax_problem(exc: yaml.YAMLError, source: str) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(filter(None, [exc.context, exc.problem])) or str(exc)
        return Problem(source, line, "", f"syntax error: {message}")
    return Problem(source, None, "", f"syntax error: {exc}")


class _Composer(Composer, SafeConstructor, Resolver):
    """PyYAML's composer and safe constructor, fed with events already read and
    checked by :class:`EventGuard`, so the text is parsed only once."""

    def __init__(self, events: list[yaml.Event]) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._events = deque(events)

    # The three calls the composer makes of PyYAML's parser.
    def check_event(self, *choices: type[yaml.Event]) -> bool:
        return bool(self._events) and (not choices or isinstance(self._events[0], choices))

    def peek_event(self) -> yaml.Event:
        return self._events[0]

    def get_event(self) -> yaml.Event:
        return self._events.popleft()


_READ_AS = {
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
}
"""Scalars that YAML converts from text, and what to call them when that fails."""


def _walk(
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    problems: list[Problem],
    source: str,
    loader: _Composer,
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
            _walk(key_node, child, lines, problems, source, loader)
            _walk(value_node, child, lines, problems, source, loader)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, problems, source, loader)
    elif node.tag in _READ_AS:
        # A date such as 2026-13-01 matches YAML's pattern but is no date; the
        # constructor would raise a bare ValueError.  Constructed objects are
        # memoised, so the document's construction reuses this one.
        try:
            loader.construct_object(node)
        except ValueError as exc:
            kind = _READ_AS[node.tag]
            shown = repr(node.value) if len(node.value) <= 40 else repr(node.value[:40] + "…")
            reason = f": {exc}" if kind == "date" else ""
            problems.append(
                Problem(
                    source,
                    node.start_mark.line + 1,
                    _dotted(loc),
                    f"{shown} is not a valid {kind}{reason}",
                )
            )
