"""A member's earlier facts, indexed by time for the questions rules ask.

Rules ask "how many matching actions in this window?", "how many points in this
period?", "was this channel already used this month?".  Each rule keeps its own
:class:`TimeIndex` of sorted timestamps per key, so every answer is a binary search
(and a C-level ``sum`` over a slice), whatever the size of the history.  The same
structure serves a single ``record()`` (built from the rows one query returns) and a
bulk replay (kept alive across a member's whole log), so both score identically.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from engagement.core.facts import Fact, Step
from engagement.core.timeindex import Series, TimeIndex

__all__ = [
    "Apply",
    "MemberHistory",
    "Remember",
    "Rules",
    "ScoringRule",
    "Series",
    "TimeIndex",
    "VerbPlan",
    "VerbPoints",
]


class ScoringRule(Protocol):
    """What the history needs of one configured rule (see :class:`engagement.RuleKind`)."""

    @property
    def id(self) -> str: ...

    @property
    def remembers_points(self) -> bool: ...

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None: ...

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None: ...

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]: ...

    def remember_in(self, fact: Fact, index: TimeIndex) -> None: ...


class VerbPoints(Protocol):
    """What the history needs of one verb of the rule file: its base points."""

    @property
    def points(self) -> float: ...

    @property
    def label(self) -> str | None: ...

    @property
    def target(self) -> str: ...


class Rules(Protocol):
    """The compiled rules scoring runs (:class:`engagement.Ruleset` is one).

    A protocol, not the class, so that the core imports nothing of the rule-file
    layer: the rules depend on the core, never the other way round.
    """

    @property
    def rules(self) -> Sequence[ScoringRule]: ...

    @property
    def verbs(self) -> Mapping[str, VerbPoints]: ...

    def pipeline(self, verb: str) -> Sequence[ScoringRule]: ...

    def rules_remembering(self, verb: str) -> Sequence[ScoringRule]: ...


Apply = Callable[[Fact, TimeIndex, float], Step | None]
"""A rule's :meth:`~engagement.rules.kinds.RuleKind.apply`, bound."""
Remember = Callable[[Fact, TimeIndex], None]
"""A rule's :meth:`~engagement.rules.kinds.RuleKind.remember_in`, bound."""


class VerbPlan(NamedTuple):
    """What scoring and remembering one verb takes, bound to one member's indexes.

    Built once per verb and member history, so that scoring an action costs one dict
    lookup before the rules run, instead of a lookup per rule and per question.
    """

    base: Step
    """The verb's own step (``verbs.<verb>``: its base points), shared by every award."""
    points: float
    """The verb's base points, where the running total starts."""
    aimed_at_self: Step | None
    """For a verb that names a colleague, the step that zeroes an action aimed at the
    member themself; ``None`` when the verb names nobody."""
    rules: tuple[tuple[Apply, TimeIndex], ...]
    """``(rule.apply, the rule's index)`` for each rule scoring the verb, in order."""
    remembering: tuple[tuple[Remember, TimeIndex], ...]
    """``(rule.remember_in, the rule's index)`` for each rule remembering the verb."""
    scoring: tuple[tuple[Apply, TimeIndex], ...]
    """:attr:`rules` for scoring a fact that is then remembered: a rule that also
    remembers the verb without reading the points it gets scores and remembers it in
    one call (``rule.apply_and_remember``)."""
    remembering_after: tuple[tuple[Remember, TimeIndex], ...]
    """:attr:`remembering` without the rules :attr:`scoring` already remembers with."""


