"""Members of a programme over one quarter, honest and gaming, as action logs.

Each function returns the actions one persona records in :data:`WEEKS` weeks from
:data:`START` (a Monday morning in Paris).  Texts, channels and topics come from a
``random.Random`` seeded per persona, so every run scores the same logs.  The gaming
personas are what people who have watched a points system try, once they know the
rules: volume without their own words, templates, one item on every network, thank-
you rings, bursts and bots.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

START = datetime(2026, 7, 6, 8, 0, tzinfo=timezone(timedelta(hours=2)))
WEEKS = 13
CHANNELS = ("linkedin", "x", "xing", "facebook", "instagram")
TOPICS = ("ai", "cloud", "security", "hiring", "sustainability", "customers", "events", "finance")
KINDS = ("industry", "thought_leadership", "culture", "jobs", "corporate")
SUGGESTED = "Our new report explains how teams adopt assistants at work."

Action = dict[str, Any]
Persona = Callable[[str], list[Action]]

_SYLLABLES = ("ka", "lo", "ter", "mi", "van", "sor", "pel", "du", "rix", "ba", "nom", "tel")
VOCABULARY = sorted(
    {
        "".join(parts)
        for parts in itertools.product(_SYLLABLES, repeat=3)
        if len("".join(parts)) >= 6
    }
)
"""Words of an authentic member's comments: enough of them that two comments share
few, as two honest comments on different articles do."""


def _at(week: int, day: int, hour: float) -> str:
    return (START + timedelta(weeks=week, days=day, hours=hour)).isoformat()


def content(rng: random.Random, item: str, kind: str | None = None) -> dict[str, Any]:
    return {
        "id": item,
        "kind": kind or rng.choice(KINDS[:4]),
        "topics": [rng.choice(TOPICS)],
        "suggested_text": SUGGESTED,
    }


def share(
    member: str, key: str, at: str, channel: str, item: dict[str, Any], text: str | None
) -> Action:
    action: Action = {
        "key": f"{member}:{key}",
        "member": member,
        "verb": "share",
        "at": at,
        "channel": channel,
        "content": item,
    }
    if text is not None:
        action["text"] = text
    return action


def own_comment(rng: random.Random) -> str:
    return "What I take from it: " + " ".join(rng.sample(VOCABULARY, 14)) + "."


def authentic(member: str) -> list[Action]:
    """Three varied personal shares a week: the programme's reference ambassador."""
    rng = random.Random(f"authentic-{member}")
    log = []
    for week in range(WEEKS):
        for n in range(3):
            corporate = rng.random() < 0.2
            item = content(rng, f"{member}-i{week}-{n}", "corporate" if corporate else None)
            channel = rng.choice(CHANNELS[:3])
            at = _at(week, 2 * n, 1 + rng.random())
            log.append(share(member, f"{week}-{n}", at, channel, item, own_comment(rng)))
    return log


def template_spinner(member: str) -> list[Action]:
    """~15 varied items a week with one comment whose topic word, number, hashtag,
    mention and a word or two change every time."""
    rng = random.Random(f"spinner-{member}")
    adjectives = ("insightful", "interesting", "valuable", "thoughtful")
    log = []
    for week, n in itertools.product(range(WEEKS), range(15)):
        item = content(rng, f"{member}-i{week}-{n}")
        topic = item["topics"][0]
        text = (
            f"Really {rng.choice(adjectives)} piece on {topic}! Everyone working on {topic} "
            f"should read this before planning {2026 + n % 3} budgets #{topic} "
            f"@team{rng.randint(1, 99)} https://example.com/{week}/{n}"
        )
        at = _at(week, n % 5, 1 + n / 3)
        log.append(share(member, f"{week}-{n}", at, rng.choice(CHANNELS), item, text))
    return log


