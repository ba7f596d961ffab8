"""Badges, levels and challenges of a ruleset, compiled for evaluation.

The catalogue answers the question the hot path asks on every action: which
criteria can this verb move?  Everything else (an award already held, a badge out
of its dates) is decided per badge, cheaply, in :mod:`engagement.badges.evaluation`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from engagement.badges.criteria import CriterionKind, Vocabulary
from engagement.badges.i18n import pick
from engagement.core.facts import Fact
from engagement.core.periods import CalendarUnit
from engagement.core.timeindex import TimeIndex

SHIPPED_TIER_IMAGES = frozenset({"bronze", "silver", "gold", "platinum"})
"""Tiers with a shipped SVG (``engagement/badges/images/<tier>.svg``)."""
IMAGES = Path(str(files(__package__).joinpath("images")))


def shipped_image(name: str) -> Path | None:
    """The shipped SVG called ``name`` (``gold.svg``), for a host to serve; ``None``
    for anything else, such as a badge's own URL."""
    if name.removesuffix(".svg") not in {*SHIPPED_TIER_IMAGES, "badge"}:
        return None
    return IMAGES / f"{name.removesuffix('.svg')}.svg"


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    """``bronze``…; empty for a badge without tiers."""
    target: float
    image: str


@dataclass(frozen=True, slots=True)
class Goal:
    """Something measured by a criterion and compared with targets: a badge or a
    challenge.  ``key`` names its index in a member's state."""

    key: str
    id: str
    name: str | Mapping[str, str]
    description: str | Mapping[str, str]
    criterion: CriterionKind[Any]
    hint: str | Mapping[str, str] | None
    starts: float
    ends: float

    def open_at(self, ts: float) -> bool:
        return self.starts <= ts < self.ends

    def title(self, locale: str | None, default: str) -> str:
        return pick(self.name, locale, default)


@dataclass(frozen=True, slots=True)
class Badge(Goal):
    tiers: tuple[Tier, ...] = ()
    secret: bool = False
    repeat: CalendarUnit | None = None
    on_revocation: str = "revoke"

    @property
    def period(self) -> CalendarUnit | None:
        """The calendar period the criterion is measured in (``None``: ever)."""
        if self.repeat is not None:
            return self.repeat
        period = self.criterion.params.period
        return None if period == "ever" else period

    def bounds(self, fact: Fact, week_start: int) -> tuple[float, float]:
        """The span measured when ``fact`` is evaluated, clipped to the badge's dates."""
        period = self.period
        if period is None:
            return self.starts, self.ends
        start, end = fact.period(period, week_start)
        return max(start, self.starts), min(end, self.ends)

    def period_key(self, fact: Fact, week_start: int) -> str:
        """``2026-03-01`` for a badge repeated monthly; empty for one earned once."""
        if self.repeat is None:
            return ""
        start, _ = fact.period(self.repeat, week_start)
        return datetime.fromtimestamp(start, fact.tz).date().isoformat()


@dataclass(frozen=True, slots=True)
class Challenge(Goal):
    target: float = 1.0
    teams: frozenset[str] | None = None
    team_target: float | None = None

    def open_to(self, team: str | None) -> bool:
        return self.teams is None or team in self.teams


@dataclass(frozen=True, slots=True)
class Level:
    number: int
    points: int
    name: str | Mapping[str, str]


class TemplateTest(Protocol):
    """The scoring's template test (the personal-words rule's), for badges: a
    ``personalised: true`` criterion must not count a templated or copied comment
    that scoring refused.  A protocol, so that badges import nothing of the rules."""

    def reused(self, fact: Fact, index: TimeIndex) -> bool:
        """Whether ``fact``'s own words were copied from a colleague or follow the
        template of a comment in ``index`` near it in time."""
        ...

    def remember_in(self, fact: Fact, index: TimeIndex, number: float = 0) -> None:
        """Keep ``fact``'s template in ``index``, if it has one."""
        ...

    def pairs(self, fact: Fact, number: float = 0) -> tuple[tuple[str, float], ...]:
        """What :meth:`remember_in` keeps, as ``(key, value)`` pairs."""
        ...


@dataclass(slots=True)
class Catalogue:
    """Every goal of a ruleset, with per-verb lookups precomputed."""

    badges: tuple[Badge, ...]
    challenges: tuple[Challenge, ...]
    levels: tuple[Level, ...]
    default_locale: str
    words: Vocabulary
    templates: TemplateTest | None = None
    """The scoring's template test, when the rule file has a personal-words rule."""
    by_id: dict[str, Badge] = field(init=False)
    _moving: dict[tuple[str, str], tuple[Goal, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {badge.id: badge for badge in self.badges}

    @property
    def goals(self) -> tuple[Goal, ...]:
        return (*self.badges, *self.challenges)

    def own(self, verb: str) -> tuple[Goal, ...]:
        """Goals measured on the member's own actions that ``verb`` can move."""
        return self._moved_by("own", verb)

    def received(self, verb: str) -> tuple[Goal, ...]:
        """Goals measured on actions aimed at the member (kudos) that ``verb`` can move."""
        return self._moved_by("received", verb)

    def given(self, verb: str) -> tuple[Goal, ...]:
        """Goals measured on what the member received that also index what they give
        with ``verb`` (thanks given back)."""
        found = self._moving.get(("given", verb))
        if found is None:
            found = self._moving[("given", verb)] = tuple(
                g for g in self._moved_by("received", verb) if g.criterion.reads_given
            )
        return found

    def _moved_by(self, reads: str, verb: str) -> tuple[Goal, ...]:
        found = self._moving.get((reads, verb))
        if found is None:
            found = self._moving[(reads, verb)] = tuple(
                g
                for g in self.goals
                if g.criterion.reads == reads and g.criterion.could_change(verb)
            )
        return found

    def level_of(self, points: float) -> Level | None:
        reached = None
        for level in self.levels:
            if points >= level.points:
                reached = level
        return reached

    @property
    def empty(self) -> bool:
        return not self.badges and not self.challenges


def day_start(day: date | None, tz: tzinfo, *, after: bool = False) -> float:
    """Midnight starting ``day`` (or the next day, for an inclusive end) in ``tz``."""
    if day is None:
        return math.inf if after else -math.inf
    if after:
        from datetime import timedelta

        day = day + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def tier_image(tier: str, image: str | None) -> str:
    """The badge's own image, or the shipped SVG for the tier (``badge`` if none)."""
    if image:
        return image
    return f"{tier if tier in SHIPPED_TIER_IMAGES else 'badge'}.svg"


def build_tiers(
    target: float | None, tiers: Mapping[str, float] | None, image: str | None
) -> tuple[Tier, ...]:
    if tiers:
        return tuple(Tier(name, value, tier_image(name, image)) for name, value in tiers.items())
    return (Tier("", target if target is not None else 1.0, tier_image("", image)),)


EMPTY_CATALOGUE = Catalogue((), (), (), "en", Vocabulary({}))
