"""Who may call what: anonymous, a member, another member, an administrator × every
endpoint; and what a cross-site page, a huge body or a flood of requests gets."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import ACTION, Client, build_app
from flask import Flask, request

from engagement import DEFAULT_RULES_PATH, Engagement

AsUser = Callable[[str | None], Client]
RULES = {"text": DEFAULT_RULES_PATH.read_text(encoding="utf-8")}
BADGE = {"member": "alice", "badge": "spotlight", "reason": "post of the month"}
ADJUSTMENT = {"member": "alice", "points": 5, "reason": "prize", "key": "matrix-adjust"}

# (method, path, body, who may call it): "member" endpoints act on the caller's own
# data; "user" ones are open to anyone signed in; "admin" ones to administrators.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("POST", "/actions", {**ACTION, "key": "matrix-1"}, "member"),
    ("POST", "/kudos", {"to": "carol", "key": "matrix-kudos"}, "member"),
    ("GET", "/me", None, "member"),
    ("GET", "/me/export", None, "member"),
    ("PUT", "/me/consent", {"opted_in": True}, "member"),
    ("GET", "/members/alice", None, "user"),
    ("GET", "/leaderboards?period=all", None, "user"),
    ("GET", "/leaderboards/around-me?period=all", None, "member"),
    ("GET", "/badges", None, "user"),
    ("GET", "/admin/rules", None, "admin"),
    ("POST", "/admin/rules/validate", RULES, "admin"),
    ("POST", "/admin/rules/preview", RULES, "admin"),
    ("POST", "/admin/rules/activate", RULES, "admin"),
    ("POST", "/admin/revocations", {"key": "alice-share", "reason": "deleted"}, "admin"),
    ("POST", "/admin/adjustments", ADJUSTMENT, "admin"),
    ("POST", "/admin/badges/grant", BADGE, "admin"),
    ("POST", "/admin/badges/revoke", BADGE, "admin"),
    ("GET", "/admin/report?period=all", None, "admin"),
    ("GET", "/admin/report.csv?period=all", None, "admin"),
    ("GET", "/admin/outbox/dead", None, "admin"),
    ("POST", "/me/erase", {"confirm": True}, "member"),
]
ROLES = {"anonymous": None, "member": "alice", "other member": "bob", "administrator": "hr"}


def expected(role: str, access: str) -> int:
    if role == "anonymous":
        return 401
    if access == "admin":
        return 200 if role == "administrator" else 403
    if access == "member":
        return 403 if role == "administrator" else 200
    return 200


def test_the_matrix_covers_every_documented_endpoint(app: Flask) -> None:
    document = app.test_client().get("/engagement/openapi.json").json
    documented = {
        (method.upper(), path.removeprefix("/engagement"))
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    covered = {(method, path.split("?")[0].replace("/alice", "/{member_id}"))
               for method, path, _, _ in ENDPOINTS}  # fmt: skip
    assert documented == covered


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_on_every_endpoint(as_user: AsUser, host: Engagement, role: str) -> None:
    """One client per role walks every endpoint in order (erasure last)."""
    host.record({**ACTION, "key": "alice-share", "member": "alice"})
    client = as_user(ROLES[role])
    for method, path, body, access in ENDPOINTS:
        alice_before = (host.ledger.entries("alice"), host.members.get("alice"))
        answer = client.open(method, path, json=body)
        allowed = {expected(role, access)} | ({201} if method == "POST" else set())
        assert answer.status_code in allowed, (method, path, answer.json)
        assert answer.mimetype in ("application/json", "text/csv"), (method, path)
        if answer.status_code >= 400:
            assert set(answer.json) >= {"code", "status", "message"}
        if role == "other member":
            # bob acts as bob only: alice's points, consent and data are as they were
            after = (host.ledger.entries("alice"), host.members.get("alice"))
            assert after == alice_before, (method, path)
            if path in ("/me", "/me/export"):
                assert "bob" in str(answer.json) and "alice-share" not in str(answer.json)


def test_a_cross_site_form_post_cannot_record_or_erase(as_user: AsUser, host: Engagement) -> None:
    alice = as_user("alice")
    evil = {"Origin": "https://evil.example"}
    for path, form in (
        ("/actions", {"key": "x", "verb": "share"}),
        ("/me/erase", {"confirm": "1"}),
    ):
        answer = alice.post(path, data=form, headers=evil)
        assert answer.status_code == 403
        assert answer.json["message"].startswith("cross-site request refused")
        same_site_form = alice.post(path, data=form, headers={"Origin": "http://localhost"})
        assert same_site_form.status_code == 415
    as_json = alice.post("/me/erase", json={"confirm": True}, headers=evil)
    assert as_json.status_code == 403
    referer = alice.post("/me/erase", json={"confirm": True},
                         headers={"Referer": "https://evil.example/page"})  # fmt: skip
    assert referer.status_code == 403
    assert host.members.get("alice") is not None


def test_origins_the_host_trusts_and_its_own_csrf_check(host: Engagement) -> None:
    app = build_app(host, ENGAGEMENT_TRUSTED_ORIGINS=["https://intranet.example"])
    client = Client(app.test_client(), "alice")
    body = {"opted_in": False}
    trusted = client.put("/me/consent", json=body, headers={"Origin": "https://intranet.example"})
    assert trusted.status_code == 200
    assert (
        client.put("/me/consent", json=body, headers={"Origin": "https://x.example"}).status_code
        == 403
    )

    checked = build_app(host)
    checked.extensions["engagement"].extension.set_csrf_check(
        lambda: request.headers.get("X-CSRF-Token") == "secret"
    )
    client = Client(checked.test_client(), "alice")
    assert client.put("/me/consent", json=body).status_code == 403
    good = client.put("/me/consent", json=body, headers={"X-CSRF-Token": "secret"})
    assert good.status_code == 200


def test_bodies_over_the_limit_are_413(host: Engagement) -> None:
    app = build_app(host, ENGAGEMENT_MAX_BODY_BYTES=1024)
    client = Client(app.test_client(), "alice")
    big = {**ACTION, "key": "big", "text": "word " * 400}
    answer = client.post("/actions", json=big)
    assert answer.status_code == 413 and "limit of 1024" in answer.json["message"]

    body = b'{"key": "big", "verb": "share", "text": "' + b"word " * 1000 + b'"}'
    chunked = client.post(  # no Content-Length: the limit is applied while reading
        "/actions",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert chunked.json["message"] == "the body has more than the limit of 1024 bytes"
    small = client.post(
        "/actions",
        input_stream=io.BytesIO(json.dumps({**ACTION, "key": "small"}).encode()),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert small.status_code == 201
    assert chunked.status_code == 413
    # a rule file may be larger than an action
    rules = Client(app.test_client(), "hr").post("/admin/rules/validate", json=RULES)
    assert rules.status_code == 200


def test_a_rate_limit_where_the_host_sets_one(host: Engagement) -> None:
    app = build_app(host, ENGAGEMENT_RATE_LIMIT=2)
    alice, bob = Client(app.test_client(), "alice"), Client(app.test_client(), "bob")
    codes = [alice.put("/me/consent", json={"opted_in": True}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = alice.put("/me/consent", json={"opted_in": True})
    assert refused.headers["Retry-After"] == "60" and refused.json["code"] == 429
    assert bob.put("/me/consent", json={"opted_in": True}).status_code == 200
    assert alice.get("/me").status_code == 200  # reading is not limited


def test_answers_are_never_html_nor_cached(as_user: AsUser) -> None:
    for answer in (
        as_user("alice").get("/me"),
        as_user(None).get("/me"),
        as_user("alice").post("/me"),
        as_user("alice").get("/<script>"),
        as_user("alice").post("/actions", data="not json", content_type="application/json"),
    ):
        assert answer.mimetype == "application/json"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"


def test_a_view_that_declares_no_access_is_refused_to_everyone(host: Engagement) -> None:
    from engagement.flask._blueprint import ApiBlueprint

    extra = ApiBlueprint("extra", __name__, description="a view added carelessly")

    @extra.route("/careless", methods=["GET"])
    def careless() -> dict[str, str]:
        return {"secret": "data"}

    app = build_app(host)
    app.register_blueprint(extra.blueprint, url_prefix="/extra")
    for user in ("alice", "hr"):
        answer = Client(app.test_client(), user).client.get(
            "/extra/careless", headers={"X-Test-User": user}
        )
        assert answer.status_code == 403
        assert answer.json["message"] == "this endpoint declares no access; nobody may call it"
