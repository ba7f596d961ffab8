"""Criteria kinds: one small class per way of earning a badge, found through a registry.

A badge's ``criteria:`` names a ``kind``; the registry maps it to a
:class:`CriterionKind` whose ``Params`` model validates the settings, exactly as rule
kinds do for scoring.  A criterion indexes the facts it cares about in its own
:class:`~engagement.core.history.TimeIndex` (:meth:`CriterionKind.remember`) and measures
them over a period (:meth:`CriterionKind.measure`); evaluation compares the measure
with the badge's targets.  A host adds a kind by registering a subclass on its
engine's registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from engagement.core.facts import Fact
from engagement.core.registry import KindRegistry
from engagement.core.timeindex import TimeIndex

if TYPE_CHECKING:
    from engagement.core.periods import Clock

Period = Literal["ever", "week", "month", "quarter", "year"]
Reads = Literal["own", "received", "none"]


class FactFilter(BaseModel):
    """Which actions count: every condition given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verbs: list[str] | None = Field(default=None, description="Verbs that count (all if omitted).")
    channels: list[str] | None = Field(default=None, description="Channels that count.")
    content_kinds: list[str] | None = Field(
        default=None, description="Content kinds that count (corporate, industry…)."
    )
    topics: list[str] | None = Field(
        default=None, description="An action counts if it has one of these topics."
    )
    personalised: bool | None = Field(
        default=None,
        description="Only actions in the member's own words (true) or without them (false); "
        "a templated or copied comment is not in the member's own words, as in scoring.",
    )
    min_own_words: int = Field(
        default=4, ge=1, strict=True, description="Distinct own words that make a personal text."
    )


class CriterionParams(FactFilter):
    """Settings every criterion has: its kind, its filter and its period."""

    kind: str
    period: Period = Field(
        default="ever",
        description="Count within one calendar period (in the member's time zone) or ever.",
    )


@dataclass(frozen=True, slots=True)
class Measure:
    """How far a member is along a criterion: ``value`` to compare with the targets.

    ``ready`` is false while a precondition is unmet (a ratio's minimum count), and
    ``count`` is what that precondition counts.
    """

    value: float
    ready: bool = True
    count: int = 0


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words the built-in hints use for the programme's verbs (their rule-file labels)."""

    labels: dict[str, str]

    def noun(self, verbs: Iterable[str] | None) -> str:
        names = list(verbs or ())
        if len(names) == 1:
            return self.labels.get(names[0], names[0])
        return "action"


class Matcher:
    """A compiled :class:`FactFilter`: sets instead of lists, tested in the cheap order."""

    __slots__ = ("_channels", "_kinds", "_min_own_words", "_personalised", "_topics", "verbs")

    def __init__(self, spec: FactFilter) -> None:
        self.verbs = frozenset(spec.verbs) if spec.verbs else None
        self._channels = frozenset(spec.channels) if spec.channels else None
        self._kinds = frozenset(spec.content_kinds) if spec.content_kinds else None
        self._topics = frozenset(spec.topics) if spec.topics else None
        self._personalised = spec.personalised
        self._min_own_words = spec.min_own_words

    def __call__(self, fact: Fact) -> bool:
        if self.verbs is not None and fact.verb not in self.verbs:
            return False
        if self._channels is not None and fact.channel not in self._channels:
            return False
        if self._kinds is not None and fact.content_kind not in self._kinds:
            return False
        if self._topics is not None and self._topics.isdisjoint(fact.topics):
            return False
        return self._personalised is None or self._personalised == self.personal(fact)

    def personal(self, fact: Fact) -> bool:
        """Whether the action's text has enough of the member's own words, neither
        copied nor a template (:attr:`Fact.reused`, the scoring's test)."""
        return fact.distinct_own_words >= self._min_own_words and not fact.reused


P = TypeVar("P", bound=CriterionParams)


class CriterionKind(ABC, Generic[P]):
    """One configured criterion.

    ``reads`` says whose facts it measures: the member's ``own`` actions, actions
    colleagues aimed at the member (``received``: kudos), or ``none`` (manual).
    """

    kind: ClassVar[str]
    Params: ClassVar[type[CriterionParams]]
    reads: ClassVar[Reads] = "own"

    fixed_target: ClassVar[float | None] = None
    """Set by kinds that need no target in the badge (``first``: 1)."""
    max_target: ClassVar[float | None] = None
    """The largest target that makes sense (a ratio's 1.0), checked when loading."""

    def __init__(self, params: P, clock: Clock) -> None:
        self.params = params
        self.clock = clock
        self.counts = Matcher(params)

    def could_change(self, verb: str) -> bool:
        """Whether an action with ``verb`` can move this criterion (cheap pre-filter)."""
        return self.counts.verbs is None or verb in self.counts.verbs

    @property
    def reads_given(self) -> bool:
        """Whether a criterion that reads what the member ``received`` also indexes what
        they gave (:meth:`given`): thanks given back, for kudos received."""
        return False

    def given(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        """``(key, value)`` pairs to index for one of the member's own facts that passed
        :meth:`counts`, when :attr:`reads_given`."""
        return ()

    @abstractmethod
    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        """``(key, value)`` pairs to index for a fact that passed :meth:`counts`."""

    @abstractmethod
    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        """The member's measure over ``[start, end)``."""

    def moved(self, index: TimeIndex, fact: Fact, start: float, end: float) -> bool:
        """Whether adding ``fact`` (already indexed) can have raised the measure over
        ``[start, end)``.  A cheap test that lets evaluation skip :meth:`measure`;
        the default, ``True``, is always safe."""
        return True

    def met(self, measure: Measure, target: float) -> bool:
        return measure.ready and measure.value >= target

    def percent(self, measure: Measure, target: float) -> int:
        if target <= 0:
            return 100
        return int(min(1.0, measure.value / target) * 100)

    @abstractmethod
    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        """What is left to do, as a verb phrase: ``use 1 more channel``."""


class CriterionKindRegistry(KindRegistry[type[CriterionKind[Any]]]):
    """Names to criterion kinds.  Each engine owns one, seeded with the built-in kinds."""

    what = "criterion kind"
