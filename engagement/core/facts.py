"""The plain data the scoring core works on: facts about actions, and award steps.

These types carry no database or web concerns, so scoring stays a pure function of
(the action, the member's earlier facts, the ruleset): the property that makes the
ledger replayable.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, NamedTuple

from engagement.core.periods import CALENDAR_UNITS, CalendarUnit, Window, calendar_bounds

StepOp = Literal["add", "multiply", "limit"]


@dataclass(slots=True)
class Fact:
    """What scoring needs to know about one action, already normalised.

    ``seq`` orders a member's actions as they were logged; ``ts`` is when the action
    happened (POSIX seconds), which may be earlier than actions logged before it.
    ``points`` is filled in once the action has been scored.
    """

    seq: int
    member: str
    verb: str
    ts: float
    tz: tzinfo
    channel: str | None = None
    content_id: str | None = None
    content_kind: str | None = None
    topics: tuple[str, ...] = ()
    target: str | None = None
    words: int = 0
    own_words: int = 0
    distinct_own_words: int = 0
    fingerprint: str | None = None
    points: int = 0
    echo: int = 0
    """How many template digits the text shares with the most alike comment another
    member wrote earlier on the same content (:func:`engagement.core.text.echo`),
    measured when the action was logged: a comment copied from a colleague."""
    reused: bool = False
    """Set by badge evaluation when the member's state takes the fact: its own words
    follow the template of an earlier comment of theirs, or a colleague's (the
    scoring's test, see :class:`engagement.badges.catalogue.TemplateTest`)."""
    returned: tuple[float, ...] = ()
    """For an action thanking a colleague: when that colleague thanked the member
    back (same verb, logged before it, near it in time).  Set by the shell for the
    action being scored only; facts read back as history leave it empty."""
    _local_day: date | None = field(default=None, repr=False, compare=False)
    _calendar: tuple[int, Mapping[str, tuple[float, float]]] | None = field(
        default=None, repr=False, compare=False
    )
    """``(week_start, the bounds of each calendar unit around the fact)``: rules ask
    for several periods of every fact, so one lookup finds them all."""

    @property
    def own_ratio(self) -> float:
        return self.own_words / self.words if self.words else 0.0

    def values(self, dimension: str) -> tuple[str, ...]:
        """The fact's values along ``dimension`` (several for ``topic``, maybe none)."""
        if dimension == "topic":
            return self.topics
        value = getattr(self, ATTRIBUTES[dimension])
        return (value,) if value is not None else ()

    def period(self, unit: CalendarUnit, week_start: int) -> tuple[float, float]:
        """``[start, end)`` of the calendar ``unit`` containing the fact, in its zone."""
        cached = self._calendar
        if cached is None or cached[0] != week_start:
            cached = self._calendar = (week_start, _calendar(self.local_day, self.tz, week_start))
        return cached[1][unit]

    @property
    def local_day(self) -> date:
        """The fact's date in its member's time zone."""
        day = self._local_day
        if day is None:
            day = self._local_day = datetime.fromtimestamp(self.ts, self.tz).date()
        return day

    def window(self, window: Window, week_start: int) -> tuple[float, float]:
        """``[start, end)`` of ``window`` around the fact."""
        if window.calendar is not None:
            return self.period(window.calendar, week_start)
        return self.ts - window.seconds, self.ts + window.seconds


@lru_cache(maxsize=16384)
def _calendar(day: date, tz: tzinfo, week_start: int) -> Mapping[str, tuple[float, float]]:
    """:func:`~engagement.core.periods.calendar_bounds` of every unit around local ``day``."""
    return {unit: calendar_bounds(unit, day, tz, week_start) for unit in CALENDAR_UNITS}


_NO_DETAIL: Mapping[str, object] = MappingProxyType({})


class Step(NamedTuple):
    """One line of an award's explanation: which rule changed the points, and how.

    ``op`` is ``add`` (``value`` points added), ``multiply`` (running total times
    ``value``) or ``limit`` (running total capped at ``value``).
    """

    rule: str
    op: StepOp
    value: float
    text: str
    detail: Mapping[str, object] = _NO_DETAIL

    def apply(self, total: float) -> float:
        if self.op == "add":
            return total + self.value
        if self.op == "multiply":
            return total * self.value
        return min(total, self.value)

    def describe(self) -> str:
        """``+6 personal words (81 % own)``, ``×0.5 3rd share this week``…"""
        if self.op == "add":
            return f"+{_number(self.value)} {self.text}"
        if self.op == "multiply":
            return f"×{_number(self.value)} {self.text}"
        return f"capped at {_number(self.value)}: {self.text}"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "rule": self.rule,
            "op": self.op,
            "value": self.value,
            "text": self.text,
        }
        if self.detail:
            data["detail"] = dict(self.detail)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Step:
        detail = data.get("detail")
        return cls(
            rule=str(data["rule"]),
            op=data["op"],  # type: ignore[arg-type]
            value=float(data["value"]),  # type: ignore[arg-type]
            text=str(data["text"]),
            detail=dict(detail) if isinstance(detail, dict) else {},
        )


class StepCache(dict[Hashable, Step]):
    """Steps a rule has already built, by the few values that determine them.

    Most explanations repeat ("4th share on linkedin this week", "weekly cap of 120
    (100 already earned)"), and building one (its text, its detail) costs more than
    the rest of the rule.  Steps are immutable (give them read-only details), so
    awards can share them.  The cache stops growing at :attr:`limit` entries, so
    values that do not repeat (a colleague's id) cannot make it grow without bound.
    """

    __slots__ = ()

    limit = 4096

    def keep(self, key: Hashable, step: Step) -> Step:
        """``step``, kept under ``key`` while there is room."""
        if len(self) < self.limit:
            self[key] = step
        return step


def read_only(detail: dict[str, object]) -> Mapping[str, object]:
    """A step's detail that cannot be changed, for steps shared through a StepCache."""
    return MappingProxyType(detail)


ATTRIBUTES: Mapping[str, str] = {
    "verb": "verb",
    "channel": "channel",
    "content": "content_id",
    "content_kind": "content_kind",
    "target": "target",
}
"""The :class:`Fact` attribute holding each single-valued dimension's value."""


def _number(value: float) -> str:
    rounded = round(value, 2)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:g}"


def round_points(total: float) -> int:
    """Round half up to whole points; never negative."""
    return max(0, int(total + 0.5 + 1e-9))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
