from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

import pytest

from engagement.core.timeindex import TimeIndex


def test_counts_and_totals_in_half_open_ranges() -> None:
    index = TimeIndex()
    for ts, value in [(10.0, 1.0), (20.0, 2.0), (30.0, 4.0)]:
        index.add("k", ts, value)
    assert index.count("k", 10.0, 30.0) == 2
    assert index.total("k", 10.0, 31.0) == 7.0
    assert index.count("other", 0.0, 100.0) == 0
    assert index.ever("k") == 3


def test_late_facts_are_inserted_in_time_order() -> None:
    index = TimeIndex()
    for ts in (30.0, 10.0, 20.0):
        index.add("k", ts, ts)
    assert index.total("k", 0.0, 15.0) == 10.0
    assert index.total("k", 15.0, 25.0) == 20.0


def test_remove_forgets_exactly_one_matching_fact() -> None:
    index = TimeIndex()
    index.add("k", 10.0, 5.0)
    index.add("k", 10.0, 7.0)
    index.remove("k", 10.0, 7.0)
    assert index.total("k", 0.0, 100.0) == 5.0
    index.remove("k", 10.0, 5.0)
    assert index.count("k", 0.0, 100.0) == 0
    index.add("k", 3.0)
    assert index.ever("k") == 1


def test_discard_forgets_a_matching_fact_and_says_when_there_is_none() -> None:
    index = TimeIndex()
    index.add("k", 10.0, 5.0)
    index.add("k", 10.0, 7.0)
    index.add("k", 12.0, 7.0)
    assert index.discard("k", 10.0, 7.0)
    assert index.entries("k", 0.0, 100.0) == ([10.0, 12.0], [5.0, 7.0])
    assert not index.discard("k", 10.0, 7.0)  # the other 7.0 is at another time
    assert not index.discard("k", 11.0, 5.0)
    assert not index.discard("other", 10.0, 5.0)
    assert index.entries("k", 0.0, 100.0) == ([10.0, 12.0], [5.0, 7.0])


def test_a_deferred_index_is_its_packed_form_and_the_facts_added_since() -> None:
    unpacked: list[bytes] = []

    def unpack(packed: bytes) -> dict[Any, tuple[list[float], list[float]]]:
        unpacked.append(packed)
        return {"k": ([10.0, 30.0], [1.0, 3.0])}

    index = TimeIndex.deferred(b"packed", unpack, [("k", 20.0, 2.0)])
    index.add("other", 5.0)
    assert index.unread() == (b"packed", [("k", 20.0, 2.0), ("other", 5.0, 1.0)])
    assert index.packed() is None  # not its content any more: facts were added
    assert unpacked == []
    assert index.entries("k", 0.0, 100.0) == ([10.0, 20.0, 30.0], [1.0, 2.0, 3.0])
    assert index.ever("other") == 1
    assert unpacked == [b"packed"]
    assert index.unread() is None


def _changes() -> dict[str, Callable[[TimeIndex], object]]:
    return {
        "add": lambda index: index.add("k", 40.0),
        "remove": lambda index: index.remove("k", 10.0),
        "discard": lambda index: index.discard("k", 10.0),
        "count_then_add": lambda index: index.count_then_add("k", 40.0, 0.0, 50.0),
        "has_then_add": lambda index: index.has_then_add("k", 40.0, 0.0, 50.0),
        "ever_then_add": lambda index: index.ever_then_add("k", 40.0),
        "unseen": lambda index: index.unseen(["k", "new"], 0.0, 50.0, add_at=40.0),
        "prune": lambda index: index.prune(15.0),
    }


@pytest.mark.parametrize("change", sorted(_changes()))
def test_a_packed_index_is_packed_again_only_after_it_changes(change: str) -> None:
    dumped: list[dict[Any, Any]] = []

    def dump(series: dict[Any, tuple[list[float], list[float]]]) -> bytes:
        dumped.append({key: (list(t), list(v)) for key, (t, v) in series.items()})
        return marshal.dumps(series)

    index = TimeIndex()
    index.add("k", 10.0)
    index.add("k", 20.0)
    first = index.pack(dump)
    assert index.pack(dump) is first and index.packed() is first
    assert len(dumped) == 1
    _changes()[change](index)
    assert index.packed() is None
    again = index.pack(dump)
    assert len(dumped) == 2
    assert marshal.loads(again) == index.series() != marshal.loads(first)


def test_an_index_read_after_a_deferred_restore_is_packed_from_its_content() -> None:
    index = TimeIndex.deferred(marshal.dumps({"k": ([10.0], [1.0])}), marshal.loads)
    assert index.packed() is not None  # unchanged since restored: stored as read
    index.add("k", 20.0)
    assert marshal.loads(index.pack(marshal.dumps)) == {"k": ([10.0, 20.0], [1.0, 1.0])}
    assert index.packed() is not None and index.unread() is None
