"""The impersonal budget, and variety counting only personal contributions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from conftest import MONDAY, ActionFactory
from test_loader import SOURCE, problems

from engagement import Engagement
from engagement.core.facts import Fact
from engagement.core.history import TimeIndex
from engagement.core.periods import Clock, zone
from engagement.core.text import analyse
from engagement.rules.budget import ImpersonalBudget, ImpersonalBudgetParams

BUDGET = """
rules:
  - id: impersonal
    kind: impersonal_budget
    verbs: [share]
    period: week
    max_points: 25
  - id: variety
    kind: variety
    dimensions: [channel]
    points: 5
    personal_verbs: [share]
"""
SUGGESTED = "Our new Lyon office runs on solar power and opens its doors to the public this week."
TEMPLATE = "Must read about {topic}, everyone planning budgets should study it #{topic} {n}"
CHANNELS = ("linkedin", "x", "xing", "facebook", "instagram", "tiktok")


def share(
    make_action: ActionFactory, n: int, text: str | None, topic: str = "ai"
) -> dict[str, object]:
    action = make_action(
        at=MONDAY + timedelta(hours=n), channel=CHANNELS[n % len(CHANNELS)], text=text
    )
    action["content"] = {"id": f"c-{n}", "topics": [topic], "suggested_text": SUGGESTED}
    return action


def test_plain_relays_share_the_budget_however_varied(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(BUDGET)
    awards = [engine.record(share(make_action, n, None)) for n in range(5)]
    assert [a.points for a in awards] == [10, 10, 5, 0, 0]  # no variety for plain relays
    assert awards[3].summary.endswith(
        "capped at 0: without your own words: 25 points a week at most (share) "
        "(25 already earned) = 0"
    )
    next_week = engine.record(share(make_action, 200, None))
    assert next_week.points == 10


def test_personal_shares_neither_use_nor_meet_the_budget(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(BUDGET)
    texts = [
        "I visited last Friday: the rooftop garden feeds the canteen and bees live there",
        "Our intern built the dashboard behind this, proud mentor moment honestly",
        "Three customers asked me about exactly this during yesterday's roadshow sessions",
    ]
    plain = [engine.record(share(make_action, n, None)).points for n in range(3)]
    personal = [engine.record(share(make_action, 3 + n, t)).points for n, t in enumerate(texts)]
    assert plain == [10, 10, 5]
    assert all(points >= 15 for points in personal)  # new channels: variety counts


def test_a_template_spun_on_many_topics_counts_against_the_budget(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(BUDGET)
    topics = ("cloud", "security", "hiring", "finance", "events", "customers")
    awards = [
        engine.record(share(make_action, n, TEMPLATE.format(topic=t, n=n), topic=t))
        for n, t in enumerate(topics)
    ]
    assert awards[0].points == 15  # the first one is the member's own words (+5 variety)
    assert [a.points for a in awards[1:]] == [10, 0, 0, 0, 0]  # 15 + 10: budget spent
    assert "same template as 1 other comment within 90d" not in awards[1].summary  # no bonus rule
    assert "without your own words" in awards[2].summary


def test_the_budget_index_is_the_same_whatever_order_facts_arrive_in() -> None:
    rule = ImpersonalBudget(ImpersonalBudgetParams(id="b", max_points=20), Clock())
    facts = []
    for n in range(6):
        text = TEMPLATE.format(topic="ai", n=n) if n % 2 else None
        analysis = analyse(text, SUGGESTED, ["ai"])
        facts.append(
            Fact(n, "ana", "share", 1_780_000_000 + 3600 * n, zone("UTC"), "x", f"c{n}",
                 topics=("ai",), words=analysis.words, own_words=analysis.own_words,
                 distinct_own_words=analysis.distinct_own_words,
                 fingerprint=analysis.fingerprint, points=10)
        )  # fmt: skip
    forward, backward = TimeIndex(), TimeIndex()
    for fact in facts:
        rule.remember_in(fact, forward)
    for fact in reversed(facts):
        rule.remember_in(fact, backward)
    assert forward.series() == backward.series()
    start, end = facts[0].period("week", 0)
    assert rule._test.templated_numbers(forward, start, end) == 30


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("period: fortnight", "rules.0.period: input should be 'day', 'week'"),
        ("min_own_words: 0", "rules.0.min_own_words: input should be greater than or equal to 1"),
        (
            "template_similarity: 1.5",
            "rules.0.template_similarity: input should be less than or equal to 1",
        ),
        ("template_window: soon", "rules.0.template_window: "),
    ],
)
def test_bad_budget_settings_point_at_their_line(line: str, message: str) -> None:
    found = problems(
        f"""\
        verbs:
          share:
            points: 10
        rules:
          - id: impersonal
            kind: impersonal_budget
            max_points: 20
            {line}
        """
    )
    assert len(found) == 1
    assert found[0].startswith(f"{SOURCE}:8: {message}"), found


KUDOS_VARIETY = """
rules:
  - id: new-colleague
    kind: variety
    verbs: [kudos]
    dimensions: [target]
    period: quarter
    points: 3
"""


def test_a_verbatim_relay_on_a_new_network_earns_no_variety_but_a_personal_share_does(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(BUDGET)
    verbatim = engine.record(share(make_action, 0, SUGGESTED))
    personal = engine.record(
        share(make_action, 6, "Our intern built the dashboard behind this, proud mentor moment")
    )
    assert "variety" not in verbatim.summary
    assert "+5 variety: new this month (channel linkedin)" in personal.summary


def test_thanking_a_colleague_for_the_first_time_in_the_quarter_earns_a_little(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with(KUDOS_VARIETY, members=("alice", "bob", "cleo"))
    first = engine.record(make_action(verb="kudos", target="bob"))
    again = engine.record(make_action(verb="kudos", target="bob", at=MONDAY + timedelta(days=1)))
    other = engine.record(make_action(verb="kudos", target="cleo", at=MONDAY + timedelta(days=2)))
    assert "+3 variety: new this quarter (target bob)" in first.summary
    assert "variety" not in again.summary
    assert "(target cleo)" in other.summary
