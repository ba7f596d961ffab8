"""A host application embedding the extension, on SQLite and PostgreSQL.

The host keeps its own users (a dict here) and says who is signed in with a header
its test client sets; the extension learns it only through the three callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, abort, request
from flask.testing import FlaskClient

from engagement import Engagement
from engagement.flask import FlaskEngagement


@dataclass(frozen=True)
class User:
    login: str
    member: str | None
    admin: bool = False
    name: str | None = None


USERS = {
    "alice": User("alice", "alice", name="Alice Martin"),
    "bob": User("bob", "bob", name="Bob <b>Durand</b>"),
    "carol": User("carol", "carol"),
    "hr": User("hr", None, admin=True),
    "boss": User("boss", "boss", admin=True),
    "ghost": User("ghost", "ghost"),
}
"""The host's users: ``ghost`` is a member id the programme never enrolled."""


def current_user() -> User | None:
    login = request.headers.get("X-Test-User")
    return USERS.get(login) if login else None


def build_app(engine: Engagement, **config: Any) -> Flask:
    app = Flask("host")
    app.config.update(TESTING=True, **config)
    ext = FlaskEngagement(engine=engine)

    @ext.member_loader
    def member() -> str | None:
        user = current_user()
        return user.member if user else None

    @ext.administrator_check
    def administrator() -> bool:
        user = current_user()
        return bool(user and user.admin)

    @ext.member_display
    def display(member_id: str) -> str | None:
        user = USERS.get(member_id)
        return user.name if user else None

    ext.init_app(app)

    @app.route("/host-page")
    def host_page() -> str:
        abort(404)

    return app


@pytest.fixture
def host(engine: Engagement) -> Engagement:
    """The engine with the host's members enrolled: alice and bob opted in, in Sales."""
    engine.members.upsert("alice", display_name="Alice", team="Sales", opted_in=True)
    engine.members.upsert("bob", display_name="Bob", team="Sales", opted_in=True)
    engine.members.upsert("carol", display_name="Carol", team="Ops")
    engine.members.upsert("boss", display_name="Boss", team="Ops")
    return engine


@pytest.fixture
def app(host: Engagement) -> Iterator[Flask]:
    yield build_app(host)


class Client:
    """The test client, signed in as one of the host's users (or nobody)."""

    def __init__(self, client: FlaskClient, user: str | None) -> None:
        self.client = client
        self.user = user

    def open(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if self.user is not None:
            headers["X-Test-User"] = self.user
        return self.client.open(f"/engagement{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)


@pytest.fixture
def as_user(app: Flask) -> Callable[[str | None], Client]:
    """``as_user("alice")``: a client signed in as alice; ``as_user(None)``: anonymous."""
    return lambda user: Client(app.test_client(), user)


ACTION = {
    "verb": "share",
    "at": "2026-07-06T09:15:00+02:00",
    "channel": "linkedin",
    "text": "Our Lyon team built this in three months, here is what surprised me",
    "content": {"id": "c-17", "kind": "industry", "topics": ["ai"]},
}
"""A personal share, as a member's browser sends it (no ``member``: it is who asks)."""
