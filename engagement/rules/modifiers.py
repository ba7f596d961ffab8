"""Rules that scale the running total: repeats, duplicates and the 80/20 content mix."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from ..facts import Fact, Step, ordinal
from ..history import TimeIndex
from ..periods import Window
from .kinds import Clock, RuleKind, RuleParams

RepeatDimension = Literal["verb", "channel", "content", "target"]


def _window(value: str) -> str:
    Window(value)
    return value


class DiminishingReturnsParams(RuleParams):
    kind: Literal["diminishing_returns"] = "diminishing_returns"
    same: list[RepeatDimension] = Field(
        default_factory=lambda: list[RepeatDimension](("verb", "channel")),
        min_length=1,
        description="Two actions repeat each other when they agree on all of these.",
    )
    window: str = Field(default="week", description="A calendar period or a duration ('7d').")
    multipliers: list[float] = Field(
        min_length=1,
        description="Multiplier for the 1st, 2nd, 3rd… repeat; the last one holds beyond.",
    )

    @field_validator("window")
    @classmethod
    def _valid_window(cls, value: str) -> str:
        return _window(value)

    @field_validator("multipliers")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 <= m <= 1 for m in value):
            raise ValueError("each multiplier must be between 0 and 1")
        return value


class DiminishingReturns(RuleKind[DiminishingReturnsParams]):
    """The n-th similar action in a window earns less: volume alone stops paying."""

    kind: ClassVar[str] = "diminishing_returns"
    Params = DiminishingReturnsParams
    phase = "modifier"

    def __init__(self, params: DiminishingReturnsParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.window = Window(params.window)

    def _key(self, fact: Fact) -> tuple[str | None, ...]:
        return tuple([v[0] if (v := fact.values(d)) else None for d in self.params.same])

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((self._key(fact), 1.0),)

    def lookback(self, fact: Fact) -> float | None:
        return fact.window(self.window, self.clock.week_start)[0]

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        start, end = fact.window(self.window, self.clock.week_start)
        earlier = index.count(self._key(fact), start, end)
        multipliers = self.params.multipliers
        multiplier = multipliers[min(earlier, len(multipliers) - 1)]
        if multiplier == 1:
            return None
        what = " ".join(
            f"{'on ' if d == 'channel' else 'to ' if d == 'target' else ''}{v}"
            for d, v in zip(self.params.same, self._key(fact), strict=True)
            if v is not None and d != "content"
        )
        return Step(
            self.id,
            "multiply",
            multiplier,
            f"{ordinal(earlier + 1)} {what or 'similar action'} {self.window.describe()}",
            {"repeat": earlier + 1},
        )


class OncePerContentParams(RuleParams):
    kind: Literal["once_per_content"] = "once_per_content"
    per_channel: bool = Field(
        default=True,
        description="Earn once per content and channel (true) or once per content (false).",
    )


class OncePerContent(RuleKind[OncePerContentParams]):
    """Sharing the same content again on the same channel earns nothing the second time."""

    kind: ClassVar[str] = "once_per_content"
    Params = OncePerContentParams
    phase = "modifier"

    def _key(self, fact: Fact) -> Hashable:
        return (fact.content_id, fact.channel) if self.params.per_channel else fact.content_id

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((self._key(fact), 1.0),) if fact.content_id is not None else ()

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if fact.content_id is None or not index.ever(self._key(fact)):
            return None
        where = f" on {fact.channel}" if self.params.per_channel and fact.channel else ""
        return Step(self.id, "multiply", 0, f"content already shared{where}: it earns once")


class ContentMixParams(RuleParams):
    kind: Literal["content_mix"] = "content_mix"
    corporate_kinds: list[str] = Field(
        min_length=1, description="Content kinds that count as corporate or promotional."
    )
    max_share: float = Field(
        default=0.2, ge=0, le=1, description="Corporate share of recent actions at full value."
    )
    window: str = Field(default="30d", description="What 'recent' means.")
    allowance: int = Field(
        default=1, ge=0, description="Corporate actions at full value per window, whatever the mix."
    )
    multiplier: float = Field(
        default=0.25, ge=0, le=1, description="Applied to corporate actions beyond the share."
    )

    @field_validator("window")
    @classmethod
    def _valid_window(cls, value: str) -> str:
        return _window(value)


class ContentMix(RuleKind[ContentMixParams]):
    """The 80/20 rule: corporate content beyond its share of a member's recent actions
    earns less, so that an ambassador's feed stays their own rather than an ad channel."""

    kind: ClassVar[str] = "content_mix"
    Params = ContentMixParams
    phase = "modifier"

    def __init__(self, params: ContentMixParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.window = Window(params.window)
        self.corporate = frozenset(params.corporate_kinds)

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        if fact.content_kind in self.corporate:
            return (("all", 1.0), ("corporate", 1.0))
        return (("all", 1.0),)

    def lookback(self, fact: Fact) -> float | None:
        return fact.window(self.window, self.clock.week_start)[0]

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if fact.content_kind not in self.corporate:
            return None
        start, end = fact.window(self.window, self.clock.week_start)
        actions = index.count("all", start, end) + 1
        corporate = index.count("corporate", start, end) + 1
        allowed = max(self.params.allowance, math.floor(self.params.max_share * actions + 1e-9))
        if corporate <= allowed:
            return None
        return Step(
            self.id,
            "multiply",
            self.params.multiplier,
            f"corporate content above {round(self.params.max_share * 100)} % of your mix "
            f"({corporate} of {actions} {self.window.describe()})",
            {"corporate": corporate, "actions": actions},
        )
