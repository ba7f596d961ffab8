"""The host's own database: its users, in the style of Flask's tutorial."""

from __future__ import annotations

import sqlite3
from typing import Any

import click
from flask import Flask, current_app, g

from engagement.flask import state

SCHEMA = """
DROP TABLE IF EXISTS user;
CREATE TABLE user (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT UNIQUE NOT NULL,
  display_name TEXT NOT NULL,
  team TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0
);
"""
USERS = [
    ("lea", "Léa Martin", "Sales", 0),
    ("omar", "Omar Haddad", "Sales", 0),
    ("jane", "Jane <em>Doe</em>", "Engineering", 0),
    ("hr", "Programme team", None, 1),
]
"""Seeded users; ``hr`` administers the programme (and is not a member)."""


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES)
        g.db.row_factory = sqlite3.Row
    connection: sqlite3.Connection = g.db
    return connection


def close_db(_: Any = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Create the users and enrol the members among them in the programme."""
    db = get_db()
    db.executescript(SCHEMA)
    db.executemany(
        "INSERT INTO user (username, display_name, team, is_admin) VALUES (?, ?, ?, ?)", USERS
    )
    db.commit()
    members = state().engine.members
    for username, name, team, is_admin in USERS:
        if not is_admin:
            members.upsert(username, display_name=name, team=team, timezone="Europe/Paris")


@click.command("init-db")
def init_db_command() -> None:
    """Clear the users, seed the demo's, and enrol them."""
    init_db()
    click.echo("Initialised the database.")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
