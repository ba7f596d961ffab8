"""The reciprocity rule kind: thanks to a colleague who mostly thanks back earn less."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from conftest import BASE_RULES, MONDAY

from engagement import Engagement, RuleFileError

RECIPROCITY = """
rules:
  - id: reciprocity
    kind: reciprocity
    verbs: [kudos]
    window: 30d
    min_returned: 2
    mostly: 0.5
    multiplier: 0.3
"""


def thanks(giver: str, receiver: str, day: float, n: int = 0) -> dict[str, Any]:
    return {
        "key": f"{giver}-{receiver}-{day}-{n}",
        "member": giver,
        "verb": "kudos",
        "at": (MONDAY + timedelta(days=day)).isoformat(),
        "target": receiver,
    }


@pytest.fixture
def engine(engine_with: Callable[..., Engagement]) -> Engagement:
    return engine_with(RECIPROCITY, members=("ana", "ben", "cleo"))


def test_thanks_to_a_colleague_who_mostly_thanks_back_are_worth_less(engine: Engagement) -> None:
    first = engine.record(thanks("ana", "ben", 0))
    courtesy = engine.record(thanks("ben", "ana", 0.1))  # one thank-you back: courtesy
    engine.record(thanks("ben", "ana", 1))
    mutual = engine.record(thanks("ana", "ben", 2))  # ben thanked back twice, for 2 of 2

    assert first.points == 5 and courtesy.points == 5
    assert mutual.summary == (
        "+5 kudos, ×0.3 thanks to a colleague who thanks you back most of the time "
        "(2 back for your 2 within 30d) = 2"
    )
    assert mutual.steps[-1].detail == {"thanked_back": 2, "thanked": 2}
    # Recognition that goes one way keeps its value: ana never thanked cleo.
    assert engine.record(thanks("cleo", "ana", 3)).points == 5


def test_thanks_returned_for_few_of_many_or_long_ago_are_not_reciprocity(
    engine: Engagement,
) -> None:
    for day in range(5):
        engine.record(thanks("ana", "ben", day))
    engine.record(thanks("ben", "ana", 5))
    engine.record(thanks("ben", "ana", 6))
    # ben thanked ana twice, for 6 of ana's thanks within 30 days: not "mostly".
    assert engine.record(thanks("ana", "ben", 7)).points == 5
    # 40 days later, ben's thanks are out of the window.
    assert engine.record(thanks("ana", "ben", 47)).points == 5


def test_a_batch_and_a_replay_see_the_thanks_back_that_record_sees(
    engine_with: Callable[..., Engagement],
) -> None:
    ring = [thanks(a, b, day, n) for day in range(4) for n, (a, b) in enumerate(
        [("ana", "ben"), ("ben", "ana"), ("ben", "cleo"), ("cleo", "ben")]
    )]  # fmt: skip
    one_by_one = engine_with(RECIPROCITY, members=("ana", "ben", "cleo"))
    singles = [one_by_one.record(action).points for action in ring]
    batched = engine_with(RECIPROCITY, members=("ana", "ben", "cleo")).record_many(ring)

    assert singles == [a.points for a in batched]
    assert singles[-4:] == [2, 2, 2, 2]
    assert one_by_one.replay().changed == 0


def test_a_reciprocity_rule_needs_a_multiplier(tmp_path: Any) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(BASE_RULES + RECIPROCITY.replace("    multiplier: 0.3\n", ""), "utf-8")
    with Engagement("sqlite://") as engine, pytest.raises(RuleFileError) as raised:
        engine.load_rules(path)
    assert "rules.0.multiplier" in str(raised.value)


def test_a_revoked_thank_you_back_still_counts_so_replay_agrees(
    engine: Engagement,
) -> None:
    """Reciprocity reads what was logged: revoking a thank-you later does not rescore
    the thanks already given, and a replay agrees."""
    engine.record(thanks("ben", "ana", 0))
    engine.record(thanks("ben", "ana", 1))
    engine.revoke(thanks("ben", "ana", 1)["key"], "test")
    assert engine.record(thanks("ana", "ben", 2)).points == 2
    assert engine.replay().changed == 0
