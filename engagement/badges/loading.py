"""Validating and compiling the ``badges:``, ``challenges:`` and ``levels:`` sections.

Called by the rule-file loader, which owns the file and line bookkeeping: problems
are reported through its ``report(location, message)`` callback so badge mistakes
print as ``FILE:LINE: badges.2.criteria.dimension: …`` like every other mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from engagement.badges.catalogue import (
    Badge,
    Catalogue,
    Challenge,
    Level,
    TemplateTest,
    build_tiers,
    day_start,
)
from engagement.badges.criteria import (
    CriterionKindRegistry,
    CriterionParams,
    FactFilter,
    Vocabulary,
)
from engagement.badges.model import BadgeSpec, ChallengeSpec, LevelSpec
from engagement.core.periods import Clock, zone

Loc = tuple[str | int, ...]
Report = Callable[[Loc, str], None]
Describe = Callable[[Any, type[BaseModel]], str]


@dataclass(frozen=True, slots=True)
class Checked:
    """A badge or challenge whose settings and criterion are both valid."""

    spec: BadgeSpec | ChallengeSpec
    criterion: CriterionParams


def check_goals(
    data: Mapping[str, Any],
    criteria: CriterionKindRegistry,
    verbs: list[str] | None,
    report: Report,
    describe: Describe,
) -> list[Checked]:
    """Every valid badge and challenge of the file; problems go to ``report``."""
    checked: list[Checked] = []
    for section, model, field in (
        ("badges", BadgeSpec, "criteria"),
        ("challenges", ChallengeSpec, "goal"),
    ):
        items = data.get(section)
        if not isinstance(items, list):
            continue
        seen: dict[str, int] = {}
        for position, raw in enumerate(items):
            if not isinstance(raw, Mapping):
                report((section, position), f"each entry of '{section}' is a mapping")
                continue
            where: Loc = (section, position)
            spec = _validate(model, raw, where, report, describe)
            params = _criterion(raw.get(field), criteria, (*where, field), report, describe)
            if params is not None and verbs is not None:
                _check_verbs(params, verbs, (*where, field), report)
            if spec is None or params is None:
                continue
            if spec.id in seen:
                report(
                    (*where, "id"),
                    f"duplicate id {spec.id!r} (first used by {section}.{seen[spec.id]})",
                )
                continue
            seen[spec.id] = position
            if _check_targets(spec, params, criteria, where, report):
                checked.append(Checked(spec, params))
    return checked


def _validate(
    model: type[BadgeSpec] | type[ChallengeSpec],
    raw: Mapping[str, Any],
    where: Loc,
    report: Report,
    describe: Describe,
) -> BadgeSpec | ChallengeSpec | None:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            report((*where, *error["loc"]), describe(error, model))
        return None


def _criterion(
    raw: object, criteria: CriterionKindRegistry, where: Loc, report: Report, describe: Describe
) -> CriterionParams | None:
    if not isinstance(raw, Mapping):
        return None  # the section's own model reported the missing or wrong field
    kind = raw.get("kind")
    if not isinstance(kind, str):
        report(where, "a criterion needs a 'kind'")
        return None
    if kind not in criteria:
        report((*where, "kind"), f"unknown kind {kind!r}; known: {', '.join(criteria.names())}")
        return None
    model = criteria.get(kind).Params
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            report((*where, *error["loc"]), describe(error, model))
        return None


def _check_verbs(params: CriterionParams, verbs: list[str], where: Loc, report: Report) -> None:
    """Criteria may only name verbs the file defines, in their filter or sub-filters."""
    filters: list[tuple[Loc, FactFilter]] = [(where, params)]
    for name, value in params:
        if isinstance(value, FactFilter):
            filters.append(((*where, name), value))
    for loc, spec in filters:
        for index, verb in enumerate(spec.verbs or ()):
            if verb not in verbs:
                report(
                    (*loc, "verbs", index),
                    f"undefined verb {verb!r}; defined verbs: {', '.join(verbs)}",
                )


def _check_targets(
    spec: BadgeSpec | ChallengeSpec,
    params: CriterionParams,
    criteria: CriterionKindRegistry,
    where: Loc,
    report: Report,
) -> bool:
    kind = criteria.get(params.kind)
    problems: list[tuple[Loc, str]] = []
    if isinstance(spec, BadgeSpec):
        targets = list(spec.tiers.values()) if spec.tiers else [spec.target]
        if kind.fixed_target is not None and (spec.tiers or spec.target is not None):
            problems.append((where, f"a '{params.kind}' badge takes no 'target' or 'tiers'"))
        elif kind.fixed_target is None and spec.target is None and not spec.tiers:
            problems.append((where, "give the badge a 'target' or 'tiers'"))
        if spec.repeat is not None and params.period != "ever":
            problems.append(
                ((*where, "criteria", "period"), "a repeated badge is measured per 'repeat' period")
            )
        field = "tiers" if spec.tiers else "target"
    else:
        targets = [spec.target]
        field = "target"
        if params.period != "ever":
            problems.append(((*where, "goal", "period"), "a challenge runs between its dates"))
        if kind.reads == "none":
            problems.append(((*where, "goal", "kind"), "a challenge needs a measurable goal"))
    ceiling = kind.max_target
    if ceiling is not None and any(t is not None and t > ceiling for t in targets):
        problems.append(((*where, field), f"a '{params.kind}' target is at most {ceiling:g}"))
    for loc, message in problems:
        report(loc, message)
    return not problems


def check_levels(levels: object, report: Report, describe: Describe) -> list[LevelSpec]:
    if not isinstance(levels, list):
        return []
    valid: list[LevelSpec] = []
    for position, raw in enumerate(levels):
        try:
            level = LevelSpec.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                report(("levels", position, *error["loc"]), describe(error, LevelSpec))
            continue
        if valid and level.points <= valid[-1].points:
            report(("levels", position, "points"), "levels must be listed with rising points")
            continue
        valid.append(level)
    return valid


def build_catalogue(
    checked: list[Checked],
    levels: list[LevelSpec],
    criteria: CriterionKindRegistry,
    *,
    clock: Clock,
    timezone: str,
    default_locale: str,
    labels: Mapping[str, str],
    templates: TemplateTest | None = None,
) -> Catalogue:
    """Compile the checked sections; dates are read in the programme's time zone."""
    tz = zone(timezone)
    badges: list[Badge] = []
    challenges: list[Challenge] = []
    for item in checked:
        criterion = criteria.get(item.criterion.kind)(item.criterion, clock)
        spec = item.spec
        section = "badge" if isinstance(spec, BadgeSpec) else "challenge"
        common: dict[str, Any] = {
            "key": f"{section}:{spec.id}",
            "id": spec.id,
            "name": spec.name,
            "description": spec.description,
            "criterion": criterion,
            "hint": spec.hint,
        }
        if isinstance(spec, BadgeSpec):
            fixed = criterion.fixed_target
            target = fixed if fixed is not None else spec.target
            badges.append(
                Badge(
                    **common,
                    starts=day_start(spec.valid_from, tz),
                    ends=day_start(spec.valid_until, tz, after=True),
                    tiers=build_tiers(target, spec.tiers, spec.image),
                    secret=spec.secret,
                    repeat=spec.repeat,
                    on_revocation=spec.on_revocation,
                )
            )
        else:
            challenges.append(
                Challenge(
                    **common,
                    starts=day_start(spec.starts, tz),
                    ends=day_start(spec.ends, tz, after=True),
                    target=spec.target,
                    teams=frozenset(spec.teams) if spec.teams else None,
                    team_target=spec.team_target,
                )
            )
    return Catalogue(
        tuple(badges),
        tuple(challenges),
        tuple(Level(n, level.points, level.name) for n, level in enumerate(levels, start=1)),
        default_locale,
        Vocabulary(dict(labels)),
        templates,
    )
