"""Rules that add points: personal words, and variety."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from ..facts import Fact, Step
from ..history import TimeIndex
from ..periods import CALENDAR_UNITS, CalendarUnit, Window, parse_duration
from .kinds import Clock, RuleKind, RuleParams


class PersonalisationParams(RuleParams):
    kind: Literal["personalisation"] = "personalisation"
    max_points: float = Field(
        ge=0, strict=True, description="Bonus for a text fully in the member's words."
    )
    full_at: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of own words that earns the full bonus; less earns pro rata.",
    )
    min_own_words: int = Field(
        default=4, ge=1, description="Fewer distinct own words than this earn nothing."
    )
    reuse_window: str = Field(
        default="90d", description="Own words already used in this window earn nothing."
    )

    @field_validator("reuse_window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Personalisation(RuleKind[PersonalisationParams]):
    """A share is worth more in the member's own words: graded, never for a stock phrase."""

    kind: ClassVar[str] = "personalisation"
    Params = PersonalisationParams
    phase = "bonus"

    def __init__(self, params: PersonalisationParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.reuse_seconds = parse_duration(params.reuse_window)

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((fact.fingerprint, 1.0),) if fact.fingerprint is not None else ()

    def lookback(self, fact: Fact) -> float | None:
        return fact.ts - self.reuse_seconds

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if fact.distinct_own_words == 0:
            return Step(self.id, "add", 0, "personal words (none: add your own to earn more)")
        ratio = fact.own_ratio
        detail: dict[str, object] = {
            "own_ratio": round(ratio, 4),
            "own_words": fact.own_words,
            "words": fact.words,
        }
        if fact.distinct_own_words < self.params.min_own_words:
            return Step(
                self.id,
                "add",
                0,
                f"personal words (only {fact.distinct_own_words}; "
                f"{self.params.min_own_words} needed)",
                detail,
            )
        window = (fact.ts - self.reuse_seconds, fact.ts + self.reuse_seconds)
        if fact.fingerprint is not None and index.count(fact.fingerprint, *window):
            return Step(
                self.id,
                "add",
                0,
                f"personal words (same own words used within {self.params.reuse_window})",
                detail,
            )
        bonus = self.params.max_points * min(1.0, ratio / self.params.full_at)
        return Step(self.id, "add", bonus, f"personal words ({round(ratio * 100)} % own)", detail)


VarietyDimension = Literal["channel", "topic", "verb", "content_kind"]


class VarietyParams(RuleParams):
    kind: Literal["variety"] = "variety"
    dimensions: list[VarietyDimension] = Field(min_length=1)
    period: CalendarUnit = "month"
    points: float = Field(ge=0, strict=True, description="Bonus for each value new in the period.")
    max_points: float | None = Field(
        default=None, ge=0, description="Most variety bonus one action can earn."
    )

    @field_validator("period")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if value not in CALENDAR_UNITS:
            raise ValueError(f"expected one of {', '.join(CALENDAR_UNITS)}")
        return value


class Variety(RuleKind[VarietyParams]):
    """First use in a period of a channel, topic or verb earns a bonus: breadth over volume."""

    kind: ClassVar[str] = "variety"
    Params = VarietyParams
    phase = "bonus"

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return [
            ((dimension, value), 1.0)
            for dimension in self.params.dimensions
            for value in fact.values(dimension)
        ]

    def lookback(self, fact: Fact) -> float | None:
        return fact.period(self.params.period, self.clock.week_start)[0]

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        start, end = fact.period(self.params.period, self.clock.week_start)
        new = [
            f"{dimension.replace('_', ' ')} {value}"
            for dimension in self.params.dimensions
            for value in fact.values(dimension)
            if not index.count((dimension, value), start, end)
        ]
        if not new:
            return None
        bonus = self.params.points * len(new)
        if self.params.max_points is not None:
            bonus = min(bonus, self.params.max_points)
        window = Window(self.params.period).describe()
        return Step(self.id, "add", bonus, f"variety: new {window} ({', '.join(new)})")
