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
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

from .facts import Fact

if TYPE_CHECKING:
    from .rules.ruleset import Ruleset


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
        return bisect_left(times, end) - bisect_left(times, start)

    def total(self, key: Hashable, start: float, end: float) -> float:
        """Sum of the values under ``key`` with ``start <= ts < end``."""
        series = self._series.get(key)
        if series is None:
            return 0.0
        times, values = series
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

    def all_keys(self) -> list[Hashable]:
        """Every key that has held a fact (possibly none left after removals)."""
        return list(self._series)


class MemberHistory:
    """Everything the ruleset's rules remember about one member's earlier actions."""

    __slots__ = ("_by_verb", "_facts", "_pipelines", "_ruleset", "indexes")

    def __init__(self, ruleset: Ruleset) -> None:
        self._ruleset = ruleset
        self._facts: dict[int, Fact] = {}
        self.indexes: dict[str, TimeIndex] = {rule.id: TimeIndex() for rule in ruleset.rules}
        self._by_verb: dict[str, list[tuple[Callable[[Fact], Iterable[Any]], TimeIndex]]] = {}
        self._pipelines: dict[str, list[tuple[Callable[..., Any], TimeIndex]]] = {}

    def pipeline(self, verb: str) -> list[tuple[Callable[..., Any], TimeIndex]]:
        """``(rule.apply, the rule's index)`` for each rule scoring ``verb``, in order."""
        pairs = self._pipelines.get(verb)
        if pairs is None:
            pairs = self._pipelines[verb] = [
                (rule.apply, self.indexes[rule.id]) for rule in self._ruleset.pipeline(verb)
            ]
        return pairs

    def _remembering(self, verb: str) -> list[tuple[Callable[[Fact], Iterable[Any]], TimeIndex]]:
        pairs = self._by_verb.get(verb)
        if pairs is None:
            pairs = self._by_verb[verb] = [
                (rule.remember, self.indexes[rule.id])
                for rule in self._ruleset.rules_remembering(verb)
            ]
        return pairs

    def add(self, fact: Fact) -> None:
        """Remember a scored fact (its ``points`` set)."""
        self._facts[fact.seq] = fact
        ts = fact.ts
        for remember, index in self._remembering(fact.verb):
            for key, value in remember(fact):
                index.add(key, ts, value)

    def add_all(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            self.add(fact)

    def forget(self, seq: int) -> Fact | None:
        """Drop the fact logged as ``seq`` (a revocation); ``None`` if not held."""
        fact = self._facts.pop(seq, None)
        if fact is None:
            return None
        for rule in self._ruleset.rules_remembering(fact.verb):
            index = self.indexes[rule.id]
            for key, value in rule.remember(fact):
                index.remove(key, fact.ts, value)
        return fact
