"""A deterministic, realistic stream of actions for the benchmarks.

The stream imitates an employee-advocacy programme at cruising speed: about fifty
members in four time zones, each with a habitual level of activity and favourite
channels, doing mostly shares of content from a catalogue that keeps growing (most of
them in their own words, some verbatim, some with a stock phrase, a few without text),
plus reads, original posts, kudos and the occasional suggestion, training or
referral.  Actions fall in working hours of the member's own time zone, fewer at
weekends, and arrive in chronological order, as a host would record them live.

Everything comes from one ``random.Random(seed)``: the same arguments always give
the same stream, so runs and machines can be compared.  The actions are plain dicts
in the JSON shape a host submits (``at`` is an ISO 8601 string with the member's UTC
offset), so parsing and validation are part of what is measured.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

START = datetime(2026, 1, 5, tzinfo=UTC)
"""A Monday: the stream begins here and runs as many weeks as its density needs."""

TIMEZONES = ("Europe/Paris", "Europe/Paris", "Europe/London", "America/New_York", "Asia/Singapore")
VERBS = (
    ("share", 60),
    ("read", 20),
    ("post", 8),
    ("kudos", 8),
    ("suggest", 2),
    ("training", 1),
    ("referral", 1),
)
CHANNELS = ("linkedin", "twitter", "facebook", "xing", "intranet")
KINDS = (
    ("industry", 25),
    ("thought_leadership", 20),
    ("corporate", 20),
    ("promotional", 10),
    ("culture", 10),
    ("jobs", 10),
    ("product", 5),
)
TOPICS = (
    "ai",
    "cloud",
    "security",
    "data",
    "hiring",
    "finance",
    "product",
    "sustainability",
    "culture",
    "events",
    "customers",
    "leadership",
)
STOCK_PHRASES = ("Great read!", "Must read", "Proud of the team!", "Worth your time")
_VOCABULARY_TEXT = """
    about above across after again agile always analytics answer approach around
    article asked audience backend balance batch believe benefit better bigger board
    bold brand build business busy calendar call careful change chat choose clear
    client close coffee colleague common company complex conference confident context
    cost country course create curious customer daily dashboard data deadline deal
    decision deliver demo design detail develop different digital direct discover
    easy effort energy engineer enjoy equal event every example expert fair fast
    feature feedback finally first focus friday friendly future goal great grow guide
    habit happy hard help hire honest idea impact important improve insight interest
    invite journey keep kind launch lead learn lesson listen local long loved market
    meeting mentor mobile model monday month morning network never night numbers offer
    office open opinion option partner people pipeline plan platform point practice
    pragmatic problem product progress project proud question quick read ready real
    reason remote report research result review right risk road role roadmap safe
    scale season security share simple skill small smart solution speed sprint start
    story strong student success support surprise system talent team test thanks
    think thoughtful together tool topic trust truly update useful value vision week
    welcome win wonderful work world write year young
