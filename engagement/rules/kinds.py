"""Rule kinds: one small class per kind of scoring rule, found through a registry.

A rule in the rule file names its ``kind``; the registry maps that name to a
:class:`RuleKind` subclass whose ``Params`` model validates the rule's settings.  A
host adds its own kind by registering a subclass on its engine's registry; nothing in
the package needs editing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from engagement.core.facts import Fact, Step
from engagement.core.periods import Clock
from engagement.core.registry import KindRegistry
from engagement.core.timeindex import TimeIndex

Phase = Literal["bonus", "modifier", "cap"]
PHASES: tuple[Phase, ...] = ("bonus", "modifier", "cap")


class RuleParams(BaseModel):
    """Settings every rule has; a kind's ``Params`` subclasses this."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="Stable id shown in ledgers.")
    kind: str
    description: str = ""
    verbs: list[str] | None = Field(
        default=None, description="Verbs the rule applies to; all verbs when omitted."
    )


P = TypeVar("P", bound=RuleParams)


class RuleKind(ABC, Generic[P]):
    """One configured rule.

    ``phase`` places the rule in the pipeline: every ``bonus`` adds points, then every
    ``modifier`` multiplies the running total, then every ``cap`` limits it.  Rules
    remember what they need of earlier facts in their own :class:`TimeIndex`
    (:meth:`remember`) and read it back when scoring (:meth:`apply`).
    """

    kind: ClassVar[str]
    Params: ClassVar[type[RuleParams]]
    phase: ClassVar[Phase]
    remembers_points: ClassVar[bool] = True
    """Whether :meth:`remember` reads ``fact.points``.  A kind that sets it false is
    remembered as soon as it has scored a fact (:meth:`apply_and_remember`), in the
    same call, instead of after the whole pipeline has set the points."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A kind's remember_in() and apply_and_remember() are written for its own
        # apply() and remember(): a subclass that replaces those, but not these, gets
        # the generic versions, which call them, so it is scored as it says.
        own = vars(cls)
        if "remember" in own and "remember_in" not in own:
            setattr(cls, "remember_in", RuleKind.remember_in)  # noqa: B010
        if ("remember" in own or "apply" in own) and "apply_and_remember" not in own:
            setattr(cls, "apply_and_remember", RuleKind.apply_and_remember)  # noqa: B010
        if "remember" in own and "remembers_points" not in own:
            cls.remembers_points = True

    def __init__(self, params: P, clock: Clock) -> None:
        self.params = params
        self.id = params.id
        self.clock = clock
        self.verbs: frozenset[str] | None = frozenset(params.verbs) if params.verbs else None

    def applies_to(self, verb: str) -> bool:
        return self.verbs is None or verb in self.verbs

    def remembers(self, verb: str) -> bool:
        """Whether earlier facts with ``verb`` matter to this rule (default: same filter)."""
        return self.applies_to(verb)

    @abstractmethod
    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        """``(key, value)`` pairs to index for an earlier fact."""

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        """Add to ``index`` the pairs :meth:`remember` returns for ``fact``.

        Scoring calls this once per remembering rule for every action, so built-in
        kinds override it to add their keys directly, without building the pairs.  An
        override must add exactly the pairs :meth:`remember` returns: revoking a fact
        removes those.
        """
        ts = fact.ts
        for key, value in self.remember(fact):
            index.add(key, ts, value)

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        """:meth:`apply`, then :meth:`remember_in`: what scoring calls for a rule that
        scores and remembers the fact's verb, unless :attr:`remembers_points`.

        Built-in kinds override it to look each key up once for both; the answer must
        be the one :meth:`apply` gives before the fact is remembered.
        """
        step = self.apply(fact, index, total)
        self.remember_in(fact, index)
        return step

    def lookback(self, fact: Fact) -> float | None:
        """Earliest instant of history this rule reads when scoring ``fact``.

        ``None`` means the rule only reads facts about the same content, which the
        storage layer always loads whatever their age.
        """
        return None

    @abstractmethod
    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        """The step this rule contributes for ``fact``, or ``None`` if it does not apply."""


class RuleKindRegistry(KindRegistry[type[RuleKind[Any]]]):
    """Names to rule kinds.  Each engine owns one, seeded with the built-in kinds."""

    what = "rule kind"
