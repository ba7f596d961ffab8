"""Properties of the maintained score rows: whatever the order of writes, they equal
a rebuild from the ledger, and boards rank exactly as a brute-force reading of the
ledger would."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from conftest import BOARD_RULES, WEDNESDAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import Engagement
from engagement.leaderboards.standings import Display
from engagement.storage.tables import actions

MEMBERS = ("ana", "ben", "cleo", "dan")


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Actions recorded one by one or in batches, revocations, consent changes."""
    ops: list[tuple[str, Any]] = []
    keys: list[str] = []
    for n in range(draw(st.integers(1, 30))):
        choice = draw(st.sampled_from(("record", "record", "batch", "revoke", "consent")))
        if choice == "revoke" and keys:
            ops.append(("revoke", draw(st.sampled_from(keys))))
        elif choice == "consent":
            ops.append(("consent", (draw(st.sampled_from(MEMBERS)), draw(st.booleans()))))
        else:
            batch = []
            for i in range(draw(st.integers(1, 4)) if choice == "batch" else 1):
                key = f"k{n}-{i}"
                keys.append(key)
                verb = draw(st.sampled_from(("share", "share", "post")))
                action: dict[str, Any] = {
                    "key": key,
                    "member": draw(st.sampled_from(MEMBERS)),
                    "verb": verb,
                    "at": (
                        WEDNESDAY + timedelta(hours=draw(st.integers(-24 * 40, 24 * 40)))
                    ).isoformat(),
                }
                if verb == "share":
                    action["channel"] = draw(st.sampled_from(("linkedin", "xing")))
                    action["content"] = {
                        "id": key,
                        "topics": draw(
                            st.lists(st.sampled_from(("ai", "hr", "cloud")), max_size=2)
                        ),
                    }
                batch.append(action)
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
        else:
            engine.members.upsert(payload[0], opted_in=payload[1])


def _brute_force_ranks(engine: Engagement, period: str) -> list[tuple[str, int, int]]:
    """Dense ranks from the ledger and the log, without score rows."""
    clock = engine.active_rules().boards
    key = clock.resolve(period, WEDNESDAY.timestamp())
    totals: defaultdict[str, int] = defaultdict(int)
    standing: set[str] = set()
    revoked = {e.key for e in engine.ledger.entries() if e.entry_kind == "revocation"}
    with engine.database.connect() as connection:
        when = dict(
            connection.execute(
                actions.select().with_only_columns(actions.c.key, actions.c.at)
            ).all()
        )
    for entry in engine.ledger.entries():
        if key in clock.periods(when[entry.key].timestamp()):
            totals[entry.member] += entry.points
            if entry.key not in revoked:
                standing.add(entry.member)
    public = {m for m in standing if (found := engine.members.get(m)) and found.opted_in}
    order = sorted(public, key=lambda m: (-totals[m], MEMBERS.index(m)))
    distinct = sorted({totals[m] for m in public}, reverse=True)
    return [(m, distinct.index(totals[m]) + 1, totals[m]) for m in order]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations())
def test_score_rows_equal_a_rebuild_and_boards_a_brute_force_ranking(
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
    for period in ("week", "month", "all"):
        board = engine.boards.top(period, at=WEDNESDAY)
        assert [(s.member, s.rank, s.points) for s in board.entries] == _brute_force_ranks(
            engine, period
        )
    engine.close()


EXACT_RANKS = 2
RANKED_RULES = BOARD_RULES.replace(
    "leaderboards:\n", f"leaderboards:\n  exact_ranks: {EXACT_RANKS}\n"
)


def _brute_force_neighbourhood(
    engine: Engagement, period: str, member: str, k: int
) -> tuple[int, tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Where ``member`` stands, from the whole board sorted in Python: the public
    entries, plus the member where they would stand if they are not on it."""
    display = Display(EXACT_RANKS, (10, 25, 50))
    board = engine.boards.top(period, at=WEDNESDAY, limit=1000, reveal=True)
    entries = {s.member: s.score for s in board.entries}
    if member not in entries:
        mine = engine.boards.standing(member, period, at=WEDNESDAY, k=0).me.score
        entries[member] = mine
    order = sorted(entries, key=lambda m: (-entries[m], MEMBERS.index(m)))

    def seen(m: str) -> tuple[Any, ...]:
        score = entries[m]
        ahead = sum(1 for other in order if entries[other] > score)
        rank = len({entries[o] for o in order if entries[o] > score}) + 1
        percent = display.top_percent(ahead, len(order))
        return m, score, display.rank(rank), percent, display.band(percent)

    i = order.index(member)
    return (
        len(order),
        seen(member),
        [seen(m) for m in order[max(0, i - k) : i]],
        [seen(m) for m in order[i + 1 : i + 1 + k]],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations(), st.integers(0, 3))
def test_around_me_equals_a_brute_force_reading_of_the_whole_board(
    ops: list[tuple[str, Any]], k: int
) -> None:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(RANKED_RULES))
    for member in MEMBERS:
        engine.members.upsert(member, opted_in=True)
    _apply(engine, ops)

    def seen(s: Any) -> tuple[Any, ...]:
        return s.member, s.score, s.rank, s.top_percent, s.band

    for period in ("week", "all"):
        for member in MEMBERS:
            found = engine.boards.standing(member, period, at=WEDNESDAY, k=k)
            assert (
                found.participants,
                seen(found.me),
                [seen(s) for s in found.above],
                [seen(s) for s in found.below],
            ) == _brute_force_neighbourhood(engine, period, member, k)
    engine.close()
