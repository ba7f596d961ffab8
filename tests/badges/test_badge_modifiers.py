"""Secret, repeated and time-boxed badges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import MONDAY

UTC = UTC


def test_a_secret_badge_is_hidden_until_earned(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: pathfinder
    name: Pathfinder
    criteria: {kind: first, verbs: [share], channels: [xing]}
    secret: true
  - id: storyteller
    name: Storyteller
    criteria: {kind: count, verbs: [share]}
    target: 10
"""
    )
    assert [p.badge for p in engine.badges.progress("alice")] == ["storyteller"]
    engine.record(share(channel="xing"))
    assert [p.badge for p in engine.badges.progress("alice")] == ["pathfinder", "storyteller"]


REPEATED = """
badges:
  - id: varied-month
    name: Varied month
    criteria: {kind: distinct, dimension: verb}
    target: 2
    repeat: month
"""


def test_a_repeated_badge_is_earned_again_each_period(badge_engine, share):
    engine = badge_engine(REPEATED)
    july, august = MONDAY, MONDAY + timedelta(days=31)
    engine.record(share(at=july))
    in_july = engine.record(share(at=july + timedelta(hours=1), verb="read"))
    engine.record(share(at=july + timedelta(hours=2), verb="post", text="hello"))
    engine.record(share(at=august))
    in_august = engine.record(share(at=august + timedelta(hours=1), verb="read"))
    assert [(b.badge, b.period_key) for b in in_july.badges] == [("varied-month", "2026-07-01")]
    assert [(b.badge, b.period_key) for b in in_august.badges] == [("varied-month", "2026-08-01")]


def test_a_late_action_earns_in_the_period_it_happened(badge_engine, share):
    engine = badge_engine(REPEATED)
    engine.record(share(at=MONDAY + timedelta(days=31)))  # August
    engine.record(share(at=MONDAY))  # July
    late = engine.record(share(at=MONDAY + timedelta(hours=3), verb="read"))  # July, late
    assert [b.period_key for b in late.badges] == ["2026-07-01"]


TIME_BOXED = """
badges:
  - id: summer
    name: Summer
    criteria: {kind: count, verbs: [share]}
    target: 2
    valid_from: 2026-07-01
    valid_until: 2026-07-31
"""


def test_a_time_boxed_badge_only_counts_actions_in_its_dates(badge_engine, share):
    engine = badge_engine(TIME_BOXED)
    engine.record(share(at=datetime(2026, 6, 30, 12, tzinfo=UTC)))
    assert engine.record(share(at=datetime(2026, 7, 1, 12, tzinfo=UTC))).badges == ()
    # 31 July 23:30 in Paris is still inside; 1 August 00:30 in Paris is not.
    assert engine.record(share(at=datetime(2026, 7, 31, 22, 30, tzinfo=UTC))).badges == ()
    award = engine.record(share(at=datetime(2026, 7, 31, 21, 30, tzinfo=UTC)))
    assert [b.badge for b in award.badges] == ["summer"]


def test_a_closed_time_boxed_badge_is_not_shown_unless_earned(badge_engine, share):
    engine = badge_engine(TIME_BOXED)
    after = datetime(2026, 9, 1, tzinfo=UTC)
    during = datetime(2026, 7, 10, tzinfo=UTC)
    assert [p.badge for p in engine.badges.progress("alice", at=during)] == ["summer"]
    assert engine.badges.progress("alice", at=after) == []
