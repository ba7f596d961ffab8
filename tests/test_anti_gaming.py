"""The default rules must reward authentic ambassadors over volume spammers."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from conftest import MONDAY

from engagement import DEFAULT_RULES_PATH, Engagement

WEEKS = 8
WORDS = [
    "customers",
    "budget",
    "pilot",
    "lessons",
    "migration",
    "latency",
    "onboarding",
    "mentoring",
    "roadmap",
    "hiring",
    "carbon",
    "suppliers",
    "security",
    "audit",
    "workshop",
    "feedback",
    "analytics",
    "pricing",
    "partners",
    "community",
    "accessibility",
    "training",
    "retention",
    "dashboards",
    "forecasting",
]


def corporate_item(week: int, n: int) -> dict[str, Any]:
    return {
        "id": f"corp-{week}-{n}",
        "kind": "corporate",
        "topics": ["product"],
        "suggested_text": f"Discover release {week}.{n} of our platform, now faster than ever!",
    }


def spammer_log(member: str, per_week: int) -> list[dict[str, Any]]:
    """Plain corporate relays, verbatim, all on LinkedIn."""
    log = []
    for week in range(WEEKS):
        for n in range(per_week):
            content = corporate_item(week, n)
            log.append(
                {
                    "key": f"{member}-{week}-{n}",
                    "member": member,
                    "verb": "share",
                    "at": (MONDAY + timedelta(weeks=week, minutes=10 * n)).isoformat(),
                    "channel": "linkedin",
                    "text": content["suggested_text"],
                    "content": content,
                }
            )
    return log


def authentic_log(member: str) -> list[dict[str, Any]]:
    """Three personalised shares a week, varied channels and topics, mostly not corporate."""
    rng = random.Random(7)
    channels, topics = ("linkedin", "x", "linkedin"), ("ai", "cloud", "hiring", "security")
    log = []
    for week in range(WEEKS):
        for n in range(3):
            corporate = (week * 3 + n) % 5 == 0  # one share in five
            own = " ".join(rng.sample(WORDS, 12))
            log.append(
                {
                    "key": f"{member}-{week}-{n}",
                    "member": member,
                    "verb": "share",
                    "at": (MONDAY + timedelta(weeks=week, days=2 * n, hours=1)).isoformat(),
                    "channel": channels[n],
                    "text": f"What I take from it: {own}.",
                    "content": {
                        "id": f"item-{week}-{n}",
                        "kind": "corporate" if corporate else "industry",
                        "topics": [topics[(week + n) % 4]],
                        "suggested_text": "An industry report on how teams adopt new tools.",
                    },
                }
            )
    return log


def total(log: list[dict[str, Any]]) -> int:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    engine.record_many(log, create_members=True)
    points = sum(engine.ledger.totals().values())
    engine.database.dispose()
    return points


def test_a_volume_spammer_ends_far_below_an_authentic_ambassador() -> None:
    """320 verbatim corporate relays against 24 personal, varied shares (95 vs 471
    points when written; its comments draw 12 words from the same 25, so a few of them
    follow the template of an earlier one and earn no personal bonus)."""
    spammer = total(spammer_log("spam", per_week=40))
    authentic = total(authentic_log("real"))
    assert spammer * 2 < authentic, (spammer, authentic)


def test_doubling_a_spammers_volume_adds_well_under_a_quarter() -> None:
    forty = total(spammer_log("spam", per_week=40))
    eighty = total(spammer_log("spam", per_week=80))
    assert forty > 0
    assert eighty < forty * 1.25, (forty, eighty)
    assert eighty - forty < forty * 0.1  # in fact nothing: the 7th share a week earns 0


def test_personal_words_are_worth_more_than_a_relay() -> None:
    relay = authentic_log("a")[:1]
    relay[0]["text"] = relay[0]["content"]["suggested_text"]
    assert total(authentic_log("a")[:1]) >= total(relay) + 10
