"""Manual adjustments (``engine.ledger.adjust``): an administrator's points with a
reason, idempotent by key, counted wherever points count and nowhere actions do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import BASE_RULES, BOARD_RULES, Act, ActionFactory, BoardEngine, row_counts
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import (
    Adjustment,
    Engagement,
    InvalidInputError,
    KeyConflictError,
    UnknownMemberError,
    signals,
)
from engagement.storage.tables import ledger

MEMBERS = (("ana", "Sales", True), ("ben", "Sales", True), ("cleo", "HR", False))


def _now_share(act: Act, member: str, **fields: Any) -> dict[str, Any]:
    """A share at this instant: manual entries are written now, and the boards' week
    and month are those of now."""
    return act(member, at=datetime.now(UTC), **fields)


def test_an_adjustment_is_a_manual_entry_with_its_reason_and_author(
    board_engine: BoardEngine,
) -> None:
    engine = board_engine(MEMBERS)
    done = engine.ledger.adjust("ana", 50, reason="  prize for the hackathon ", key="a1", by="hr")
    assert (done.member, done.points, done.reason, done.by, done.duplicate) == (
        "ana",
        50,
        "prize for the hackathon",
        "hr",
        False,
    )
    [entry] = engine.ledger.entries("ana")
    assert (entry.key, entry.entry_kind, entry.points, entry.rule_id) == (
        "a1",
        "manual",
        50,
        "manual",
    )
    assert entry.ruleset_version == engine.active_rules().version
    assert entry.explanation == {
        "points": 50,
        "reason": "prize for the hackathon",
        "by": "hr",
        "key": "a1",
    }
    with engine.database.connect() as connection:
        assert connection.execute(select(ledger.c.action_id)).scalar_one() is None
    assert engine.ledger.points("ana") == 50
    assert engine.ledger.totals()["ana"] == 50
    page, total = engine.ledger.page("ana")
    assert total == 1 and page[0].key == "a1"


def test_negative_adjustments_take_points_away(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(MEMBERS)
    engine.record(_now_share(act, "ana"))
    earned = engine.ledger.points("ana")
    engine.ledger.adjust("ana", -3, reason="duplicate post", key="a1")
    assert engine.ledger.points("ana") == earned - 3
    [standing] = [s for s in engine.boards.top("all").entries if s.member == "ana"]
    assert standing.points == earned - 3
    assert engine.boards.rebuild(check=True).consistent


def test_the_same_key_again_returns_the_first_adjustment_and_writes_nothing(
    board_engine: BoardEngine,
) -> None:
    engine = board_engine(MEMBERS)
    first = engine.ledger.adjust("ana", 20, reason="prize", key="a1", by="hr")
    before = row_counts(engine)
    again = engine.ledger.adjust("ana", 20, reason=" prize", key="a1", by="hr")
    assert (again.points, again.reason, again.by, again.created_at, again.duplicate) == (
        20,
        "prize",
        "hr",
        first.created_at,
        True,
    )
    assert row_counts(engine) == before
    assert engine.ledger.points("ana") == 20


@pytest.mark.parametrize(
    "change",
    [{"points": 21}, {"reason": "another prize"}, {"by": "someone else"}],
    ids=["points", "reason", "by"],
)
def test_a_key_reused_with_other_content_is_a_conflict(
    board_engine: BoardEngine, change: dict[str, Any]
) -> None:
    engine = board_engine(MEMBERS)
    engine.ledger.adjust("ana", 20, reason="prize", key="a1", by="hr")
    before = row_counts(engine)
    given: dict[str, Any] = {"points": 20, "reason": "prize", "by": "hr", **change}
    with pytest.raises(KeyConflictError, match="key: 'a1' was used for another adjustment"):
        engine.ledger.adjust("ana", given.pop("points"), key="a1", **given)
    assert row_counts(engine) == before


def test_keys_are_the_members_own(board_engine: BoardEngine) -> None:
    engine = board_engine(MEMBERS)
    engine.ledger.adjust("ana", 5, reason="prize", key="k")
    assert engine.ledger.adjust("ben", 7, reason="prize", key="k").duplicate is False
    assert (engine.ledger.points("ana"), engine.ledger.points("ben")) == (5, 7)


BAD = [
    ({"points": 0}, "points: a whole number from -10,000 to 10,000 other than 0, not 0"),
    ({"points": 10_001}, "points: a whole number from -10,000 to 10,000 other than 0"),
    ({"points": -10_001}, "points: .* not -10001"),
    ({"points": 2.5}, "points: .* not 2.5"),
    ({"points": True}, "points: .* not True"),
    ({"points": "5"}, "points: .* not '5'"),
    ({"reason": ""}, "reason: say why, in 1 to 500 characters"),
    ({"reason": "   "}, "reason: say why, in 1 to 500 characters"),
    ({"reason": None}, "reason: say why"),
    ({"reason": "x" * 501}, "reason: 501 characters, more than the limit of 500"),
    ({"reason": "a\x00b"}, "reason: holds a NUL character"),
    ({"key": ""}, "key: a non-empty string"),
    ({"key": "k" * 256}, "key: 256 characters, more than the limit of 255"),
    ({"key": 5}, "key: a non-empty string"),
    ({"by": "b" * 256}, "by: 256 characters, more than the limit of 255"),
    ({"by": 3}, "by: a non-empty string"),
    ({"member_id": ""}, "member_id: a non-empty string"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_input_names_the_field_and_writes_nothing(
    board_engine: BoardEngine, change: dict[str, Any], message: str
) -> None:
    engine = board_engine(MEMBERS)
    before = row_counts(engine)
    given: dict[str, Any] = {"member_id": "ana", "points": 5, "reason": "prize", "key": "a1"}
    given.update(change)
    with pytest.raises(InvalidInputError, match=message):
        engine.ledger.adjust(given.pop("member_id"), given.pop("points"), **given)
    assert row_counts(engine) == before


def test_an_unknown_member_is_refused_and_nothing_written(board_engine: BoardEngine) -> None:
    engine = board_engine(MEMBERS)
    before = row_counts(engine)
    with pytest.raises(UnknownMemberError, match="member: unknown member 'zoe'"):
        engine.ledger.adjust("zoe", 5, reason="prize", key="a1")
    assert row_counts(engine) == before


def test_the_widest_adjustments_are_accepted(board_engine: BoardEngine) -> None:
    engine = board_engine(MEMBERS)
    engine.ledger.adjust("ana", 10_000, reason="r" * 500, key="up")
    engine.ledger.adjust("ana", -10_000, reason="undo", key="down")
    assert engine.ledger.points("ana") == 0
    assert engine.boards.rebuild(check=True).consistent


def test_a_member_with_only_manual_points_is_on_the_boards_once(
    board_engine: BoardEngine,
) -> None:
    engine = board_engine(MEMBERS)
    engine.ledger.adjust("ana", 30, reason="prize", key="a1")
    engine.ledger.adjust("ana", 5, reason="bonus", key="a2")
    for period in ("week", "month", "year", "all"):
        board = engine.boards.top(period)
        assert [(s.member, s.points, s.actions) for s in board.entries] == [("ana", 35, 0)]
        assert engine.boards.standing("ana", period).participants == 1
    assert engine.boards.rebuild(check=True).consistent


def test_an_action_after_manual_points_keeps_rows_and_tallies_right(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS)
    engine.ledger.adjust("ana", 30, reason="prize", key="a1")
    engine.record(_now_share(act, "ana"))
    engine.record(_now_share(act, "ana", channel="xing"))
    [ana] = [s for s in engine.boards.top("week").entries if s.member == "ana"]
    assert (ana.points, ana.actions, ana.variety) == (engine.ledger.points("ana"), 2, 4)
    assert engine.boards.standing("ana", "week").participants == 1
    assert engine.boards.rebuild(check=True).consistent


def test_revoking_the_only_action_of_a_period_keeps_the_manual_points(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS)
    share = _now_share(act, "ana")
    engine.record(share)
    engine.ledger.adjust("ana", 30, reason="prize", key="a1")
    engine.revoke(share["key"], "deleted")
    [ana] = engine.boards.top("week").entries
    assert (ana.member, ana.points, ana.actions, ana.variety) == ("ana", 30, 0, 0)
    assert engine.boards.standing("ana", "week").participants == 1
    assert engine.boards.rebuild(check=True).consistent


def test_a_replay_leaves_manual_entries_alone(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(MEMBERS)
    engine.record(_now_share(act, "ana"))
    engine.ledger.adjust("ana", 30, reason="prize", key="a1")
    total = engine.ledger.points("ana")
    report = engine.replay()
    assert (report.changed, report.actions) == (0, 1)
    engine.activate_rules(engine.load_rules_text(BOARD_RULES.replace("points: 10", "points: 12")))
    applied = engine.replay(apply=True)
    assert applied.changed == 1
    assert engine.ledger.points("ana") == total + 2
    assert [e.entry_kind for e in engine.ledger.entries("ana")].count("manual") == 1
    assert engine.boards.rebuild(check=True).consistent


def test_scoring_caps_do_not_count_manual_points(
    engine_with: Any, make_action: ActionFactory
) -> None:
    engine = engine_with(
        """
