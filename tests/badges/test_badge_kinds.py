"""Each built-in criterion kind, through the engine, with its edges: periods in the
member's time zone, late actions, ties, revocations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import MONDAY

from engagement import UnknownMemberError

UTC = UTC


def labels(awards: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [[b.label for b in award.badges] for award in awards]


def test_count_awards_each_tier_once_when_reached(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: storyteller
    name: Storyteller
    criteria: {kind: count, verbs: [share], personalised: true}
    tiers: {bronze: 2, silver: 4}
"""
    )
    awards = [engine.record(share(hours=h)) for h in range(5)]
    assert labels(awards) == [[], ["storyteller:bronze"], [], ["storyteller:silver"], []]
    assert engine.badges.earned("alice") == ["storyteller:silver"]


def test_count_ignores_actions_outside_its_filter(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: voice
    name: Voice
    criteria: {kind: count, verbs: [share], personalised: true, channels: [linkedin],
               topics: [ai], content_kinds: [industry]}
    target: 1
"""
    )
    assert engine.record(share(personal=False)).badges == ()
    assert engine.record(share(hours=1, channel="x")).badges == ()
    assert engine.record(share(hours=2, topics=("hiring",))).badges == ()
    assert engine.record(share(hours=3, kind="corporate")).badges == ()
    assert [b.badge for b in engine.record(share(hours=4)).badges] == ["voice"]


def test_first_is_awarded_once(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: author
    name: Author
    criteria: {kind: first, verbs: [post]}
"""
    )
    first = engine.record(share(verb="post", text="My first post ever here"))
    second = engine.record(share(hours=1, verb="post", text="Another one"))
    assert [b.label for b in first.badges] == ["author"]
    assert second.badges == ()


MONTHLY_POLYGLOT = """
badges:
  - id: polyglot
    name: Polyglot
    criteria: {kind: distinct, dimension: channel, verbs: [share], period: month}
    target: 2
"""


@pytest.mark.parametrize(
    ("member_zone", "earned"),
    [("Europe/Paris", []), ("UTC", ["polyglot"])],
)
def test_distinct_counts_within_the_members_own_month(badge_engine, share, member_zone, earned):
    # 21:30 and 22:30 UTC on 31 July: both in July in UTC, but the second is already
    # 00:30 on 1 August in Paris, another month.
    engine = badge_engine(MONTHLY_POLYGLOT, timezone=member_zone)
    engine.record(share(at=datetime(2026, 7, 31, 21, 30, tzinfo=UTC), channel="linkedin"))
    award = engine.record(share(at=datetime(2026, 7, 31, 22, 30, tzinfo=UTC), channel="x"))
    assert [b.badge for b in award.badges] == earned


def test_distinct_repeats_of_a_value_do_not_count(badge_engine, share):
    engine = badge_engine(MONTHLY_POLYGLOT)
    for hours in range(4):
        assert engine.record(share(hours=hours, channel="linkedin")).badges == ()
    assert [b.badge for b in engine.record(share(hours=5, channel="x")).badges] == ["polyglot"]


RATIO = """
badges:
  - id: own-voice
    name: Own voice
    criteria: {kind: ratio, verbs: [share], where: {personalised: true}, min_count: 4}
    target: 0.75
"""


def test_ratio_waits_for_its_minimum_count(badge_engine, share):
    engine = badge_engine(RATIO)
    awards = [engine.record(share(hours=h)) for h in range(4)]
    assert labels(awards) == [[], [], [], ["own-voice"]]


def test_ratio_below_target_is_not_met_until_it_rises(badge_engine, share):
    engine = badge_engine(RATIO)
    engine.record(share(personal=False))
    engine.record(share(hours=1, personal=False))
    for hours in range(2, 7):
        assert engine.record(share(hours=hours)).badges == ()  # 5/7 < 75 %
    assert [b.badge for b in engine.record(share(hours=8)).badges] == ["own-voice"]  # 6/8


STREAK = """
badges:
  - id: regular
    name: Regular
    criteria: {kind: streak, grace: %d}
    target: 3
"""


def test_streak_needs_consecutive_weeks(badge_engine, share):
    engine = badge_engine(STREAK % 0)
    week = timedelta(weeks=1)
    assert engine.record(share(at=MONDAY)).badges == ()
    assert engine.record(share(at=MONDAY + week)).badges == ()
    assert engine.record(share(at=MONDAY + 3 * week)).badges == ()  # week 3 missed
    assert engine.record(share(at=MONDAY + 4 * week)).badges == ()
    assert [b.badge for b in engine.record(share(at=MONDAY + 5 * week)).badges] == ["regular"]


