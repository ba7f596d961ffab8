"""Score rows and tallies with manual adjustments mixed into recording, imports,
revocations and consent changes: they always equal a rebuild from the ledger, and
the all-time board equals a brute-force reading of the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import BOARD_RULES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import Engagement

MEMBERS = ("ana", "ben", "cleo", "dan")
NOW = datetime.now(UTC)
"""Manual entries are written at the real instant: actions around it share its periods."""


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    ops: list[tuple[str, Any]] = []
    keys: list[str] = []
    for n in range(draw(st.integers(1, 25))):
        choice = draw(
            st.sampled_from(("record", "batch", "revoke", "consent", "adjust", "adjust", "retry"))
        )
        member = draw(st.sampled_from(MEMBERS))
        if choice == "revoke" and keys:
            ops.append(("revoke", draw(st.sampled_from(keys))))
        elif choice == "consent":
            ops.append(("consent", (member, draw(st.booleans()))))
        elif choice in ("adjust", "retry"):
            points = draw(st.integers(-40, 40).filter(bool))
            key = f"m{n}" if choice == "adjust" else "m-retried"
            ops.append(("adjust", (member, points if choice == "adjust" else 7, key)))
        else:
            batch = []
            for i in range(draw(st.integers(1, 3)) if choice == "batch" else 1):
                key = f"k{n}-{i}"
                keys.append(key)
                at = NOW + timedelta(hours=draw(st.integers(-24 * 20, 0)))
                batch.append(
                    {
                        "key": key,
                        "member": draw(st.sampled_from(MEMBERS)),
                        "verb": "share",
                        "at": at.isoformat(),
                        "channel": draw(st.sampled_from(("linkedin", "xing"))),
                        "content": {"id": key, "topics": draw(st.lists(st.just("ai"), max_size=1))},
                    }
                )
            ops.append(("batch" if choice == "batch" else "record", batch))
    return ops


def _apply(engine: Engagement, ops: list[tuple[str, Any]]) -> None:
    for op, payload in ops:
        if op == "record":
            engine.record(payload[0])
        elif op == "batch":
            engine.record_many(payload)
        elif op == "revoke":
            engine.revoke(payload, "test")
        elif op == "consent":
            engine.members.upsert(payload[0], opted_in=payload[1])
        else:
            member, points, key = payload
            engine.ledger.adjust(member, points, reason="test", key=key)


def _brute_force_all_time(engine: Engagement) -> list[tuple[str, int]]:
    """Public members with a standing action or a manual entry, and their ledger totals."""
    totals: defaultdict[str, int] = defaultdict(int)
    revoked = {e.key for e in engine.ledger.entries() if e.entry_kind == "revocation"}
    on_board: set[str] = set()
    for entry in engine.ledger.entries():
        totals[entry.member] += entry.points
        if entry.entry_kind == "manual" or entry.key not in revoked:
            on_board.add(entry.member)
    public = {m for m in on_board if (found := engine.members.get(m)) and found.opted_in}
    return sorted((m, totals[m]) for m in public)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations())
def test_adjustments_keep_score_rows_and_tallies_equal_to_a_rebuild(
    ops: list[tuple[str, Any]],
) -> None:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(BOARD_RULES))
    for member in MEMBERS:
        engine.members.upsert(member, opted_in=True)
    _apply(engine, ops)
    report = engine.boards.rebuild(check=True)
    assert report.consistent, report.examples
    board = engine.boards.top("all", limit=100)
    assert sorted((s.member, s.points) for s in board.entries) == _brute_force_all_time(engine)
    assert board.participants == len(board.entries)  # the tallies count each row once
    for member in MEMBERS:
        if member in {s.member for s in board.entries}:
            assert engine.boards.standing(member, "all").participants == len(board.entries)
        assert engine.badges.level(member).points == engine.ledger.points(member)
    engine.close()


def test_a_mixed_history_stays_consistent_on_both_databases(database_url: str) -> None:
    """A fixed mix of every write, on SQLite and PostgreSQL."""
    engine = Engagement(database_url)
    try:
        engine.create_schema()
        engine.activate_rules(engine.load_rules_text(BOARD_RULES))
        for member in MEMBERS:
            engine.members.upsert(member, opted_in=member != "dan")

        def share(key: str, member: str, hours: int) -> dict[str, Any]:
            at = NOW - timedelta(hours=hours)
            return {"key": key, "member": member, "verb": "share", "at": at.isoformat(),
                    "channel": "linkedin", "content": {"id": key}}  # fmt: skip

        engine.ledger.adjust("cleo", 25, reason="prize", key="m1")
        engine.record(share("s1", "ana", 1))
        engine.ledger.adjust("ana", -5, reason="typo", key="m2")
        engine.record_many([share("s2", "ana", 2), share("s3", "ben", 3), share("s4", "dan", 4)])
        engine.ledger.adjust("dan", 40, reason="prize", key="m3")
        engine.revoke("s1", "deleted")
        engine.revoke("s2", "deleted")
        engine.members.upsert("dan", opted_in=True)
        engine.ledger.adjust("ben", 3, reason="bonus", key="m4")
        engine.record(share("s5", "cleo", 1))
        report = engine.boards.rebuild(check=True)
        assert report.consistent, report.examples
        board = engine.boards.top("all", limit=100)
        assert sorted((s.member, s.points) for s in board.entries) == _brute_force_all_time(engine)
        assert {s.member: s.actions for s in board.entries} == {
            "ana": 0,
            "ben": 1,
            "cleo": 1,
            "dan": 1,
        }
        engine.boards.rebuild()
        assert engine.boards.rebuild(check=True).consistent
    finally:
        engine.close()
