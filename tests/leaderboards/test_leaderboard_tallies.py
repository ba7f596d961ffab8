"""Score tallies: per-bucket counts of each period's public rows, kept by every writer
and read for participants and rows ahead on everyone boards."""

from __future__ import annotations

import math

from conftest import WEDNESDAY, Act, BoardEngine
from hypothesis import given
from hypothesis import strategies as st

from engagement import Engagement
from engagement.leaderboards import tallies
from engagement.leaderboards.tables import scores
from engagement.leaderboards.tables import tallies as tallies_table
from engagement.migrations import drop_version_table

MEMBERS = tuple((f"m{i:02}", "Sales" if i % 2 else "Ops", True) for i in range(40))


@given(st.integers(-1000, 10**15))
def test_every_score_falls_in_exactly_one_bucket(score: int) -> None:
    bucket = tallies.bucket_of(score)
    low, high = tallies.bucket_bounds(bucket)
    assert low <= score < high
    assert tallies.bucket_of(low) == tallies.bucket_of(high - 1) == bucket
    assert tallies.bucket_of(high) == bucket + 1
    assert tallies.bucket_bounds(bucket + 1)[0] == high


def test_buckets_are_exact_below_16_then_a_quarter_octave_wide() -> None:
    assert [tallies.bucket_bounds(b) for b in (0, 15, 16, 17, 19, 20)] == [
        (0, 1), (15, 16), (16, 19), (19, 22), (26, 32), (32, 38),
    ]  # fmt: skip


def _assert_tallies_match_rows(engine: Engagement) -> None:
    with engine.database.connect() as connection:
        assert tallies.stored(connection) == tallies.expected(connection)
        assert tallies.differences(connection) == []


def test_every_writer_keeps_the_tallies(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(MEMBERS[:6])
    for days in (0, 0, 0, 1, -3, -20):  # record(): the hot path, across periods
        engine.record(act("m00", days=days))
    engine.record(act("m01", "post"))
    _assert_tallies_match_rows(engine)
    engine.record_many([act("m02"), act("m02", channel="xing"), act("m03", "post")])
    _assert_tallies_match_rows(engine)
    engine.revoke(engine.record(act("m04", "post")).key, "duplicate")
    engine.revoke(engine.record(act("m00", channel="xing", topics=("hr",))).key, "test")
    _assert_tallies_match_rows(engine)
    engine.members.upsert("m01", opted_in=False)
    engine.members.upsert("m02", team="Marketing")
    _assert_tallies_match_rows(engine)
    engine.members.opt_in("m01")
    engine.members.opt_out("m03")
    engine.members.erase("m00")
    _assert_tallies_match_rows(engine)
    engine.replay(apply=True)
    _assert_tallies_match_rows(engine)
    with engine.database.connect() as connection:
        stored = tallies.stored(connection)
    assert stored  # the checks above compared something
    assert engine.boards.rebuild(check=True).consistent


def test_participants_and_percentiles_come_out_as_a_brute_force_count(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS)
    # m{i} shares i times: 0 to 390 points, several members to a bucket above 300.
    engine.record_many([act(m) for i, (m, _, _) in enumerate(MEMBERS) for _ in range(i)])
    engine.members.upsert("m07", opted_in=False)
    public = {m: 10 * i for i, (m, _, _) in enumerate(MEMBERS) if i and m != "m07"}
    assert engine.boards.top("week", at=WEDNESDAY).participants == len(public)
    for i, (member, _, _) in enumerate(MEMBERS):
        if not i:
            continue
        score = 10 * i
        ahead = sum(1 for other in public.values() if other > score)
        total = len(public) + (member not in public)
        me = engine.boards.standing(member, "week", at=WEDNESDAY, k=1).me
        assert (me.score, me.top_percent) == (score, math.ceil(100 * (ahead + 1) / total))


def test_create_schema_counts_the_tallies_of_a_database_that_had_none(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS[:5])
    engine.record_many([act(m) for m, _, _ in MEMBERS[:5] for _ in range(3)])
    tallies_table.drop(engine.database)
    with engine.database.begin() as connection:  # a database from before migrations
        drop_version_table(connection)
    engine.create_schema()
    assert engine.boards.top("all", at=WEDNESDAY).participants == 5
    assert engine.boards.rebuild(check=True).consistent


def test_a_rebuild_recounts_tallies_edited_by_hand(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(MEMBERS[:3])
    engine.record_many([act("m00"), act("m01"), act("m01")])
    with engine.database.begin() as connection:
        connection.execute(tallies_table.update().values(members=tallies_table.c.members + 5))
        rows = connection.execute(scores.select()).all()
    assert engine.boards.top("week", at=WEDNESDAY).participants == 2 + 5 * 2  # two buckets
    report = engine.boards.rebuild(check=True)
    assert (report.differences, report.tally_differences) == (
        0,
        18,
    )  # 6 periods x (2 points buckets + 1 variety)
    assert "stored 6, score rows say 1" in "\n".join(report.examples)
    engine.boards.rebuild()
    assert engine.boards.top("week", at=WEDNESDAY).participants == 2
    with engine.database.connect() as connection:
        assert connection.execute(scores.select()).all() == rows
