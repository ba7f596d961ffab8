"""The smallest honest host: an intranet with its own users that embeds engagement.

Run it with ``flask --app demo_app init-db`` once, then ``flask --app demo_app run``
and open http://127.0.0.1:5000/.  The app keeps its users in its own table and its
own login ("log in as" a seeded user: a demo has no passwords); the extension is
embedded exactly as docs/flask.md says.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g

from engagement import DEFAULT_RULES_PATH
from engagement.flask import FlaskEngagement

ext = FlaskEngagement()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY="dev",  # replace it in instance/config.py
        DATABASE=os.path.join(app.instance_path, "demo.sqlite"),
        ENGAGEMENT_DATABASE_URL="sqlite:///" + os.path.join(app.instance_path, "engagement.db"),
        ENGAGEMENT_CREATE_SCHEMA=True,
        ENGAGEMENT_RULES=str(DEFAULT_RULES_PATH),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    from demo_app import auth, db, pages

    db.init_app(app)
    ext.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    return app


@ext.member_loader
def current_member() -> str | None:
    """The signed-in user's member id (the demo uses usernames); the programme
    team administers the programme without taking part in it."""
    user = g.get("user")
    return str(user["username"]) if user is not None and not user["is_admin"] else None


@ext.administrator_check
def is_administrator() -> bool:
    user = g.get("user")
    return bool(user is not None and user["is_admin"])


@ext.member_display
def display_name(member_id: str) -> str | None:
    from demo_app.db import get_db

    row = (
        get_db()
        .execute("SELECT display_name FROM user WHERE username = ?", (member_id,))
        .fetchone()
    )
    return str(row["display_name"]) if row is not None else None
