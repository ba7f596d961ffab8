"""A member's earlier facts, indexed by time for the questions rules ask.

Rules ask "how many matching actions in this window?", "how many points in this
period?", "was this channel already used this month?".  Each rule keeps its own
:class:`TimeIndex` of sorted timestamps per key, so every answer is a binary search
(and a C-level ``sum`` over a slice), whatever the size of the history.  The same
structure serves a single ``record()`` (built from the rows one query returns) and a
bulk replay (kept alive across a member's whole log), so both score identically.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar

from engagement.core.facts import Fact, Step

K = TypeVar("K", bound=Hashable)


class TimeIndex:
    """Per key, the timestamps of matching facts (sorted) and a value for each."""

    __slots__ = ("_series",)

    def __init__(self) -> None:
        self._series: dict[Hashable, tuple[list[float], list[float]]] = {}

    def add(self, key: Hashable, ts: float, value: float = 1.0) -> None:
        series = self._series.get(key)
        if series is None:
            self._series[key] = ([ts], [value])
            return
        times, values = series
        if not times or ts >= times[-1]:
            times.append(ts)
            values.append(value)
        else:
            index = bisect_left(times, ts)
            times.insert(index, ts)
            values.insert(index, value)

    def remove(self, key: Hashable, ts: float, value: float = 1.0) -> None:
        """Forget one fact; facts with the same time and value are interchangeable."""
        times, values = self._series[key]
        index = bisect_left(times, ts)
        while values[index] != value:
            index += 1
        del times[index]
        del values[index]

    def count(self, key: Hashable, start: float, end: float) -> int:
        """Number of facts under ``key`` with ``start <= ts < end``."""
        series = self._series.get(key)
        if series is None:
            return 0
        times = series[0]
        # Scoring mostly asks about windows that reach past the latest fact.
        if not times or times[-1] < end:
            return len(times) - bisect_left(times, start)
        return bisect_left(times, end) - bisect_left(times, start)

    def has(self, key: Hashable, start: float, end: float) -> bool:
        """Whether any fact under ``key`` has ``start <= ts < end``.

        ``count(...) > 0`` with one binary search instead of two: the question
        "was this already used in the window?" is asked for most facts.
        """
        series = self._series.get(key)
        if series is None:
            return False
        times = series[0]
        index = bisect_left(times, start)
        return index < len(times) and times[index] < end

    # Scoring asks a question about a fact's own key and then remembers the fact under
    # it; these do both with one lookup.  Each answers as if asked before the add.

    def count_then_add(self, key: Hashable, ts: float, start: float, end: float) -> int:
        """``count(key, start, end)``, then ``add(key, ts)``."""
        series = self._series.get(key)
        if series is None:
            self._series[key] = ([ts], [1.0])
            return 0
        times, values = series
        if not times or times[-1] < end:
            earlier = len(times) - bisect_left(times, start)
        else:
            earlier = bisect_left(times, end) - bisect_left(times, start)
        if not times or ts >= times[-1]:
            times.append(ts)
            values.append(1.0)
        else:
            index = bisect_left(times, ts)
            times.insert(index, ts)
            values.insert(index, 1.0)
        return earlier

    def has_then_add(self, key: Hashable, ts: float, start: float, end: float) -> bool:
        """``has(key, start, end)``, then ``add(key, ts)``."""
        series = self._series.get(key)
        if series is None:
            self._series[key] = ([ts], [1.0])
            return False
        times, values = series
        index = bisect_left(times, start)
        found = index < len(times) and times[index] < end
        if not times or ts >= times[-1]:
            times.append(ts)
            values.append(1.0)
        else:
            index = bisect_left(times, ts)
            times.insert(index, ts)
            values.insert(index, 1.0)
        return found

    def unseen(
        self, keys: Sequence[K], start: float, end: float, add_at: float | None = None
    ) -> list[K]:
        """The ``keys`` without a fact in ``start <= ts < end``, in order; with
        ``add_at``, every key is then added at that time (a key listed twice is
        answered twice before either is added).  One call for a fact's many keys."""
        series = self._series
        unseen: list[K] = []
        for key in keys:
            held = series.get(key)
            if held is not None:
                times = held[0]
                index = bisect_left(times, start)
                if index < len(times) and times[index] < end:
                    continue
            unseen.append(key)
        if add_at is not None:
            for key in keys:
                held = series.get(key)
                if held is None:
                    series[key] = ([add_at], [1.0])
                    continue
                times, values = held
                if not times or add_at >= times[-1]:
                    times.append(add_at)
                    values.append(1.0)
                else:
                    index = bisect_left(times, add_at)
                    times.insert(index, add_at)
                    values.insert(index, 1.0)
        return unseen

    def ever_then_add(self, key: Hashable, ts: float) -> int:
        """``ever(key)``, then ``add(key, ts)``."""
        series = self._series.get(key)
        if series is None:
            self._series[key] = ([ts], [1.0])
            return 0
        times, values = series
        ever = len(times)
        if not ever or ts >= times[-1]:
            times.append(ts)
            values.append(1.0)
        else:
            index = bisect_left(times, ts)
            times.insert(index, ts)
            values.insert(index, 1.0)
        return ever

    def total(self, key: Hashable, start: float, end: float) -> float:
        """Sum of the values under ``key`` with ``start <= ts < end``."""
        series = self._series.get(key)
        if series is None:
            return 0.0
        times, values = series
        if not times or times[-1] < end:
            return sum(values[bisect_left(times, start) :])
        return sum(values[bisect_left(times, start) : bisect_left(times, end)])

    def ever(self, key: Hashable) -> int:
        series = self._series.get(key)
        return len(series[0]) if series else 0

    def times(self, key: Hashable, start: float, end: float) -> list[float]:
        """The timestamps under ``key`` with ``start <= ts < end``, oldest first."""
        series = self._series.get(key)
        if series is None:
            return []
        times = series[0]
        return times[bisect_left(times, start) : bisect_left(times, end)]

    def entries(self, key: Hashable, start: float, end: float) -> tuple[list[float], list[float]]:
        """The times and values under ``key`` with ``start <= ts < end``, oldest first."""
        series = self._series.get(key)
        if series is None:
            return [], []
        times, values = series
        low, high = bisect_left(times, start), bisect_left(times, end)
        return times[low:high], values[low:high]

    def all_keys(self) -> list[Hashable]:
        """Every key that has held a fact (possibly none left after removals)."""
        return list(self._series)

    def series(self) -> dict[Hashable, tuple[list[float], list[float]]]:
        """The index's content, for a snapshot: per key, its sorted times and values.

        The index's own lists, not copies: serialise them before the next change.
        """
        return self._series

    @classmethod
    def restored(cls, series: dict[Hashable, tuple[list[float], list[float]]]) -> TimeIndex:
        """An index holding ``series`` (as :meth:`series` returned it), taken over."""
        index = cls()
        index._series = series
        return index


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