class MemberHistory:
    """Everything the ruleset's rules remember about one member's earlier actions."""

    __slots__ = ("_remembering", "_ruleset", "facts", "indexes", "plans")

    def __init__(self, ruleset: Rules) -> None:
        self._ruleset = ruleset
        self.facts: dict[int, Fact] = {}
        """The facts held, by ``seq``."""
        self.indexes: dict[str, TimeIndex] = {rule.id: TimeIndex() for rule in ruleset.rules}
        self.plans: dict[str, VerbPlan] = {}
        """The verbs' plans built so far (:meth:`plan` builds them): the scoring loop
        reads them here, one lookup per action."""
        self._remembering: dict[str, tuple[tuple[Remember, TimeIndex], ...]] = {}

    def plan(self, verb: str) -> VerbPlan:
        """The :class:`VerbPlan` of ``verb``; ``KeyError`` if the ruleset lacks it."""
        plan = self.plans.get(verb)
        if plan is None:
            ruleset = self._ruleset
            spec = ruleset.verbs[verb]
            indexes = self.indexes
            pipeline = ruleset.pipeline(verb)
            remembering = ruleset.rules_remembering(verb)
            # Remembering a rule's fact early is only invisible if no other rule
            # reads its index: true when ids are unique, as the loader ensures.
            fused = (
                {id(rule) for rule in pipeline if rule in remembering and not rule.remembers_points}
                if len(indexes) == len(ruleset.rules)
                else set()
            )
            plan = self.plans[verb] = VerbPlan(
                base=Step(f"verbs.{verb}", "add", spec.points, spec.label or verb),
                points=spec.points,
                aimed_at_self=(
                    None
                    if spec.target == "none"
                    else Step(f"verbs.{verb}", "multiply", 0, "aimed at yourself")
                ),
                rules=tuple((rule.apply, indexes[rule.id]) for rule in pipeline),
                remembering=self._remembering_pairs(verb),
                scoring=tuple(
                    (rule.apply_and_remember if id(rule) in fused else rule.apply, indexes[rule.id])
                    for rule in pipeline
                ),
                remembering_after=tuple(
                    (rule.remember_in, indexes[rule.id])
                    for rule in remembering
                    if id(rule) not in fused
                ),
            )
        return plan

    def pipeline(self, verb: str) -> tuple[tuple[Apply, TimeIndex], ...]:
        """``(rule.apply, the rule's index)`` for each rule scoring ``verb``, in order."""
        return self.plan(verb).rules

    def _remembering_pairs(self, verb: str) -> tuple[tuple[Remember, TimeIndex], ...]:
        pairs = self._remembering.get(verb)
        if pairs is None:
            indexes = self.indexes
            pairs = self._remembering[verb] = tuple(
                (rule.remember_in, indexes[rule.id])
                for rule in self._ruleset.rules_remembering(verb)
            )
        return pairs

    def add(self, fact: Fact) -> None:
        """Remember a scored fact (its ``points`` set)."""
        self.facts[fact.seq] = fact
        pairs = self._remembering.get(fact.verb)
        if pairs is None:
            pairs = self._remembering_pairs(fact.verb)
        for remember_in, index in pairs:
            remember_in(fact, index)

    def remember(self, fact: Fact, pairs: tuple[tuple[Remember, TimeIndex], ...]) -> None:
        """:meth:`add` through ``pairs`` (from the fact's :class:`VerbPlan`), for a fact
        the scoring has just remembered in every other rule that remembers it."""
        self.facts[fact.seq] = fact
        for remember_in, index in pairs:
            remember_in(fact, index)

    def add_all(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            self.add(fact)

    def prune(self, before: float, rule_ids: Iterable[str]) -> None:
        """Forget the facts with ``ts < before`` and their entries in the indexes of
        ``rule_ids`` (the rules that read a time window: the others, keyed by content,
        read any age).  The history then only answers questions about windows that
        start at ``before`` or later."""
        for rule_id in rule_ids:
            self.indexes[rule_id].prune(before)
        self.facts = {seq: fact for seq, fact in self.facts.items() if fact.ts >= before}

    def withdraw(self, fact: Fact) -> bool:
        """Take ``fact`` (as it was remembered: same points) out of the indexes, to
        remember it again after re-scoring it; whether every entry was found.

        ``False`` means the history did not hold the fact as given: it is then
        partly changed and must be rebuilt.
        """
        self.facts.pop(fact.seq, None)
        indexes = self.indexes
        for rule in self._ruleset.rules_remembering(fact.verb):
            index = indexes[rule.id]
            for key, value in rule.remember(fact):
                if not index.discard(key, fact.ts, value):
                    return False
        return True

    def forget(self, seq: int) -> Fact | None:
        """Drop the fact logged as ``seq`` (a revocation); ``None`` if not held."""
        fact = self.facts.pop(seq, None)
        if fact is None:
            return None
        for rule in self._ruleset.rules_remembering(fact.verb):
            index = self.indexes[rule.id]
            for key, value in rule.remember(fact):
                index.remove(key, fact.ts, value)
        return fact