rules:
  - {id: daily, kind: cap, verbs: [share], period: day, max_points: 25}
"""
    )
    engine.ledger.adjust("alice", 500, reason="prize", key="a1")
    now = datetime.now(UTC)
    points = [engine.record(make_action(at=now + timedelta(seconds=s))).points for s in range(3)]
    assert points == [10, 10, 5]


def test_levels_follow_the_total_and_a_crossing_is_announced(recognising: Any) -> None:
    engine = recognising()
    reached: list[Any] = []
    adjusted: list[Adjustment] = []
    with (
        signals.level_reached.connected_to(lambda _, level: reached.append(level)),
        signals.points_adjusted.connected_to(lambda _, adjustment: adjusted.append(adjustment)),
    ):
        done = engine.ledger.adjust("alice", 12, reason="prize", key="a1", by="hr")
        engine.ledger.adjust("alice", 12, reason="prize", key="a1", by="hr")  # a retry
    assert adjusted == [done]
    assert [(level.member, level.name) for level in reached] == [("alice", "Active")]
    level = engine.badges.level("alice")
    assert (level.points, level.name) == (12, "Active")
    assert engine.badges.earned("alice") == []


def test_levels_count_manual_points_in_another_process(recognising: Any, act: Act) -> None:
    """A second engine (another process) loads the member's state from the database."""
    first = recognising()
    first.ledger.adjust("alice", 7, reason="prize", key="a1")
    second = recognising()
    assert second.badges.level("alice").points == 7
    first.ledger.adjust("alice", -2, reason="typo", key="a2")
    assert second.badges.level("alice").points == 5


