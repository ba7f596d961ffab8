"""The administrators' endpoints, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from conftest import ACTION, Client

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.outbox import OutboxMessage

AsUser = Callable[[str | None], Client]
DEFAULT = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
DOUBLE_SHARES = DEFAULT.replace(
    "    points: 10          # relaying", "    points: 20          # relaying"
)


def record(client: Client, key: str, **fields: object) -> object:
    return client.post("/actions", json={**ACTION, "key": key, **fields})


def test_the_active_rule_file(as_user: AsUser) -> None:
    rules = as_user("hr").get("/admin/rules").json
    assert rules["version"] == 1 and rules["text"] == DEFAULT
    assert "share" in rules["verbs"] and "spotlight" in rules["badges"]


def test_validating_a_draft_gives_each_problem_its_line_and_path(as_user: AsUser) -> None:
    hr = as_user("hr")
    assert hr.post("/admin/rules/validate", json={"text": DEFAULT}).json["valid"] is True
    broken = "timezone: Europe/Paris\nverbs:\n  share: {points: many}\n"
    answer = hr.post("/admin/rules/validate", json={"text": broken})
    assert answer.status_code == 422
    assert answer.json["problems"] == [
        {"line": 3, "path": "verbs.share.points", "message": "input should be a valid number"}
    ]
    assert hr.post("/admin/rules/validate", json={"text": ""}).status_code == 400


def test_previewing_a_draft_replays_the_history_and_writes_nothing(
    as_user: AsUser, host: Engagement
) -> None:
    assert DOUBLE_SHARES != DEFAULT
    record(as_user("alice"), "li:1")
    record(as_user("bob"), "li:2", text=None)
    before = host.ledger.entries()
    preview = as_user("hr").post("/admin/rules/preview", json={"text": DOUBLE_SHARES}).json
    assert preview["actions"] == 2 and preview["changed_actions"] == 2
    changes = {m["member"]: (m["before"], m["after"], m["change"]) for m in preview["members"]}
    assert changes["alice"] == (35, 45, 10) and changes["carol"] == (0, 0, 0)
    assert preview["after"]["points"] == preview["before"]["points"] + 20
    assert preview["rank_changes"] == 0
    assert host.ledger.entries() == before and host.active_rules().version == 1


def test_activating_a_rule_file(as_user: AsUser, host: Engagement) -> None:
    answer = as_user("hr").post("/admin/rules/activate", json={"text": DOUBLE_SHARES})
    assert answer.status_code == 200 and answer.json["version"] == 2
    assert host.active_rules().version == 2
    assert record(as_user("bob"), "li:9", text=None).json["points"] >= 20
    bad = as_user("hr").post("/admin/rules/activate", json={"text": "verbs: 3"})
    assert bad.status_code == 422 and host.active_rules().version == 2


def test_revoking_an_action(as_user: AsUser, host: Engagement) -> None:
    record(as_user("alice"), "li:1")
    hr = as_user("hr")
    revoked = hr.post("/admin/revocations", json={"key": "li:1", "reason": "post deleted"})
    assert revoked.json == {
        "key": "li:1", "member": "alice", "points": -35, "reason": "post deleted",
        "duplicate": False,
    }  # fmt: skip
    assert host.ledger.points("alice") == 0
    again = hr.post("/admin/revocations", json={"key": "li:1", "reason": "twice"})
    assert again.json["duplicate"] is True
    unknown = hr.post("/admin/revocations", json={"key": "nope", "reason": "x"})
    assert unknown.status_code == 404 and "nope" in unknown.json["message"]


def test_granting_and_revoking_a_manual_badge(as_user: AsUser, host: Engagement) -> None:
    hr = as_user("hr")
    body = {"member": "alice", "badge": "spotlight", "reason": "post of the month"}
    granted = hr.post("/admin/badges/grant", json=body)
    assert granted.status_code == 200 and granted.json["badge"] == "spotlight"
    assert "spotlight" in host.badges.earned("alice")
    revoked = hr.post("/admin/badges/revoke", json={**body, "reason": "by mistake"})
    assert [r["badge"] for r in revoked.json] == ["spotlight"]
    assert "spotlight" not in host.badges.earned("alice")
    unknown = hr.post("/admin/badges/grant", json={**body, "badge": "no-such-badge"})
    assert unknown.status_code in (400, 404) and "no-such-badge" in unknown.json["message"]


def test_the_programme_report_as_json_and_csv(as_user: AsUser) -> None:
    record(as_user("alice"), "li:1")
    hr = as_user("hr")
    report = hr.get("/admin/report?period=all&by_team=true").json
    assert report["overall"]["actions"] == 1
    assert {team["team"] for team in report["teams"]} >= {"Sales"}
    answer = hr.get("/admin/report.csv?period=all")
    assert answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert any(row["metric"] == "actions" and row["value"] == "1" for row in rows)
    assert hr.get("/admin/report?period=fortnight").status_code == 400


def test_dead_letters_of_the_outbox(as_user: AsUser, database_url: str) -> None:
    with Engagement(database_url, outbox=True) as writer:
        writer.record({**ACTION, "key": "li:1", "member": "alice"})

        def refuse(message: OutboxMessage) -> None:
            raise RuntimeError("receiver down")

        writer.outbox.drain(refuse, max_attempts=1)
    dead = as_user("hr").get("/admin/outbox/dead").json
    assert dead and all(letter["last_error"] for letter in dead)
    assert {letter["event"] for letter in dead} >= {"action-recorded"}
