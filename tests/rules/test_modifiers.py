from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from conftest import MONDAY, ActionFactory

from engagement import Engagement

REPEATS = """
rules:
  - id: repeats
    kind: diminishing_returns
    verbs: [share]
    same: [verb, channel]
    window: week
    multipliers: [1, 0.5, 0]
"""


def test_repeats_in_a_window_earn_less_and_then_nothing(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(REPEATS)
    points = [
        engine.record(make_action(at=MONDAY + timedelta(hours=h), content={"id": f"c{h}"})).points
        for h in range(4)
    ]
    assert points == [10, 5, 0, 0]
    other_channel = engine.record(make_action(channel="x", at=MONDAY + timedelta(hours=5)))
    next_week = engine.record(make_action(at=MONDAY + timedelta(days=7)))
    assert other_channel.points == 10
    assert next_week.points == 10


def test_repeat_explanation_names_the_rank(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(REPEATS)
    engine.record(make_action())
    second = engine.record(make_action(at=MONDAY + timedelta(hours=1)))
    assert second.summary == "+10 share, ×0.5 2nd share on linkedin this week = 5"


def test_a_late_action_counts_its_real_neighbours_in_time(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(REPEATS)
    engine.record(make_action(at=MONDAY + timedelta(days=7)))  # next week
    engine.record(make_action(at=MONDAY + timedelta(days=1)))
    late = engine.record(make_action(at=MONDAY))  # arrives last, happened first
    assert late.points == 10  # scored in its place: the first share of its week
    kinds = [(e.entry_kind, e.points) for e in engine.ledger.entries("alice")]
    assert kinds[-1] == ("rescore", -5)  # the one logged before it is now the second


KUDOS = """
rules:
  - id: kudos-pairs
    kind: diminishing_returns
    verbs: [kudos]
    same: [target]
    window: 7d
    multipliers: [1, 0]
"""


def test_kudos_to_the_same_colleague_and_to_oneself(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(KUDOS)
    engine.members.upsert("carol")
    first = engine.record(make_action(verb="kudos", target="bob"))
    again = engine.record(make_action(verb="kudos", target="bob", at=MONDAY + timedelta(days=2)))
    other = engine.record(make_action(verb="kudos", target="carol", at=MONDAY + timedelta(days=2)))
    later = engine.record(make_action(verb="kudos", target="bob", at=MONDAY + timedelta(days=10)))
    own = engine.record(make_action(verb="kudos", target="alice"))
    assert [first.points, again.points, other.points, later.points] == [5, 0, 5, 5]
    assert "2nd to bob within 7d" in again.summary
    assert own.points == 0
    assert own.summary == "+5 kudos, ×0 aimed at yourself = 0"


ONCE = """
rules:
  - id: once
    kind: once_per_content
    verbs: [share]
"""


def test_same_content_on_the_same_channel_earns_once_ever(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(ONCE)
    first = engine.record(make_action())
    months_later = engine.record(make_action(at=MONDAY + timedelta(days=200)))
    other_channel = engine.record(make_action(channel="x"))
    other_member = engine.record(make_action(member="bob"))
    assert [first.points, months_later.points, other_channel.points, other_member.points] == [
        10,
        0,
        10,
        10,
    ]
    assert "content already shared on linkedin: it earns once" in months_later.summary


MIX = """
rules:
  - id: mix
    kind: content_mix
    verbs: [share]
    corporate_kinds: [corporate]
    max_share: 0.2
    window: 30d
    allowance: 1
    multiplier: 0.5
"""


def corporate(make_action: ActionFactory, hours: int) -> dict[str, object]:
    return make_action(
        at=MONDAY + timedelta(hours=hours), content={"id": f"corp{hours}", "kind": "corporate"}
    )


def industry(make_action: ActionFactory, hours: int) -> dict[str, object]:
    return make_action(
        at=MONDAY + timedelta(hours=hours), content={"id": f"ind{hours}", "kind": "industry"}
    )


def test_the_first_corporate_share_is_the_allowance_the_second_is_reduced(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(MIX)
    first = engine.record(corporate(make_action, 0))
    second = engine.record(corporate(make_action, 1))
    assert (first.points, second.points) == (10, 5)
    assert "corporate content above 20 % of your mix (2 of 2 within 30d)" in second.summary


def test_corporate_shares_within_twenty_percent_earn_full_points(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(MIX)
    for hour in range(9):
        engine.record(industry(make_action, hour))
    one_of_ten = engine.record(corporate(make_action, 10))
    two_of_eleven = engine.record(corporate(make_action, 11))  # 20 % of 11 = 2.2
    three_of_twelve = engine.record(corporate(make_action, 12))  # 20 % of 12 = 2.4
    assert [one_of_ten.points, two_of_eleven.points, three_of_twelve.points] == [10, 10, 5]
    assert industry_points(engine, make_action) == 10  # industry content is never reduced


def industry_points(engine: Engagement, make_action: ActionFactory) -> int:
    return engine.record(industry(make_action, 13)).points


def test_old_shares_leave_the_mix_window(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(MIX)
    engine.record(corporate(make_action, 0))
    a_month_later = engine.record(corporate(make_action, 24 * 31))
    assert a_month_later.points == 10
