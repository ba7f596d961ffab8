"""``POST /admin/adjustments``: points by hand, with a reason, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Client, row_counts

from engagement import Engagement

AsUser = Callable[[str | None], Client]
GIVEN = {"member": "alice", "points": 50, "reason": "prize for the hackathon", "key": "adj-1"}


def test_an_adjustment_shows_on_the_members_page_and_the_boards(
    as_user: AsUser, host: Engagement
) -> None:
    answer = as_user("boss").post("/admin/adjustments", json=GIVEN)
    assert answer.status_code == 201
    assert {
        k: answer.json[k] for k in ("key", "member", "points", "reason", "by", "duplicate")
    } == {
        "key": "adj-1",
        "member": "alice",
        "points": 50,
        "reason": "prize for the hackathon",
        "by": "boss",
        "duplicate": False,
    }
    me = as_user("alice").get("/me").json
    assert me["points"] == 50 and me["level"]["points"] == 50
    [entry] = me["ledger"]["entries"]
    assert (entry["key"], entry["entry_kind"], entry["points"]) == ("adj-1", "manual", 50)
    assert entry["summary"] == "manual adjustment by boss: prize for the hackathon (+50)"
    assert entry["explanation"]["reason"] == "prize for the hackathon"
    board = as_user("bob").get("/leaderboards?period=all").json
    assert [(e["member"], e["points"]) for e in board["entries"]] == [("alice", 50)]
    assert as_user("alice").get("/members/alice").json["points"] == 50
    exported = as_user("alice").get("/me/export").json
    assert [e["key"] for e in exported["ledger"]] == ["adj-1"]


def test_an_administrator_who_is_not_a_member_adjusts_as_administrator(
    as_user: AsUser,
) -> None:
    answer = as_user("hr").post("/admin/adjustments", json={**GIVEN, "points": -5})
    assert answer.status_code == 201 and answer.json["by"] == "administrator"
    [entry] = as_user("alice").get("/me").json["ledger"]["entries"]
    assert entry["summary"] == "manual adjustment by administrator: prize for the hackathon (-5)"


def test_a_retry_is_200_with_the_first_adjustment_and_a_reused_key_409(
    as_user: AsUser, host: Engagement
) -> None:
    hr = as_user("hr")
    first = hr.post("/admin/adjustments", json=GIVEN).json
    before = row_counts(host)
    again = hr.post("/admin/adjustments", json=GIVEN)
    assert again.status_code == 200
    assert again.json == {**first, "duplicate": True}
    conflict = hr.post("/admin/adjustments", json={**GIVEN, "points": 60})
    assert conflict.status_code == 409
    assert conflict.json["message"].startswith("key: 'adj-1' was used for another adjustment")
    assert row_counts(host) == before
    assert host.ledger.points("alice") == 50


BAD: list[tuple[dict[str, Any], int, str, str]] = [
    ({"points": 0}, 400, "points", "give points other than 0"),
    ({"points": 10_001}, 400, "points", "Must be greater than or equal to -10000"),
    ({"points": -10_001}, 400, "points", "and less than or equal to 10000"),
    ({"points": 2.5}, 400, "points", "Not a valid integer."),
    ({"points": "5"}, 400, "points", "Not a valid integer."),
    ({"points": None}, 400, "points", "Field may not be null."),
    ({"reason": ""}, 400, "reason", "Length must be between 1 and 500."),
    ({"reason": "x" * 501}, 400, "reason", "Length must be between 1 and 500."),
    ({"reason": "   "}, 400, "reason", "say why, in 1 to 500 characters"),
    ({"reason": "a\x00b"}, 400, "reason", "holds a NUL character"),
    ({"key": ""}, 400, "key", "Length must be between 1 and 255."),
    ({"key": "k" * 256}, 400, "key", "Length must be between 1 and 255."),
    ({"member": ""}, 400, "member", "Length must be between 1 and 255."),
    ({"member": "zoe"}, 404, "", "member: unknown member 'zoe'"),
    ({"extra": 1}, 400, "extra", "Unknown field."),
]


@pytest.mark.parametrize(("change", "code", "field", "message"), BAD)
def test_bad_input_is_refused_by_field_and_writes_nothing(
    as_user: AsUser, host: Engagement, change: dict[str, Any], code: int, field: str, message: str
) -> None:
    before = row_counts(host)
    answer = as_user("hr").post("/admin/adjustments", json={**GIVEN, **change})
    assert answer.status_code == code, answer.json
    if field:
        assert any(message in m for m in answer.json["errors"][field]), answer.json
    else:
        assert message in answer.json["message"]
    assert row_counts(host) == before


def test_a_missing_field_is_named(as_user: AsUser, host: Engagement) -> None:
    for name in GIVEN:
        body = {k: v for k, v in GIVEN.items() if k != name}
        answer = as_user("hr").post("/admin/adjustments", json=body)
        assert answer.status_code == 400
        assert answer.json["errors"][name] == ["Missing data for required field."]
    assert host.ledger.entries() == []
