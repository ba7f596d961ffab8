"""Rules that scale the running total: repeats, duplicates and the 80/20 content mix."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from operator import attrgetter
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from engagement.core.facts import ATTRIBUTES, Fact, Step, StepCache, ordinal, read_only
from engagement.core.periods import Clock, Window
from engagement.core.timeindex import TimeIndex
from engagement.rules.kinds import RuleKind, RuleParams

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
    remembers_points = False

    def __init__(self, params: DiminishingReturnsParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.window = Window(params.window)
        same = tuple(params.same)
        # The repeat key: the Fact attributes of the ``same`` dimensions, a tuple of
        # them (one attrgetter call), or the bare value when there is one dimension.
        # None of these dimensions has several values, so a value is the attribute.
        self._key = attrgetter(*(ATTRIBUTES[dimension] for dimension in same))
        self._single = len(same) == 1
        # How each dimension reads in an explanation; ``None``: left out.
        self._prefixes = tuple(
            None if dimension == "content" else _PREFIXES.get(dimension, "") for dimension in same
        )
        self._multipliers = tuple(params.multipliers)
        self._last = len(params.multipliers) - 1
        self._calendar = self.window.calendar
        self._seconds = self.window.seconds
        self._week_start = clock.week_start
        self._describe = self.window.describe()
        self._steps = StepCache()

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((self._key(fact), 1.0),)

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        index.add(self._key(fact), fact.ts, 1.0)

    def lookback(self, fact: Fact) -> float | None:
        return fact.window(self.window, self.clock.week_start)[0]

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if self._calendar is not None:
            start, end = fact.period(self._calendar, self._week_start)
        else:
            start, end = fact.ts - self._seconds, fact.ts + self._seconds
        key = self._key(fact)
        earlier = index.count(key, start, end)
        if self._multipliers[earlier if earlier < self._last else self._last] == 1:
            return None
        return self._step(key, earlier)

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if self._calendar is not None:
            start, end = fact.period(self._calendar, self._week_start)
        else:
            start, end = fact.ts - self._seconds, fact.ts + self._seconds
        key = self._key(fact)
        earlier = index.count_then_add(key, fact.ts, start, end)
        if self._multipliers[earlier if earlier < self._last else self._last] == 1:
            return None
        return self._step(key, earlier)

    def _step(self, key: Any, earlier: int) -> Step:
        """The step for a fact with ``earlier`` similar ones (``key``) in its window,
        when its multiplier is not 1."""
        multiplier = self._multipliers[earlier if earlier < self._last else self._last]
        step = self._steps.get((key, earlier))
        if step is None:
            values = (key,) if self._single else key
            what = " ".join(
                f"{prefix}{value}"
                for prefix, value in zip(self._prefixes, values, strict=True)
                if value is not None and prefix is not None
            )
            step = self._steps.keep(
                (key, earlier),
                Step(
                    self.id,
                    "multiply",
                    multiplier,
                    f"{ordinal(earlier + 1)} {what or 'similar action'} {self._describe}",
                    read_only({"repeat": earlier + 1}),
                ),
            )
        return step


_PREFIXES = {"channel": "on ", "target": "to "}
"""Words before a repeated dimension's value in an explanation (none for the others)."""


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
    remembers_points = False

    def __init__(self, params: OncePerContentParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self._per_channel = params.per_channel
        self._steps = StepCache()

    def _key(self, fact: Fact) -> Hashable:
        return (fact.content_id, fact.channel) if self._per_channel else fact.content_id

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((self._key(fact), 1.0),) if fact.content_id is not None else ()

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        content_id = fact.content_id
        if content_id is not None:
            key = (content_id, fact.channel) if self._per_channel else content_id
            index.add(key, fact.ts, 1.0)

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        content_id = fact.content_id
        if content_id is None:
            return None
        key = (content_id, fact.channel) if self._per_channel else content_id
        return self._step(fact) if index.ever(key) else None

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        content_id = fact.content_id
        if content_id is None:
            return None
        key = (content_id, fact.channel) if self._per_channel else content_id
        return self._step(fact) if index.ever_then_add(key, fact.ts) else None

    def _step(self, fact: Fact) -> Step:
        where = fact.channel if self._per_channel else None
        step = self._steps.get(where)
        if step is None:
            on = f" on {where}" if where else ""
            step = self._steps.keep(
                where, Step(self.id, "multiply", 0, f"content already shared{on}: it earns once")
            )
        return step


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
    remembers_points = False

    def __init__(self, params: ContentMixParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.window = Window(params.window)
        self.corporate = frozenset(params.corporate_kinds)
        self._allowance = params.allowance
        self._max_share = params.max_share
        self._steps = StepCache()
        self._calendar = self.window.calendar
        self._seconds = self.window.seconds
        self._week_start = clock.week_start

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        if fact.content_kind in self.corporate:
            return (("all", 1.0), ("corporate", 1.0))
        return (("all", 1.0),)

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        index.add("all", fact.ts, 1.0)
        if fact.content_kind in self.corporate:
            index.add("corporate", fact.ts, 1.0)

    def lookback(self, fact: Fact) -> float | None:
        return fact.window(self.window, self.clock.week_start)[0]

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if fact.content_kind not in self.corporate:
            return None
        start, end = self._bounds(fact)
        return self._step(index.count("all", start, end), index.count("corporate", start, end))

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        ts = fact.ts
        if fact.content_kind not in self.corporate:
            index.add("all", ts, 1.0)
            return None
        start, end = self._bounds(fact)
        return self._step(
            index.count_then_add("all", ts, start, end),
            index.count_then_add("corporate", ts, start, end),
        )

    def _bounds(self, fact: Fact) -> tuple[float, float]:
        if self._calendar is not None:
            return fact.period(self._calendar, self._week_start)
        return fact.ts - self._seconds, fact.ts + self._seconds

    def _step(self, earlier: int, earlier_corporate: int) -> Step | None:
        """The step for a corporate fact, given the facts and the corporate facts
        already in its window."""
        actions = earlier + 1
        corporate = earlier_corporate + 1
        allowed = max(self._allowance, math.floor(self._max_share * actions + 1e-9))
        if corporate <= allowed:
            return None
        step = self._steps.get((corporate, actions))
        if step is None:
            step = self._steps.keep(
                (corporate, actions),
                Step(
                    self.id,
                    "multiply",
                    self.params.multiplier,
                    f"corporate content above {round(self.params.max_share * 100)} % of your "
                    f"mix ({corporate} of {actions} {self.window.describe()})",
                    read_only({"corporate": corporate, "actions": actions}),
                ),
            )
        return step