def test_a_grace_week_keeps_a_streak_alive(badge_engine, share):
    engine = badge_engine(STREAK % 1)
    week = timedelta(weeks=1)
    engine.record(share(at=MONDAY))
    engine.record(share(at=MONDAY + week))
    award = engine.record(share(at=MONDAY + 3 * week))
    assert [b.badge for b in award.badges] == ["regular"]


def test_streak_weeks_follow_the_members_time_zone(badge_engine, share):
    # Sunday 23:30 in Paris is Sunday 21:30 UTC: for a Paris member it is the same
    # week as the Monday before, so three actions make only two weeks.
    engine = badge_engine(STREAK % 0)
    sunday_late = datetime(2026, 7, 12, 21, 30, tzinfo=UTC)  # Sun 23:30 Paris
    engine.record(share(at=MONDAY))
    engine.record(share(at=sunday_late))
    award = engine.record(share(at=sunday_late + timedelta(hours=3)))  # Mon 02:30 Paris
    assert award.badges == ()
    award = engine.record(share(at=sunday_late + timedelta(days=7, hours=3)))
    assert [b.badge for b in award.badges] == ["regular"]


def test_a_late_action_that_fills_a_gap_completes_a_streak(badge_engine, share):
    engine = badge_engine(STREAK % 0)
    week = timedelta(weeks=1)
    engine.record(share(at=MONDAY))
    engine.record(share(at=MONDAY + 2 * week))
    late = engine.record(share(at=MONDAY + week))  # logged after the week closed
    assert [b.badge for b in late.badges] == ["regular"]


def test_points_threshold_counts_cumulative_points(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: milestone
    name: Milestone
    criteria: {kind: points}
    tiers: {bronze: 25, silver: 40}
"""
    )
    awards = [engine.record(share(hours=h)) for h in range(4)]  # 10 points each
    assert labels(awards) == [[], [], ["milestone:bronze"], ["milestone:silver"]]


KUDOS = """
badges:
  - id: appreciated
    name: Appreciated
    criteria: {kind: kudos_received}
    target: 2
"""


def test_kudos_from_distinct_colleagues_earn_the_target_a_badge(badge_engine, share):
    engine = badge_engine(KUDOS)
    first = engine.record(share("bob", verb="kudos", target="alice"))
    again = engine.record(share("bob", 1, verb="kudos", target="alice"))
    third = engine.record(share("carol", 2, verb="kudos", target="alice"))
    assert first.badges == () and again.badges == ()
    assert [(b.member, b.badge) for b in third.badges] == [("alice", "appreciated")]
    assert engine.badges.earned("carol") == []


def test_self_kudos_never_count(badge_engine, share):
    engine = badge_engine(KUDOS)
    engine.record(share("alice", verb="kudos", target="alice"))
    award = engine.record(share("bob", 1, verb="kudos", target="alice"))
    assert award.badges == ()


def test_kudos_from_one_colleague_count_once_per_window(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: thanked
    name: Thanked
    criteria: {kind: kudos_received, distinct_givers: false, window: 30d}
    target: 2
"""
    )
    assert engine.record(share("bob", verb="kudos", target="alice")).badges == ()
    assert engine.record(share("bob", 24 * 10, verb="kudos", target="alice")).badges == ()
    award = engine.record(share("bob", 24 * 31, verb="kudos", target="alice"))
    assert [b.badge for b in award.badges] == ["thanked"]


def test_kudos_to_an_unknown_colleague_are_refused(badge_engine, share):
    engine = badge_engine(KUDOS)
    with pytest.raises(UnknownMemberError, match="target: unknown member 'stranger'"):
        engine.record(share("bob", verb="kudos", target="stranger"))
    assert engine.badges.earned("bob") == []


def test_a_manual_badge_is_never_earned_by_actions(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: spotlight
    name: Spotlight
    criteria: {kind: manual}
"""
    )
    for hours in range(5):
        assert engine.record(share(hours=hours)).badges == ()
    assert engine.badges.earned("alice") == []


def test_actions_at_the_same_instant_each_count_and_award_once(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: polyglot
    name: Polyglot
    criteria: {kind: distinct, dimension: channel, verbs: [share]}
    target: 2
  - id: pair
    name: Pair
    criteria: {kind: count, verbs: [share]}
    target: 2
"""
    )
    first = engine.record(share(at=MONDAY, channel="linkedin"))
    tie = engine.record(share(at=MONDAY, channel="x"))
    third = engine.record(share(at=MONDAY, channel="xing"))
    assert first.badges == ()
    assert sorted(b.badge for b in tie.badges) == ["pair", "polyglot"]
    assert third.badges == ()


