"""Shared fixtures: an engine on SQLite and on PostgreSQL through one parameter.

PostgreSQL tests run in a schema of their own, dropped afterwards, so they never
touch other data in the database.  Where the server is not reachable they skip,
unless ``ENGAGEMENT_REQUIRE_PG=1`` (CI sets it) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, abort, request
from flask.testing import FlaskClient

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.flask import FlaskEngagement
from engagement.storage.tables import metadata

PG_URL = os.environ.get(
    "ENGAGEMENT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PARIS_SUMMER = timezone(timedelta(hours=2))
MONDAY = datetime(2026, 7, 6, 9, 0, tzinfo=PARIS_SUMMER)
"""A Monday morning in Paris (summer time): the start of an ISO week there."""


def _postgres_available() -> bool:
    probe = sa.create_engine(PG_URL, poolclass=sa.NullPool)
    try:
        with probe.connect() as connection:
            connection.execute(sa.text("select 1"))
        return True
    except sa.exc.OperationalError:
        return False
    finally:
        probe.dispose()


@pytest.fixture(scope="session")
def postgres_ready() -> None:
    if not _postgres_available():
        if os.environ.get("ENGAGEMENT_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required (ENGAGEMENT_REQUIRE_PG=1) but {PG_URL} is down")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")


@pytest.fixture
def pg_schema_url(postgres_ready: None) -> Iterator[str]:
    """A URL whose connections use a fresh, private PostgreSQL schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, poolclass=sa.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'engagement.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engagement]:
    """An engine with its tables and the shipped default rules active."""
    engagement = Engagement(database_url)
    engagement.create_schema()
    engagement.activate_rules(DEFAULT_RULES_PATH)
    yield engagement
    engagement.database.dispose()


@pytest.fixture
def memory_engine() -> Iterator[Engagement]:
    """A fast in-memory SQLite engine, for tests about scoring rather than storage."""
    engagement = Engagement("sqlite://")
    engagement.create_schema()
    engagement.activate_rules(DEFAULT_RULES_PATH)
    yield engagement
    engagement.database.dispose()


@pytest.fixture
def programme(database_url: str) -> Iterator[Engagement]:
    """The shipped rules with ana and ben enrolled (not opted in), on SQLite and
    PostgreSQL; a test module may define its own ``programme`` instead."""
    with Engagement(database_url) as engine:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        for member in ("ana", "ben"):
            engine.members.upsert(member)
        yield engine


ActionFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_action() -> ActionFactory:
    """Build action dicts with sensible defaults; every call gets a fresh key."""
    counter = iter(range(1_000_000))

    def build(
        member: str = "alice",
        verb: str = "share",
        at: datetime = MONDAY,
        **fields: Any,
    ) -> dict[str, Any]:
        action: dict[str, Any] = {
            "key": fields.pop("key", f"{member}-{next(counter)}"),
            "member": member,
            "verb": verb,
            "at": at.isoformat(),
        }
        if verb in ("share", "read", "suggest"):
            action["content"] = {"id": "c-1", "kind": "industry", "topics": ["ai"]}
            action["channel"] = "linkedin" if verb == "share" else "intranet"
        action.update(fields)
        return action

    return build


BASE_RULES = """
timezone: Europe/Paris
verbs:
  share: {points: 10, content: required}
  read: {points: 1}
  post: {points: 30, content: none}
  kudos: {points: 5, target: required, content: none}
"""


@pytest.fixture
def engine_with() -> Iterator[Callable[[str], Engagement]]:
    """In-memory engines whose rules are the base verbs plus the YAML ``rules:`` given."""
    created: list[Engagement] = []

    def build(rules_yaml: str, *, members: tuple[str, ...] = ("alice", "bob")) -> Engagement:
        engagement = Engagement("sqlite://")
        engagement.create_schema()
        engagement.activate_rules(engagement.load_rules_text(BASE_RULES + rules_yaml))
        for member in members:
            engagement.members.upsert(member, timezone="Europe/Paris")
        created.append(engagement)
        return engagement

    yield build
    for engagement in created:
        engagement.database.dispose()


PERSONAL = "Here is my own honest take on this topic for colleagues and friends"
"""A text with plenty of the member's own words: a personal share."""


@pytest.fixture
def badge_engine() -> Iterator[Callable[..., Engagement]]:
    """In-memory engines with the base verbs and the YAML sections given."""
    created: list[Engagement] = []

    def build(
        sections: str, *, members: tuple[str, ...] = ("alice", "bob", "carol", "dave"), **kw: Any
    ) -> Engagement:
        engagement = Engagement("sqlite://")
        engagement.create_schema()
        engagement.activate_rules(engagement.load_rules_text(BASE_RULES + sections))
        for member in members:
            engagement.members.upsert(member, timezone=kw.get("timezone", "Europe/Paris"))
        created.append(engagement)
        return engagement

    yield build
    for engagement in created:
        engagement.database.dispose()


