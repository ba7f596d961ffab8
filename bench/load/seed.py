"""The demo's two databases for a run: its users (SQLite, read-only under load) and
the programme (a private PostgreSQL database), and the session cookies of its users.

The users are the host's, so they go in the host's own table; the members are
enrolled through the engine, as the demo's ``init-db`` does.  Each member also gets
a little history (``record_many``) so that pages and boards have something to show.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.load.mix import CHANNELS, TEAMS, TOPICS, member_id
from demo_app.db import SCHEMA
from engagement import DEFAULT_RULES_PATH, Engagement

SECRET_KEY = "load-test-only"


def config(database_url: str, users: Path) -> dict[str, Any]:
    """The demo's configuration for a run (the workers and the cookie maker share it)."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE": str(users),
        "ENGAGEMENT_DATABASE_URL": database_url,
        "ENGAGEMENT_CREATE_SCHEMA": False,
        "ENGAGEMENT_RULES": str(DEFAULT_RULES_PATH),
        "ENGAGEMENT_ENGINE_OPTIONS": {"outbox": True},
    }


def users(path: Path, members: int) -> None:
    """The host's user table: ``members`` members (user ids 1…) and one administrator."""
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO user (id, username, display_name, team, is_admin) VALUES (?, ?, ?, ?, 0)",
            [(n + 1, member_id(n), f"Member {n}", f"team-{n % TEAMS}") for n in range(members)],
        )
        db.execute("INSERT INTO user (username, display_name, is_admin) VALUES ('hr', 'HR', 1)")
    db.close()


def programme(url: str, members: int, history: int) -> int:
    """Create the engine's tables, enrol the members (four in five opted in to the
    boards) and record ``history`` actions each over the past weeks; the actions logged."""
    engine = Engagement(url, outbox=True)
    try:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        for n in range(members):
            engine.members.upsert(
                member_id(n),
                display_name=f"Member {n}",
                team=f"team-{n % TEAMS}",
                opted_in=n % 5 != 0,
                timezone="Europe/Paris",
            )
        now = datetime.now(UTC)
        past = [
            {
                "key": f"seed-{n}-{i}",
                "member": member_id(n),
                "verb": "share",
                "channel": CHANNELS[(n + i) % len(CHANNELS)],
                "content": {"id": f"c{(n * 7 + i) % 400}", "topics": [TOPICS[i % len(TOPICS)]]},
                "at": now - timedelta(days=28) + timedelta(minutes=37 * i + n % 60),
            }
            for i in range(history)
            for n in range(members)
        ]
        past.sort(key=lambda action: action["at"])
        for start in range(0, len(past), 2000):
            engine.record_many(past[start : start + 2000])
    finally:
        engine.close()
    return members * history


def cookies(database_url: str, users_path: Path, members: int) -> list[str]:
    """The ``Cookie`` header of each member's signed-in session, signed as the demo's
    own login would sign it (user ``n + 1`` is member ``n``)."""
    from demo_app import create_app

    app = create_app(config(database_url, users_path))
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    name = app.config["SESSION_COOKIE_NAME"]
    made = [f"{name}={serializer.dumps({'user_id': n + 1})}" for n in range(members)]
    app.extensions["engagement"].engine.close()  # the cookies need no database
    return made
