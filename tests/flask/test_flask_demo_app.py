"""The demo host (demo_app/): its own users and login, the extension as documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from demo_app import create_app
from demo_app.db import init_db
from engagement.flask import state


@pytest.fixture
def demo(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "demo.sqlite"),
         "ENGAGEMENT_DATABASE_URL": database_url}
    )  # fmt: skip
    with app.app_context():
        init_db()
    yield app
    with app.app_context():
        state().engine.close()


def log_in(client: FlaskClient, user_id: int) -> None:
    assert client.post("/auth/login", data={"user_id": user_id}).status_code == 302


def test_log_in_as_then_share_through_the_api(demo: Flask) -> None:
    client = demo.test_client()
    assert client.get("/").headers["Location"] == "/auth/login"
    assert "Léa Martin" in client.get("/auth/login").get_data(as_text=True)
    assert client.get("/engagement/me").status_code == 401
    log_in(client, 1)
    action = {
        "key": "demo:1",
        "verb": "share",
        "channel": "linkedin",
        "text": "What our team learnt shipping this, in my own words",
        "content": {"id": "article-of-the-week", "kind": "industry", "topics": ["ai"]},
    }
    recorded = client.post("/engagement/actions", json=action)
    assert recorded.status_code == 201 and recorded.json["member"] == "lea"
    page = client.get("/").get_data(as_text=True)
    assert f"{recorded.json['points']} points" in page
    form = client.post("/engagement/actions", data={"key": "demo:2", "verb": "share"})
    assert form.status_code == 415


def test_names_are_escaped_and_members_stay_apart(demo: Flask) -> None:
    jane, hr = demo.test_client(), demo.test_client()
    log_in(jane, 3)
    log_in(hr, 4)
    assert jane.put("/engagement/me/consent", json={"opted_in": True}).status_code == 200
    board = jane.get("/").get_data(as_text=True)
    assert "Jane &lt;em&gt;Doe&lt;/em&gt;" in board and "<em>Doe" not in board
    assert jane.get("/engagement/admin/rules").status_code == 403
    assert hr.get("/engagement/me").status_code == 403
    report = hr.get("/engagement/admin/report?period=all")
    assert report.status_code == 200 and report.json["overall"]["enrolled"] == 3
    profile = hr.get("/engagement/members/jane").json
    assert profile["display_name"] == "Jane <em>Doe</em>"  # JSON: the host escapes on display
