from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from conftest import MONDAY, ActionFactory

from engagement import Engagement

CAPS = """
rules:
  - id: weekly-shares
    kind: cap
    verbs: [share]
    period: week
    max_points: 25
  - id: daily
    kind: cap
    period: day
    max_points: 40
"""


def test_the_action_crossing_the_cap_gets_the_remainder_and_later_ones_nothing(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(CAPS)
    points = [engine.record(make_action(at=MONDAY + timedelta(hours=h))).points for h in range(4)]
    assert points == [10, 10, 5, 0]
    assert sum(points) == 25
    third = engine.ledger.entries("alice")[2]
    assert third.explanation["steps"][-1]["text"] == (
        "weekly cap of 25 for share (20 already earned)"
    )


def test_caps_are_per_period_in_the_members_time_zone(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(CAPS)
    sunday_late = MONDAY + timedelta(days=6, hours=14, minutes=59)  # Sun 23:59 Paris
    for minute in range(3):
        engine.record(make_action(at=sunday_late - timedelta(minutes=minute)))
    monday = engine.record(make_action(at=sunday_late + timedelta(minutes=1)))
    assert engine.ledger.points("alice") == 25 + 10
    assert monday.points == 10


def test_a_cap_with_no_verbs_covers_every_verb(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(CAPS)
    for hour in range(2):
        engine.record(make_action(verb="post", at=MONDAY + timedelta(hours=hour)))
    assert engine.ledger.points("alice") == 40
    kudos = make_action(verb="kudos", target="bob", at=MONDAY + timedelta(hours=2))
    assert engine.record(kudos).points == 0


def test_revoking_frees_the_cap_for_later_actions(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(CAPS)
    first = make_action()
    engine.record(first)
    engine.record(make_action(at=MONDAY + timedelta(hours=1)))
    engine.record(make_action(at=MONDAY + timedelta(hours=2)))
    engine.revoke(first["key"], "posted by mistake")
    # The two later shares are re-scored as if the first never happened: 10 each.
    assert engine.ledger.points("alice") == 20
    after = engine.record(make_action(at=MONDAY + timedelta(hours=3)))
    assert after.points == 5  # 20 earned net this week, 5 more fit under 25
