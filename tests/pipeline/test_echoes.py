"""Comments copied from a colleague: measured when logged, scored as not personal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import MONDAY

from engagement import Engagement
from engagement.storage.prepared import Prepared

COMMENT = "What struck me here is how patiently their engineers rebuilt the billing platform"
OTHER = "Honestly surprised: our logistics colleagues solved exactly this puzzle last winter"


def share(member: str, key: str, hours: float, text: str, item: str = "c-1") -> dict[str, Any]:
    return {
        "key": key,
        "member": member,
        "verb": "share",
        "at": (MONDAY + timedelta(hours=hours)).isoformat(),
        "channel": "linkedin",
        "content": {"id": item, "kind": "industry", "topics": ["cloud"]},
        "text": text,
    }


def test_a_comment_copied_on_the_same_item_earns_no_personal_words(
    programme: Engagement,
) -> None:
    original = programme.record(share("ana", "ana:1", 0, COMMENT))
    copy = programme.record(share("ben", "ben:1", 1, COMMENT + "!"))
    own = programme.record(share("ben", "ben:2", 2, OTHER, item="c-2"))

    assert "+15 personal words" in original.summary
    assert "+0 personal words: copied from a colleague's comment on this item" in copy.summary
    assert copy.points < original.points
    assert "+15 personal words" in own.summary  # the copy is not a template of ben's
    assert programme.replay().changed == 0


def test_the_same_words_on_another_item_or_a_late_original_are_not_a_copy(
    programme: Engagement,
) -> None:
    elsewhere = programme.record(share("ben", "ben:1", 1, COMMENT, item="c-9"))
    # The colleague's comment is logged after the original was written, but the
    # original arrives later still (a late import): neither is the copy.
    later = programme.record(share("ben", "ben:2", 5, COMMENT))
    late_original = programme.record(share("ana", "ana:1", 0, COMMENT))

    assert "+15 personal words" in elsewhere.summary
    assert "+0 personal words: same template" in later.summary  # ben's own reuse
    assert "+15 personal words" in late_original.summary
    assert programme.replay().changed == 0


def test_a_batch_sees_the_copies_within_it_and_before_it(programme: Engagement) -> None:
    programme.record(share("ana", "ana:1", 0, COMMENT))
    batch = [
        share("ana", "ana:2", 1, OTHER, item="c-2"),
        share("ben", "ben:1", 2, COMMENT),
        share("ben", "ben:2", 3, OTHER, item="c-2"),
    ]
    awards = programme.record_many(batch)

    assert ["copied from a colleague" in a.summary for a in awards] == [False, True, True]
    assert programme.replay().changed == 0


def test_only_actions_with_own_words_and_an_item_cost_a_read(
    programme: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record path's statements run on the driver's cursor (see
    :mod:`engagement.storage.prepared`): they are counted there."""
    programme.record(share("ana", "ana:0", 0, COMMENT))
    seen: list[str] = []
    run = Prepared._run

    def counted(self: Prepared, connection: Any, params: Any) -> Any:
        seen.append(self.sql)
        return run(self, connection, params)

    monkeypatch.setattr(Prepared, "_run", counted)
    programme.record(share("ben", "ben:1", 1, COMMENT))
    with_words = [sql for sql in seen if "fingerprint IS NOT NULL" in sql]
    seen.clear()
    plain = share("ben", "ben:2", 2, COMMENT)
    del plain["text"]
    programme.record(plain)

    assert len(with_words) == 1
    assert not [sql for sql in seen if "fingerprint IS NOT NULL" in sql]
    assert seen  # the plain share's own statements were counted
