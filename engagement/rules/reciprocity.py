"""Thanking a colleague who mostly thanks you back is worth less."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import ClassVar, Literal

from pydantic import Field

from engagement.core.facts import Fact, Step, StepCache, read_only
from engagement.core.periods import Clock
from engagement.core.reciprocity import Reciprocity, ReciprocitySettings
from engagement.core.timeindex import TimeIndex
from engagement.rules.kinds import RuleKind, RuleParams


class ReciprocityParams(RuleParams, ReciprocitySettings):
    kind: Literal["reciprocity"] = "reciprocity"
    multiplier: float = Field(
        ge=0, le=1, description="What a thank-you to such a colleague is worth (0-1)."
    )


class ThanksReturned(RuleKind[ReciprocityParams]):
    """Kudos measure recognition, not reciprocity: a thank-you to a colleague who
    thanked the member back most of the time within the window (see
    :mod:`engagement.core.reciprocity`) is multiplied by ``multiplier``.

    The colleague's thanks are not in the member's history: the writer passes them
    with the fact (:attr:`Fact.returned`, those logged before it, read under both
    members' locks), so the answer is a function of the log whatever process scores it.
    """

    kind: ClassVar[str] = "reciprocity"
    Params = ReciprocityParams
    phase = "modifier"
    remembers_points = False

    def __init__(self, params: ReciprocityParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.test = Reciprocity(params)
        self._multiplier = params.multiplier
        self._window = params.window
        self._steps = StepCache()

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        target = fact.target
        return ((target, 1.0),) if target is not None and target != fact.member else ()

    def lookback(self, fact: Fact) -> float | None:
        return fact.ts - self.test.seconds

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        target = fact.target
        if target is None or target == fact.member or not fact.returned:
            return None
        test = self.test
        start, end = fact.ts - test.seconds, fact.ts + test.seconds
        given = index.count(target, start, end) + 1
        returned = sum(1 for ts in fact.returned if start <= ts < end)
        if not test.mutual(given, returned):
            return None
        key = (returned, given)
        step = self._steps.get(key)
        if step is None:
            step = self._steps.keep(
                key,
                Step(
                    self.id,
                    "multiply",
                    self._multiplier,
                    f"thanks to a colleague who thanks you back most of the time "
                    f"({returned} back for your {given} within {self._window})",
                    read_only({"thanked_back": returned, "thanked": given}),
                ),
            )
        return step
