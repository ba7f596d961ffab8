"""The members' endpoints through the test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from conftest import ACTION, Client

from engagement import Engagement

AsUser = Callable[[str | None], Client]


def record(client: Client, key: str, **fields: object) -> object:
    return client.post("/actions", json={**ACTION, "key": key, **fields})


def test_record_as_the_current_member(as_user: AsUser, host: Engagement) -> None:
    answer = record(as_user("alice"), "li:1")
    assert answer.status_code == 201
    award = answer.json
    assert award["member"] == "alice" and award["points"] == 35 and not award["duplicate"]
    assert award["summary"].startswith("+10 share, +15 personal words")
    assert award["steps"][0]["rule"] == "verbs.share"
    assert host.ledger.points("alice") == 35


def test_recording_a_key_again_answers_the_first_award(as_user: AsUser) -> None:
    alice = as_user("alice")
    first = record(alice, "li:1").json
    again = record(alice, "li:1")
    assert again.status_code == 200
    assert again.json == {**first, "duplicate": True, "badges": []}


def test_a_key_of_another_members_action_is_a_conflict(as_user: AsUser) -> None:
    record(as_user("alice"), "li:1")
    answer = record(as_user("bob"), "li:1")
    assert answer.status_code == 409
    assert answer.json["message"].startswith("key: already used for another action")
    assert "alice" not in answer.json["message"]


def test_a_key_reused_for_another_verb_is_a_conflict(as_user: AsUser) -> None:
    alice = as_user("alice")
    record(alice, "li:1")
    answer = alice.post("/actions", json={"key": "li:1", "verb": "post"})
    assert answer.status_code == 409 and answer.json["message"].startswith("key: already used")
    kudos = alice.post("/kudos", json={"to": "bob", "key": "li:1"})
    assert kudos.status_code == 409


def test_a_member_cannot_record_for_someone_else(as_user: AsUser, host: Engagement) -> None:
    answer = record(as_user("alice"), "li:1", member="bob")
    assert answer.status_code == 400
    assert answer.json["errors"] == {"member": ["Unknown field."]}
    assert host.ledger.points("bob") == 0


def test_bad_fields_are_400_with_the_engines_message(as_user: AsUser) -> None:
    alice = as_user("alice")
    unknown_verb = record(alice, "k", verb="dance")
    assert unknown_verb.status_code == 400
    assert unknown_verb.json["errors"]["verb"][0].startswith("unknown verb 'dance'; known:")
    naive = record(alice, "k", at="2026-07-06T09:15:00")
    assert naive.status_code == 400 and "at" in naive.json["errors"]
    typed = record(alice, "k", content={"id": 3})
    assert typed.json["errors"] == {"content.id": ["Not a valid string."]}
    nul = record(alice, "k", text="a\x00b")
    assert nul.status_code == 400 and "NUL" in nul.json["message"]


def test_a_member_not_enrolled_is_told_so(as_user: AsUser) -> None:
    answer = record(as_user("ghost"), "k")
    assert answer.status_code == 404
    assert "ghost" in answer.json["message"]
    assert as_user("ghost").get("/me").status_code == 404


def test_me_summarises_points_level_badges_boards_and_a_page_of_ledger(as_user: AsUser) -> None:
    alice = as_user("alice")
    for n in range(3):
        record(alice, f"li:{n}", content={"id": f"c-{n}", "kind": "industry", "topics": ["ai"]})
    page = alice.get("/me?per_page=2").json
    assert page["member"]["member"] == "alice" and page["points"] > 0
    assert page["level"]["level"] >= 1
    assert any(badge["badge"] == "storyteller" for badge in page["badges"])
    assert all(item["hint"] for item in page["next"])
    periods = [(board["period"].split(":")[0], board["scope"]) for board in page["boards"]]
    assert ("week", "everyone") in periods and ("all", "team:Sales") in periods
    assert len(periods) == 10
    ledger = page["ledger"]
    assert (ledger["total"], ledger["page"], ledger["per_page"]) == (3, 1, 2)
    assert [entry["key"] for entry in ledger["entries"]] == ["li:2", "li:1"]
    assert ledger["entries"][0]["summary"].startswith("+10 share")
    second = alice.get("/me?per_page=2&page=2").json["ledger"]["entries"]
    assert [entry["key"] for entry in second] == ["li:0"]
    assert alice.get("/me?per_page=0").status_code == 400


def test_a_public_profile_shows_only_members_who_opted_in(as_user: AsUser) -> None:
    record(as_user("alice"), "li:1")
    profile = as_user("carol").get("/members/alice")
    assert profile.status_code == 200
    assert profile.json["display_name"] == "Alice Martin"  # the host's display callback
    assert set(profile.json) == {
        "member", "display_name", "team", "points", "level", "level_name", "badges",
    }  # fmt: skip
    hidden = as_user("alice").get("/members/carol")
    assert hidden.status_code == 404
    assert as_user("alice").get("/members/nobody").json == hidden.json | {
        "message": "no public profile for 'nobody'"
    }


def test_leaderboards_and_around_me(as_user: AsUser) -> None:
    record(as_user("alice"), "li:1")
    record(as_user("bob"), "li:2", text=None)
    record(as_user("carol"), "li:3")
    board = as_user("carol").get("/leaderboards?period=all").json
    assert [entry["member"] for entry in board["entries"]] == ["alice", "bob"]  # carol hid
    assert board["entries"][1]["display_name"] == "Bob <b>Durand</b>"  # JSON, not HTML
    team = as_user("alice").get("/leaderboards?period=all&team=Sales&metric=variety").json
    assert team["scope"] == "team:Sales" and team["metric"] == "variety"
    mine = as_user("carol").get("/leaderboards/around-me?period=all&k=1").json
    assert mine["me"]["you"] and not mine["me"]["public"]
    assert as_user("alice").get("/leaderboards?period=decade").status_code == 400


def test_the_badge_catalogue_hides_secret_badges_until_earned(as_user: AsUser) -> None:
    alice = as_user("alice")
    assert "pathfinder" not in {badge["id"] for badge in alice.get("/badges").json}
    assert "pathfinder" in {badge["id"] for badge in as_user("hr").get("/badges").json}
    record(alice, "xing:1", channel="xing")
    assert "pathfinder" in {badge["id"] for badge in alice.get("/badges").json}
    assert "pathfinder" not in {badge["id"] for badge in as_user("bob").get("/badges").json}


def test_kudos_to_a_colleague(as_user: AsUser, host: Engagement) -> None:
    given = as_user("alice").post("/kudos", json={"to": "bob", "text": "Thanks!", "key": "k-1"})
    assert given.status_code == 201 and given.json["verb"] == "kudos"
    assert as_user("alice").post("/kudos", json={"to": "bob", "key": "k-1"}).status_code == 200
    stranger = as_user("alice").post("/kudos", json={"to": "nobody"})
    assert stranger.status_code in (400, 404) and "nobody" in stranger.json["message"]


def test_opting_out_and_in(as_user: AsUser, host: Engagement) -> None:
    record(as_user("alice"), "li:1")
    out = as_user("alice").put("/me/consent", json={"opted_in": False})
    assert out.status_code == 200 and out.json["opted_in"] is False
    assert as_user("bob").get("/leaderboards?period=all").json["entries"] == []
    assert as_user("bob").get("/members/alice").status_code == 404
    assert as_user("alice").put("/me/consent", json={"opted_in": True}).json["opted_in"]
    assert as_user("bob").get("/members/alice").status_code == 200


def test_export_and_erase_my_data(as_user: AsUser, host: Engagement) -> None:
    alice = as_user("alice")
    record(alice, "li:1")
    exported = alice.get("/me/export").json
    assert exported["member"]["member_id"] == "alice" and len(exported["actions"]) == 1
    refused = alice.post("/me/erase", json={"confirm": False})
    assert refused.status_code == 400
    assert refused.json["errors"]["confirm"] == ["send true to confirm: erasure cannot be undone"]
    erased = alice.post("/me/erase", json={"confirm": True})
    assert erased.status_code == 200 and erased.json["texts_removed"] == 1
    assert host.members.get("alice") is None
    assert alice.get("/me").status_code == 404
