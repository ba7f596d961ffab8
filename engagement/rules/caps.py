"""Per-period caps on points."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import ClassVar, Literal

from pydantic import Field

from engagement.core.facts import Fact, Step, StepCache, read_only
from engagement.core.periods import CalendarUnit, Clock
from engagement.core.timeindex import TimeIndex
from engagement.rules.kinds import RuleKind, RuleParams

_PERIOD_ADJECTIVE = {
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
}


class CapParams(RuleParams):
    kind: Literal["cap"] = "cap"
    period: CalendarUnit
    max_points: int = Field(
        ge=0, strict=True, description="Most points the matching verbs earn per period."
    )


class Cap(RuleKind[CapParams]):
    """At most ``max_points`` per period: the action that crosses the cap earns the
    remainder, later ones earn nothing until the next period."""

    kind: ClassVar[str] = "cap"
    Params = CapParams
    phase = "cap"

    def __init__(self, params: CapParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self._period = params.period
        self._week_start = clock.week_start
        self._max_points = params.max_points
        self._steps = StepCache()

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return (("points", float(fact.points)),)

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        index.add("points", fact.ts, float(fact.points))

    def lookback(self, fact: Fact) -> float | None:
        return fact.period(self.params.period, self.clock.week_start)[0]

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        start, end = fact.period(self._period, self._week_start)
        earned = int(index.total("points", start, end))
        remaining = max(0, self._max_points - earned)
        if total <= remaining:
            return None
        step = self._steps.get(earned)
        if step is None:
            scope = f" for {', '.join(sorted(self.verbs))}" if self.verbs else ""
            step = self._steps.keep(
                earned,
                Step(
                    self.id,
                    "limit",
                    remaining,
                    f"{_PERIOD_ADJECTIVE[self.params.period]} cap of {self.params.max_points}"
                    f"{scope} ({earned} already earned)",
                    read_only({"earned": earned}),
                ),
            )
        return step
