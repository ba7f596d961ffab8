from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from conftest import MONDAY, ActionFactory

from engagement import Engagement

PERSONAL = """
rules:
  - id: personal
    kind: personalisation
    verbs: [share]
    max_points: 15
    full_at: 0.6
    min_own_words: 4
    reuse_window: 30d
"""
SUGGESTED = "Our new Lyon office runs on solar power and opens its doors to the public this week."
OWN = "I visited last Friday: the rooftop garden feeds the canteen and bees live up there"


def share(make_action: ActionFactory, text: str | None, **fields: object) -> dict[str, object]:
    action = make_action(text=text, **fields)
    action["content"] = {"id": fields.get("cid", "c-1"), "suggested_text": SUGGESTED}
    action.pop("cid", None)
    return action


def test_fully_own_words_earn_the_full_bonus(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(PERSONAL)
    award = engine.record(share(make_action, OWN))
    assert award.points == 25
    assert "+15 personal words (80 % own)" in award.summary  # "the", "and" are borrowed


def test_the_bonus_is_graded_by_the_share_of_own_words(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(PERSONAL)
    text = "Visited it Friday, honestly amazing bees! " + SUGGESTED  # 6 own of 23 words
    award = engine.record(share(make_action, text))
    assert award.steps[1].detail["own_ratio"] == round(6 / 23, 4)
    assert award.points == 17  # 10 + 15 * (6 / 23) / 0.6 = 16.52


def test_a_verbatim_copy_earns_nothing_extra(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(PERSONAL)
    award = engine.record(share(make_action, SUGGESTED))
    assert award.points == 10
    assert "+0 personal words (none" in award.summary


def test_a_two_word_stock_phrase_earns_nothing(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(PERSONAL)
    award = engine.record(share(make_action, "Great read! " + SUGGESTED))
    assert award.points == 10
    assert "only 2; 4 needed" in award.summary


def test_own_words_reused_on_another_share_earn_nothing_the_second_time(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(PERSONAL)
    stock = "So proud to work here, check this out everyone"
    first = engine.record(share(make_action, stock + " " + SUGGESTED, cid="c-1"))
    second = engine.record(share(make_action, stock, cid="c-2", at=MONDAY + timedelta(days=3)))
    later = engine.record(share(make_action, stock, cid="c-3", at=MONDAY + timedelta(days=40)))
    assert first.points > 10
    assert second.points == 10
    assert "same template as 1 other comment within 30d" in second.summary
    assert later.points == 25  # outside the reuse window


VARIETY = """
rules:
  - id: variety
    kind: variety
    dimensions: [channel, topic]
    period: week
    points: 5
    max_points: 10
"""


def test_variety_rewards_each_new_channel_and_topic_once_per_period(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(VARIETY)
    content = {"id": "c-1", "topics": ["ai", "cloud", "security"]}
    first = engine.record(make_action(content=content))
    again = engine.record(make_action(content=content, at=MONDAY + timedelta(hours=1)))
    new_channel = engine.record(
        make_action(content=content, channel="x", at=MONDAY + timedelta(hours=2))
    )
    assert first.points == 20  # 4 new values, capped at +10
    assert "variety: new this week (channel linkedin, topic ai, topic cloud" in first.summary
    assert again.points == 10
    assert new_channel.points == 15


def test_variety_period_follows_the_members_time_zone(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(VARIETY)
    engine.members.upsert("bob", timezone="Asia/Singapore")
    sunday_evening_paris = MONDAY + timedelta(days=6, hours=11)  # Sun 20:00 Paris = Mon 02:00 SG
    engine.record(make_action(member="alice", at=MONDAY))
    engine.record(make_action(member="bob", at=MONDAY))
    alice = engine.record(make_action(member="alice", at=sunday_evening_paris))
    bob = engine.record(make_action(member="bob", at=sunday_evening_paris))
    assert alice.points == 10  # same Paris week: nothing new
    assert bob.points == 20  # a new week has begun in Singapore