def cross_poster(member: str, *, comment: bool = False, networks: int = 4) -> list[Action]:
    """Five items a week, each relayed on ``networks`` networks: corporate items
    verbatim, or varied items with one comment of the member's own pasted on each
    network (``comment``)."""
    rng = random.Random(f"cross-{comment}")  # the same items and comments for any member
    log = []
    for week, n in itertools.product(range(WEEKS), range(5)):
        item = content(rng, f"{member}-i{week}-{n}", None if comment else "corporate")
        text = own_comment(rng) if comment else SUGGESTED
        for c, channel in enumerate(CHANNELS[:networks]):
            at = _at(week, n, 1 + c / 10)
            log.append(share(member, f"{week}-{n}-{channel}", at, channel, item, text))
    return log


def plain_relayer(member: str, per_week: int = 40) -> list[Action]:
    """Many varied items a week, plain relays across channels, topics and kinds."""
    rng = random.Random(f"plain-{member}-{per_week}")
    log = []
    for week, n in itertools.product(range(WEEKS), range(per_week)):
        item = content(rng, f"{member}-i{week}-{n}", rng.choice(KINDS))
        at = _at(week, n % 5, 1 + (n // 5) / 4)
        log.append(share(member, f"{week}-{n}", at, rng.choice(CHANNELS), item, None))
    return log


def burst(member: str) -> list[Action]:
    """One day a week of 60 plain relays of varied items, nothing else."""
    rng = random.Random(f"burst-{member}")
    log = []
    for week, n in itertools.product(range(WEEKS), range(60)):
        item = content(rng, f"{member}-i{week}-{n}", rng.choice(KINDS))
        at = _at(week, 2, n / 10)
        log.append(share(member, f"{week}-{n}", at, rng.choice(CHANNELS), item, None))
    return log


def reader_bot(member: str) -> list[Action]:
    """Reads every item of the intranet, a hundred a working day."""
    rng = random.Random(f"reader-{member}")
    log = []
    for week, day, n in itertools.product(range(WEEKS), range(5), range(100)):
        item = content(rng, f"{member}-r{week}-{day}-{n}")
        log.append(
            {
                "key": f"{member}:{week}-{day}-{n}",
                "member": member,
                "verb": "read",
                "at": _at(week, day, n / 20),
                "channel": "intranet",
                "content": item,
            }
        )
    return log


def ring(members: list[str]) -> list[Action]:
    """Colleagues who thank each other every working day and relay plain content
    (ten varied items a week each)."""
    log = []
    for member in members:
        log += plain_relayer(member, per_week=10)
        for week, day in itertools.product(range(WEEKS), range(5)):
            for other in members:
                if other != member:
                    log.append(
                        {
                            "key": f"{member}:k{week}-{day}-{other}",
                            "member": member,
                            "verb": "kudos",
                            "at": _at(week, day, 9),
                            "target": other,
                            "text": "Thanks for your help today!",
                        }
                    )
    return log


def admirers(members: list[str], colleague: str) -> list[Action]:
    """Colleagues who thank ``colleague`` once a month for their help, and whom
    ``colleague`` never thanks back: recognition, not reciprocity."""
    return [
        {
            "key": f"{member}:thanks-{month}",
            "member": member,
            "verb": "kudos",
            "at": _at(4 * month + n, 3, 4),
            "target": colleague,
            "text": "Thank you for walking me through the new pricing tool!",
        }
        for n, member in enumerate(members)
        for month in range(3)
    ]


def copier(member: str, source: list[Action]) -> list[Action]:
    """Pastes a colleague's personal comments on the same items, an hour later."""
    log = []
    for action in source:
        copied = dict(action, member=member, key=f"{member}:{action['key']}")
        copied["at"] = (datetime.fromisoformat(action["at"]) + timedelta(hours=1)).isoformat()
        log.append(copied)
    return log


def by_time(actions: list[Action]) -> Iterator[Action]:
    yield from sorted(actions, key=lambda a: datetime.fromisoformat(a["at"]))