def test_no_signal_and_nothing_written_when_the_callers_session_rolls_back(
    board_engine: BoardEngine,
) -> None:
    engine = board_engine(MEMBERS)
    heard: list[Adjustment] = []
    before = row_counts(engine)
    with (
        signals.points_adjusted.connected_to(lambda _, adjustment: heard.append(adjustment)),
        Session(engine.database) as session,
    ):
        engine.ledger.adjust("ana", 5, reason="prize", key="a1", session=session)
        session.rollback()
    assert heard == [] and row_counts(engine) == before


def test_the_outbox_carries_the_adjustment(database_url: str) -> None:
    engine = Engagement(database_url, outbox=True)
    try:
        engine.create_schema()
        engine.activate_rules(engine.load_rules_text(BASE_RULES))
        engine.members.upsert("ana")
        engine.ledger.adjust("ana", 5, reason="prize", key="a1", by="hr")
        [message] = engine.outbox.messages("pending")
        assert (message.event, message.member) == ("points-adjusted", "ana")
        assert {k: message.payload[k] for k in ("points", "reason", "by", "key")} == {
            "points": 5,
            "reason": "prize",
            "by": "hr",
            "key": "a1",
        }
    finally:
        engine.close()


def test_export_and_erasure_treat_manual_entries_as_the_other_entries(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS)
    engine.record(_now_share(act, "ana"))
    engine.ledger.adjust("ana", 30, reason="prize for Ana's talk", key="a1", by="hr")
    exported = engine.members.export("ana")
    manual = [e for e in exported["ledger"] if e["entry_kind"] == "manual"]
    assert [(e["key"], e["points"], e["explanation"]["reason"]) for e in manual] == [
        ("a1", 30, "prize for Ana's talk")
    ]
    totals = sum(engine.ledger.totals().values())
    erasure = engine.members.erase("ana")
    assert sum(engine.ledger.totals().values()) == totals  # the numbers stay
    entries = engine.ledger.entries(erasure.pseudonym)
    [kept] = [e for e in entries if e.entry_kind == "manual"]
    assert (kept.points, kept.explanation["reason"]) == (30, None)
    assert "Ana" not in str([e.explanation for e in entries])
    assert engine.boards.rebuild(check=True).consistent


def test_a_preview_keeps_manual_points_on_both_sides(board_engine: BoardEngine) -> None:
    engine = board_engine(MEMBERS)
    engine.ledger.adjust("ana", 30, reason="prize", key="a1")
    from engagement.preview import preview

    found = preview(engine, engine.active_rules())
    [ana] = [m for m in found.members if m.member == "ana"]
    assert (ana.before, ana.after, found.changed_actions) == (30, 30, 0)


@pytest.mark.postgres
def test_concurrent_retries_write_one_adjustment(pg_schema_url: str) -> None:
    """Four workers send the same adjustment at once: the member's row lock lets one
    write it; the others find it and return it."""
    engine = Engagement(pg_schema_url)
    try:
        engine.create_schema()
        engine.activate_rules(engine.load_rules_text(BOARD_RULES))
        engine.members.upsert("ana", opted_in=True)
        start = threading.Barrier(4)

        def adjust(_: int) -> Adjustment:
            start.wait()
            return engine.ledger.adjust("ana", 5, reason="prize", key="k", by="hr")

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(adjust, range(4)))
        assert sorted(r.duplicate for r in results) == [False, True, True, True]
        assert len({r.created_at for r in results}) == 1
        assert engine.ledger.points("ana") == 5
        assert engine.boards.rebuild(check=True).consistent
    finally:
        engine.close()
