"""Impersonal volume saturates: a property over random members on the shipped rules.

A member's week mixes personal shares (their own words, each comment new) with
impersonal actions: plain relays, the suggested text verbatim, one templated comment,
reads.  Repeating every impersonal action k times (on other networks, about other
topics, other items: as varied as a gamer would make them) must raise the member's
points by less than a quarter.  The weeks hold at least two impersonal shares, the
weekly budget's worth (20 points): below the budget, impersonal actions are meant
to earn their points.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from personas import CHANNELS, START, SUGGESTED, TOPICS, Action, content, own_comment, share

from engagement import DEFAULT_RULES_PATH, Engagement

MEMBER = "m"
IMPERSONAL = ("plain", "verbatim", "template", "read")


@st.composite
def quarters(draw: st.DrawFn) -> tuple[list[tuple[int, str]], list[tuple[int, str]], int]:
    """``(personal, impersonal, seed)``: (week, kind) of each action, and the seed of
    their texts, times and items."""
    personal: list[tuple[int, str]] = []
    impersonal: list[tuple[int, str]] = []
    for week in range(draw(st.integers(1, 4))):
        personal += [(week, "personal")] * draw(st.integers(0, 3))
        shares = draw(st.lists(st.sampled_from(IMPERSONAL[:3]), min_size=2, max_size=4))
        reads = draw(st.integers(0, 3))
        impersonal += [(week, kind) for kind in shares] + [(week, "read")] * reads
    return personal, impersonal, draw(st.integers(0, 2**16))


def _action(kind: str, week: int, n: int, copy: int, rng: random.Random) -> Action:
    at = (START + timedelta(weeks=week, hours=rng.uniform(0, 100), minutes=copy)).isoformat()
    key = f"{week}-{n}-{copy}"
    channel = CHANNELS[(n + copy) % len(CHANNELS)]
    item = content(rng, f"i-{key}")
    item["topics"] = [TOPICS[(n + copy) % len(TOPICS)]]
    if kind == "read":
        return {"key": f"{MEMBER}:{key}", "member": MEMBER, "verb": "read", "at": at,
                "channel": "intranet", "content": item}  # fmt: skip
    text: dict[str, str | None] = {
        "personal": own_comment(rng),
        "plain": None,
        "verbatim": SUGGESTED,
        "template": f"Must read on {item['topics'][0]}, {copy + n} ideas for us all #team",
    }
    return share(MEMBER, key, at, channel, item, text[kind])


def points(
    personal: list[tuple[int, str]],
    impersonal: list[tuple[int, str]],
    seed: int,
    k: int,
    rules: Path = DEFAULT_RULES_PATH,
) -> int:
    rng = random.Random(seed)
    log = [_action(kind, week, n, 0, rng) for n, (week, kind) in enumerate(personal)]
    for n, (week, kind) in enumerate(impersonal, start=len(personal)):
        log += [_action(kind, week, n, copy, rng) for copy in range(k)]
    with Engagement("sqlite://") as engine:
        engine.create_schema()
        engine.activate_rules(rules)
        log.sort(key=lambda a: datetime.fromisoformat(a["at"]))
        engine.record_many(log, create_members=True)
        return sum(engine.ledger.totals().values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quarters(), st.integers(2, 4))
def test_multiplying_impersonal_activity_raises_points_by_less_than_a_quarter(
    quarter: tuple[list[tuple[int, str]], list[tuple[int, str]], int], k: int
) -> None:
    personal, impersonal, seed = quarter
    once = points(personal, impersonal, seed, 1)
    many = points(personal, impersonal, seed, k)
    assert many < once * 1.25, (once, many)


def test_without_the_budget_the_same_multiplication_pays(tmp_path: Path) -> None:
    """The property tests the budget, not an accident of the data: the shipped rules
    without their impersonal budget let tripled plain relays pay."""
    rules = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    start = rules.index("  - id: impersonal-weekly-budget")
    unbudgeted = tmp_path / "rules.yaml"
    unbudgeted.write_text(rules[:start] + rules[rules.index("  # Caps", start) :], "utf-8")
    personal = [(0, "personal")]
    impersonal = [(0, "plain"), (0, "plain"), (1, "plain"), (1, "verbatim")]
    assert points(personal, impersonal, 1, 3, unbudgeted) >= 1.25 * points(
        personal, impersonal, 1, 1, unbudgeted
    )
    assert points(personal, impersonal, 1, 3) < 1.25 * points(personal, impersonal, 1, 1)
