"""Per key, the sorted timestamps of a member's facts: the index every rule asks.

Rules ask "how many matching actions in this window?", "how many points in this
period?", "was this channel already used this month?".  Each rule keeps its own
:class:`TimeIndex` of sorted timestamps per key, so every answer is a binary search
(and a C-level ``sum`` over a slice), whatever the size of the history.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


Series = dict[Hashable, tuple[list[float], list[float]]]
"""Per key, the sorted timestamps and their values: a :class:`TimeIndex`'s content."""
Addition = tuple[Hashable, float, float]
"""``(key, ts, value)``: a fact added to a :meth:`TimeIndex.deferred` index not yet unpacked."""


class TimeIndex:
    """Per key, the timestamps of matching facts (sorted) and a value for each.

    An index can also be :meth:`deferred`: held in a packed form and unpacked the
    first time it is used.  A member's stored snapshot holds dozens of indexes, some
    with a timestamp per action of the year, while one action reads a few of them.
    """

    __slots__ = ("_packed", "_pending", "_series")
    _pending: tuple[bytes, Callable[[bytes], Series], list[Addition]] | None
    # A deferred index's packed form, how to unpack it and the adds meanwhile; or None.
    _packed: bytes | None
    # The packed form of the current content, while it is known (see ``pack``).

    def __init__(self) -> None:
        self._series: Series = {}
        self._pending = None
        self._packed = None

    def __getattr__(self, name: str) -> Series:
        # Only called for a slot not set: ``_series`` of a deferred index, unpacked
        # on first use (every method but ``add`` reads it), after which the slot answers.
        pending = self._pending
        if name != "_series" or pending is None:
            raise AttributeError(name)
        packed, unpack, added = pending
        self._pending = None
        series = self._series = unpack(packed)
        for key, ts, value in added:
            self.add(key, ts, value)
        return series

    def add(self, key: Hashable, ts: float, value: float = 1.0) -> None:
        pending = self._pending
        if pending is not None:
            # A restore adds the facts logged since its snapshot to indexes that the
            # action being recorded mostly never reads: they stay packed.
            pending[2].append((key, ts, value))
            return
        self._packed = None
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
        self._packed = None
        times, values = self._series[key]
        index = bisect_left(times, ts)
        while values[index] != value:
            index += 1
        del times[index]
        del values[index]

    def discard(self, key: Hashable, ts: float, value: float = 1.0) -> bool:
        """Forget one fact at ``ts`` with ``value``, if held; whether it was.

        :meth:`remove` for a caller that is not sure the fact is there: an index
        rebuilt elsewhere (a snapshot) might lack it, and a wrong removal must not
        go unnoticed.
        """
        self._packed = None
        series = self._series.get(key)
        if series is None:
            return False
        times, values = series
        index = bisect_left(times, ts)
        while index < len(times) and times[index] == ts:
            if values[index] == value:
                del times[index]
                del values[index]
                return True
            index += 1
        return False

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
        self._packed = None
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
        self._packed = None
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
        if add_at is not None:
            self._packed = None
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
        self._packed = None
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

    def prune(self, before: float) -> None:
        """Forget the facts with ``ts < before`` (a key left with none is dropped)."""
        self._packed = None
        series = self._series
        for key in list(series):
            times, values = series[key]
            cut = bisect_left(times, before)
            if cut == len(times):
                del series[key]
            elif cut:
                del times[:cut]
                del values[:cut]

    def all_keys(self) -> list[Hashable]:
        """Every key that has held a fact (possibly none left after removals)."""
        return list(self._series)

    def series(self) -> Series:
        """The index's content, for a snapshot: per key, its sorted times and values.

        The index's own lists, not copies: serialise them before the next change.
        """
        return self._series

    @classmethod
    def restored(cls, series: Series) -> TimeIndex:
        """An index holding ``series`` (as :meth:`series` returned it), taken over."""
        index = cls()
        index._series = series
        return index

    @classmethod
    def deferred(
        cls,
        packed: bytes,
        unpack: Callable[[bytes], Series],
        added: Iterable[Addition] = (),
    ) -> TimeIndex:
        """An index whose content is ``unpack(packed)`` plus the facts ``added`` (in
        order), unpacked when first used.

        ``unpack`` runs at that first use, so an error in it surfaces then.
        """
        index = cls.__new__(cls)
        index._pending = (packed, unpack, list(added))
        index._packed = None
        return index

    def packed(self) -> bytes | None:
        """The index's packed form, if known and still equal to its content: a
        :meth:`deferred` index unchanged since, or one :meth:`pack` packed and nothing
        changed since; else ``None``."""
        pending = self._pending
        if pending is not None:
            return pending[0] if not pending[2] else None
        return self._packed

    def pack(self, dump: Callable[[Series], bytes]) -> bytes:
        """The index's content as ``dump`` packs it, kept until the index changes.

        A snapshot writes every index of a member, and most of them have not changed
        since the last one (an action touches a few): those are not packed again.
        ``dump`` must be the same function every time (the snapshots' marshal).
        """
        packed = self.packed()
        if packed is None:
            packed = dump(self._series)
            if self._pending is None:
                self._packed = packed
        return packed

    def unread(self) -> tuple[bytes, list[Addition]] | None:
        """A :meth:`deferred` index never read: its packed form and the facts added
        since (``(key, ts, value)``, in order); ``None`` once it has been unpacked.

        Together they are the index's content, so a snapshot can store the pair as it
        is instead of unpacking the index to merge a few additions.
        """
        pending = self._pending
        return (pending[0], pending[2]) if pending is not None else None
