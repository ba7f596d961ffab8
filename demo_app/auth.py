"""The host's login: "log in as" one of its users (a demo has no passwords)."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from demo_app.db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
def load_logged_in_user() -> None:
    user_id = session.get("user_id")
    g.user = (
        get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
        if user_id is not None
        else None
    )


@bp.route("/login", methods=("GET", "POST"))
def login() -> str | Response:
    if request.method == "POST":
        user = (
            get_db()
            .execute("SELECT * FROM user WHERE id = ?", (request.form.get("user_id", type=int),))
            .fetchone()
        )
        if user is not None:
            session.clear()
            session["user_id"] = user["id"]
            return redirect(url_for("pages.index"))
    users = get_db().execute("SELECT * FROM user ORDER BY id").fetchall()
    return render_template("login.html", users=users)


@bp.route("/logout", methods=("POST",))
def logout() -> Response:
    session.clear()
    return redirect(url_for("pages.index"))
