"""The host's pages: what a member sees of the programme, read from the engine."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from demo_app import ext

bp = Blueprint("pages", __name__)


@bp.route("/")
def index() -> str | Response:
    if g.user is None:
        return redirect(url_for("auth.login"))
    engine = ext.engine
    board = engine.boards.top("all", limit=10)
    if g.user["is_admin"]:
        return render_template("index.html", board=board, me=None, next=[])
    member = g.user["username"]
    me = engine.boards.standing(member, "all", k=0)
    return render_template(
        "index.html",
        board=board,
        me=me,
        next=engine.badges.next(member),
        level=engine.badges.level(member),
    )
