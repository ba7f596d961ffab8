from __future__ import annotations

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