"""
_VOCABULARY = tuple(_VOCABULARY_TEXT.split())


@dataclass(frozen=True, slots=True)
class MemberSpec:
    """A member of the synthetic programme."""

    member_id: str
    timezone: str
    activity: float
    channels: tuple[str, ...]
    opted_in: bool


@dataclass(frozen=True, slots=True)
class ContentItem:
    """A catalogue item, published at ``published`` (UTC)."""

    id: str
    kind: str
    topics: tuple[str, ...]
    suggested_text: str
    published: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "topics": list(self.topics),
            "suggested_text": self.suggested_text,
        }


@dataclass(frozen=True, slots=True)
class Workload:
    """Members and their actions, chronological, ready for ``record()``."""

    members: tuple[MemberSpec, ...]
    actions: tuple[dict[str, Any], ...]
    weeks: int
    seed: int

    def describe(self) -> str:
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action["verb"]] = counts.get(action["verb"], 0) + 1
        mix = ", ".join(
            f"{verb} {100 * n / len(self.actions):.0f} %"
            for verb, n in sorted(counts.items(), key=lambda item: -item[1])
        )
        return (
            f"{len(self.actions):,} actions by {len(self.members)} members over "
            f"{self.weeks} weeks (seed {self.seed}): {mix}"
        )


def generate(
    count: int,
    *,
    members: int = 50,
    per_member_week: float = 15.0,
    seed: int = 20260705,
) -> Workload:
    """``count`` actions by ``members`` members, about ``per_member_week`` each a week.

    The density sets the length of the stream: 50 members at 15 actions a week make
    750 actions a week, so 30,000 actions span 40 weeks, and each member's 90-day
    history (the longest window of the default rules) holds about 190 actions.
    """
    rng = random.Random(seed)
    weeks = max(1, round(count / (members * per_member_week)))
    span = timedelta(weeks=weeks)
    people = tuple(_member(rng, n) for n in range(1, members + 1))
    catalogue = _catalogue(rng, span, items=max(40, weeks * 12))
    published = [item.published for item in catalogue]
    weights = [person.activity for person in people]
    verbs, verb_weights = zip(*VERBS, strict=True)
    drafts: list[tuple[datetime, MemberSpec, str]] = []
    for _ in range(count):
        person = rng.choices(people, weights)[0]
        drafts.append((_moment(rng, person, span), person, rng.choices(verbs, verb_weights)[0]))
    drafts.sort(key=lambda draft: draft[0])
    actions: list[dict[str, Any]] = []
    suggestions = 0
    for index, (at, person, verb) in enumerate(drafts, start=1):
        local = at.astimezone(ZoneInfo(person.timezone))
        action: dict[str, Any] = {
            "key": f"bench-{seed}-{index:07d}",
            "member": person.member_id,
            "verb": verb,
            "at": local.isoformat(),
        }
        # Content published before the action, biased towards the latest items.
        available = max(1, bisect_right(published, at))
        item = catalogue[available - 1 - min(available - 1, int(rng.expovariate(1 / 8)))]
        if verb == "share":
            action["channel"] = rng.choice(person.channels)
            text = _share_text(rng, item)
            if text is not None:
                action["text"] = text
            action["metrics"] = {
                "impressions": rng.randint(20, 3000),
                "clicks": rng.randint(0, 40),
                "reactions": rng.randint(0, 60),
            }
            action["content"] = item.as_json()
        elif verb == "read":
            action["channel"] = "intranet"
            action["content"] = item.as_json()
        elif verb == "suggest":
            suggestions += 1
            action["channel"] = "intranet"
            action["content"] = {
                "id": f"sug-{suggestions:05d}",
                "kind": rng.choice(("industry", "thought_leadership")),
                "topics": rng.sample(TOPICS, rng.randint(1, 2)),
                "suggested_text": _sentence(rng, 12, 25),
            }
        elif verb == "post":
            action["channel"] = rng.choice(person.channels)
            action["text"] = _sentence(rng, 30, 80)
        elif verb == "kudos":
            colleague = rng.choice(people)
            action["target"] = colleague.member_id
            action["text"] = _sentence(rng, 5, 15)
        elif verb == "referral":
            action["target"] = f"candidate-{rng.randint(1, 10_000):05d}"
        actions.append(action)
    return Workload(members=people, actions=tuple(actions), weeks=weeks, seed=seed)


def _member(rng: random.Random, number: int) -> MemberSpec:
    preferred = ["linkedin", *rng.sample(CHANNELS, rng.randint(1, 3))]
    return MemberSpec(
        member_id=f"m-{number:03d}",
        timezone=rng.choice(TIMEZONES),
        activity=rng.lognormvariate(0, 0.6),
        channels=tuple(dict.fromkeys(preferred)),
        opted_in=rng.random() < 0.8,
    )


def _catalogue(rng: random.Random, span: timedelta, *, items: int) -> list[ContentItem]:
    kinds, kind_weights = zip(*KINDS, strict=True)
    catalogue = []
    for number in range(1, items + 1):
        # A few items exist before the stream starts, the rest appear along it.
        offset = span * ((number - 8) / items) if number > 8 else -timedelta(days=number)
        catalogue.append(
            ContentItem(
                id=f"c-{number:04d}",
                kind=rng.choices(kinds, kind_weights)[0],
                topics=tuple(rng.sample(TOPICS, rng.randint(1, 3))),
                suggested_text=_sentence(rng, 12, 25),
                published=START + offset,
            )
        )
    catalogue.sort(key=lambda item: item.published)
    return catalogue


def _moment(rng: random.Random, person: MemberSpec, span: timedelta) -> datetime:
    """A local working-hours instant (fewer at weekends), as UTC."""
    zone = ZoneInfo(person.timezone)
    while True:
        day = START + timedelta(days=rng.randrange(span.days))
        if day.weekday() < 5 or rng.random() < 0.25:
            break
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
        seconds=rng.randint(7 * 3600, 22 * 3600)
    )
    return local.astimezone(UTC)


def _sentence(rng: random.Random, shortest: int, longest: int) -> str:
    words = rng.choices(_VOCABULARY, k=rng.randint(shortest, longest))
    return " ".join(words).capitalize() + "."


def _share_text(rng: random.Random, item: ContentItem) -> str | None:
    style = rng.random()
    if style < 0.65:  # in the member's own words, sometimes quoting the suggestion
        own = _sentence(rng, 8, 40)
        if rng.random() < 0.3:
            quoted = item.suggested_text.split()[: rng.randint(3, 8)]
            return f"{own} {' '.join(quoted)}"
        return own
    if style < 0.80:  # the suggested text, verbatim
        return item.suggested_text
    if style < 0.90:  # a stock phrase, with or without the suggestion
        phrase = rng.choice(STOCK_PHRASES)
        return f"{phrase} {item.suggested_text}" if rng.random() < 0.5 else phrase
    return None
