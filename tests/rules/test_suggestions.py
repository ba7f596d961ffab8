"""A suggestion without a content item: a subject proposed in the member's own words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import MONDAY

from engagement import Engagement, InvalidActionError

IDEA = "How our Lyon support team cut response times with a shared playbook"


def suggestion(key: str, hours: int = 0, **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "member": "alice",
        "verb": "suggest",
        "at": (MONDAY + timedelta(hours=hours)).isoformat(),
        "channel": "intranet",
        **fields,
    }


@pytest.fixture
def engine(engine: Engagement) -> Engagement:
    engine.members.upsert("alice", timezone="Europe/Paris")
    return engine


def test_a_subject_in_own_words_is_accepted_and_earns_the_personal_bonus(
    engine: Engagement,
) -> None:
    award = engine.record(suggestion("s1", text=IDEA))
    assert award.steps[0].rule == "verbs.suggest"
    assert [s.rule for s in award.steps if s.rule == "personal-words"] == ["personal-words"]
    assert award.points > 15


def test_the_same_stock_phrase_again_earns_no_personal_bonus(engine: Engagement) -> None:
    first = engine.record(suggestion("s1", text=IDEA))
    again = engine.record(suggestion("s2", hours=48, text=IDEA))
    assert again.points < first.points
    assert "personal-words" not in [s.rule for s in again.steps if s.value > 0]


def test_a_suggestion_with_neither_content_nor_text_is_refused(engine: Engagement) -> None:
    with pytest.raises(InvalidActionError) as caught:
        engine.record(suggestion("s1"))
    assert str(caught.value) == (
        "action 's1': text: a 'suggest' action without content needs a text: "
        "say in your own words what colleagues could share"
    )
    assert engine.ledger.totals() == {"alice": 0}


def test_a_suggestion_of_a_content_item_still_works(engine: Engagement) -> None:
    award = engine.record(
        suggestion("s1", content={"id": "c-1", "kind": "industry", "topics": ["ai"]})
    )
    assert award.points >= 15