PERSONALISED_WITH_TEMPLATES = """
rules:
  - {id: personal-words, kind: personalisation, verbs: [share], max_points: 15}
badges:
  - id: storyteller
    name: Storyteller
    criteria: {kind: count, verbs: [share], personalised: true}
    target: 3
"""
TEMPLATE = "Really insightful piece, everyone planning budgets should read this #{tag} @{n}"
OWN = (
    "Our warehouse crew tried exactly this approach during spring inventory",
    "Fascinating numbers, although smaller suppliers probably struggle differently",
    "Reminds me why mentoring apprentices matters beyond quarterly targets",
)


def test_personalised_badges_do_not_count_what_scoring_calls_a_template(badge_engine, share):
    """Scoring gives a templated comment +0 personal words; `personalised: true` must
    not count it either, whatever its number of own words."""
    engine = badge_engine(PERSONALISED_WITH_TEMPLATES)
    spun = [
        engine.record(share(hours=h, text=TEMPLATE.format(tag=tag, n=h)))
        for h, tag in enumerate(("ai", "cloud", "hiring", "events"))
    ]
    assert all(a.badges == () for a in spun)
    assert ["same template" in a.summary for a in spun] == [False, True, True, True]

    own = [engine.record(share(hours=10 + h, text=text)) for h, text in enumerate(OWN)]
    assert [[b.badge for b in a.badges] for a in own] == [[], ["storyteller"], []]


def test_personalised_badges_do_not_count_a_comment_copied_from_a_colleague(badge_engine, share):
    engine = badge_engine(PERSONALISED_WITH_TEMPLATES)
    item = {"id": "c-shared", "kind": "industry", "topics": ["ai"]}
    engine.record(share("bob", text=OWN[0], content=item))
    copied = engine.record(share(hours=1, text=OWN[0], content=item))
    own = [engine.record(share(hours=2 + h, text=text)) for h, text in enumerate(OWN[1:])]

    assert "copied from a colleague" in copied.summary
    assert all(a.badges == () for a in [copied, *own])
    assert engine.badges.earned("alice") == []


APPRECIATED_NOT_RECIPROCATED = """
badges:
  - id: appreciated
    name: Appreciated
    criteria:
      kind: kudos_received
      thanked_back: {window: 30d, min_returned: 2, mostly: 0.5, weight: 0.3}
    target: 3
"""


def appreciated(engine, member: str) -> float:
    return next(p.current for p in engine.badges.progress(member) if p.badge == "appreciated")


def test_kudos_from_colleagues_the_member_mostly_thanks_back_count_less(badge_engine, share):
    """alice thanks bob and carol back every day: each of them counts 0.3; dave, whom
    she never thanks, counts 1."""
    engine = badge_engine(APPRECIATED_NOT_RECIPROCATED)
    for day in range(3):
        for colleague in ("bob", "carol"):
            engine.record(share(colleague, 24 * day, verb="kudos", target="alice"))
            engine.record(share("alice", 24 * day + 1, verb="kudos", target=colleague))
    assert appreciated(engine, "alice") == pytest.approx(0.6)

    engine.record(share("dave", 24 * 4, verb="kudos", target="alice"))
    assert appreciated(engine, "alice") == pytest.approx(1.6)
    # 40 days on, alice has not thanked carol back around this one: carol counts 1.
    engine.record(share("carol", 24 * 40, verb="kudos", target="alice"))
    assert appreciated(engine, "alice") == pytest.approx(2.3)
    assert appreciated(engine, "carol") == pytest.approx(0.3)  # she thanks alice back too
    assert engine.badges.earned("alice") == []


def test_without_thanks_back_every_colleague_counts_fully(badge_engine, share):
    engine = badge_engine(APPRECIATED_NOT_RECIPROCATED.replace("weight: 0.3", "weight: 1"))
    for day in range(3):
        for colleague in ("bob", "carol"):
            engine.record(share(colleague, 24 * day, verb="kudos", target="alice"))
            engine.record(share("alice", 24 * day + 1, verb="kudos", target=colleague))
    award = engine.record(share("dave", 24 * 4, verb="kudos", target="alice"))
    assert [(b.member, b.badge) for b in award.badges] == [("alice", "appreciated")]
