"""A weekly budget for what earns points without the member's own words."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import ClassVar, Literal

from pydantic import Field

from engagement.core.facts import Fact, Step, StepCache, read_only
from engagement.core.history import TimeIndex
from engagement.core.periods import CalendarUnit, Clock
from engagement.rules.kinds import RuleKind, RuleParams
from engagement.rules.personal import PersonalSettings, PersonalTest

_PERIOD_NOUN = {
    "day": "day",
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}
PLAIN = "plain"
"""The index key of actions without enough own words: their points, by time."""


class ImpersonalBudgetParams(RuleParams, PersonalSettings):
    kind: Literal["impersonal_budget"] = "impersonal_budget"
    period: CalendarUnit = "week"
    max_points: int = Field(
        ge=0,
        strict=True,
        description="Most points per period for actions without the member's own words.",
    )


class ImpersonalBudget(RuleKind[ImpersonalBudgetParams]):
    """Impersonal volume saturates: actions without the member's own words (a plain
    relay, the suggested text verbatim, a reused or templated comment) share a budget
    of points per period, however varied their channels and topics; beyond it they
    earn nothing.  Personal actions neither use the budget nor are limited by it.

    A comment counts against the budget once another comment of the member's follows
    the same template within the window (both do: which came first is an accident of
    timing), so the state is the same whatever order the actions arrive in.
    """

    kind: ClassVar[str] = "impersonal_budget"
    Params = ImpersonalBudgetParams
    phase = "cap"

    def __init__(self, params: ImpersonalBudgetParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self._test = PersonalTest(params)
        self._period = params.period
        self._week_start = clock.week_start
        self._max_points = params.max_points
        self._scope = f" ({', '.join(sorted(self.verbs))})" if self.verbs else ""
        self._steps = StepCache()

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        pairs = self._test.pairs(fact, fact.points)
        return pairs or ((PLAIN, float(fact.points)),)

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        for key, value in self.remember(fact):
            index.add(key, fact.ts, value)

    def lookback(self, fact: Fact) -> float | None:
        return fact.period(self._period, self._week_start)[0] - self._test.seconds

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        test = self._test
        if total <= 0 or test.personal(fact, index):
            return None
        start, end = fact.period(self._period, self._week_start)
        used = int(index.total(PLAIN, start, end) + test.templated_numbers(index, start, end))
        remaining = max(0, self._max_points - used)
        if total <= remaining:
            return None
        step = self._steps.get(used)
        if step is None:
            noun = self._period
            step = self._steps.keep(
                used,
                Step(
                    self.id,
                    "limit",
                    remaining,
                    f"without your own words: {self._max_points} points a {noun} at most"
                    f"{self._scope} ({used} already earned)",
                    read_only({"earned": used}),
                ),
            )
        return step