RECOGNITION_RULES = """
levels:
  - {points: 0, name: Newcomer}
  - {points: 10, name: Active}
badges:
  - {id: first-share, name: First share, criteria: {kind: first, verbs: [share]}}
  - {id: spotlight, name: Spotlight, criteria: {kind: manual}}
challenges:
  - id: sprint
    name: Sprint
    starts: 2026-07-01
    ends: 2026-07-31
    goal: {kind: count, verbs: [share]}
    target: 1
"""
"""A first share earns every kind of event: points, a badge, a level, a challenge."""


@pytest.fixture
def recognising(database_url: str) -> Iterator[Callable[..., Engagement]]:
    """Engines on SQLite and PostgreSQL with :data:`RECOGNITION_RULES`, members alice,
    bob and carol; ``outbox=True`` gives them an outbox.  Engines built by one test
    share its database."""
    created: list[Engagement] = []

    def build(*, outbox: bool = False) -> Engagement:
        engagement = Engagement(database_url, outbox=outbox)
        if not created:
            engagement.create_schema()
            engagement.activate_rules(engagement.load_rules_text(BASE_RULES + RECOGNITION_RULES))
            for member, name in (("alice", "Alice"), ("bob", "Bob"), ("carol", None)):
                engagement.members.upsert(member, display_name=name, timezone="Europe/Paris")
        created.append(engagement)
        return engagement

    yield build
    for engagement in created:
        engagement.close()


Share = Callable[..., dict[str, Any]]


@pytest.fixture
def share() -> Share:
    """A personal share by ``member`` ``hours`` after :data:`MONDAY`; fresh key each time."""
    counter = iter(range(1_000_000))

    def build(
        member: str = "alice",
        hours: float = 0,
        *,
        at: datetime | None = None,
        personal: bool = True,
        channel: str = "linkedin",
        topics: tuple[str, ...] = ("ai",),
        kind: str = "industry",
        verb: str = "share",
        **fields: Any,
    ) -> dict[str, Any]:
        n = next(counter)
        action: dict[str, Any] = {
            "key": f"{member}-{verb}-{n}",
            "member": member,
            "verb": verb,
            "at": (at or MONDAY + timedelta(hours=hours)).isoformat(),
        }
        if verb == "share":
            action["channel"] = channel
            action["content"] = {"id": f"c-{n}", "kind": kind, "topics": list(topics)}
            if personal:
                action["text"] = f"{PERSONAL} number {n}"
        action.update(fields)
        return action

    return build


# -- leaderboards --------------------------------------------------------------------

BOARD_RULES = """
timezone: Europe/Paris
verbs:
  share: {points: 10}
  post: {points: 30, content: none}
  kudos: {points: 5, target: required, content: none}
leaderboards:
  bands: [10, 25, 50]
  seasons:
    - {id: autumn, name: {en: Autumn, fr: Automne}, starts: 2026-09-01, ends: 2026-11-30}
"""

BoardEngine = Callable[..., Engagement]


@pytest.fixture
def board_engine(database_url: str) -> Iterator[BoardEngine]:
    """Engines on SQLite and PostgreSQL with :data:`BOARD_RULES` plus ``extra`` YAML,
    and members (id, team, opted in) created in the order given."""
    created: list[Engagement] = []

    def build(
        members: tuple[tuple[str, str | None, bool], ...] = (),
        *,
        extra: str = "",
        rules: str = BOARD_RULES,
    ) -> Engagement:
        engagement = Engagement(database_url)
        engagement.create_schema()
        engagement.activate_rules(engagement.load_rules_text(rules + extra))
        for member_id, team, opted_in in members:
            engagement.members.upsert(member_id, team=team, opted_in=opted_in)
        created.append(engagement)
        return engagement

    yield build
    for engagement in created:
        engagement.close()


Act = Callable[..., dict[str, Any]]
WEDNESDAY = datetime.fromisoformat("2026-11-18T12:00:00+01:00")
"""Noon on a Wednesday in Paris (winter time), in the week of 2026-11-16."""


@pytest.fixture
def act() -> Act:
    """An action by ``member`` (``verb``, default share) ``days`` after :data:`WEDNESDAY`."""
    counter = iter(range(1_000_000))

    def build(
        member: str,
        verb: str = "share",
        *,
        days: float = 0,
        at: datetime | None = None,
        channel: str | None = "linkedin",
        topics: tuple[str, ...] = ("ai",),
        **fields: Any,
    ) -> dict[str, Any]:
        action: dict[str, Any] = {
            "key": f"{member}-{verb}-{next(counter)}",
            "member": member,
            "verb": verb,
            "at": (at or WEDNESDAY + timedelta(days=days)).isoformat(),
        }
        if verb == "share":
            action["channel"] = channel
            action["content"] = {"id": f"c-{next(counter)}", "kind": "industry", "topics": topics}
        action.update(fields)
        return action

    return build


def row_counts(engine: Engagement) -> dict[str, int]:
    """Rows in each of the engine's tables: what a refused input must leave unchanged."""
    with engine.database.connect() as connection:
        return {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in metadata.sorted_tables
        }


# -- a Flask host embedding the extension (tests/flask/) ------------------------------
# The host keeps its own users (a dict here) and says who is signed in with a header
# its test client sets; the extension learns it only through the three callbacks.


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
