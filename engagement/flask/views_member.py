"""The members' endpoints: recording, their own page, boards, badges, their rights.

Every view is "load (schema), one engine call, dump (schema)"; who is asking was
settled before the view runs (:mod:`engagement.flask._guard`), and a member only
ever acts as, and reads, themselves, plus what colleagues made public.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from engagement.core.scoring import Award
from engagement.flask import queries
from engagement.flask import schemas as s
from engagement.flask._blueprint import ApiBlueprint
from engagement.flask._errors import KeyReusedError
from engagement.flask._extension import state
from engagement.flask._guard import access, caller, member

blp = ApiBlueprint(
    "engagement",
    __name__,
    description="Members: record actions, their page, boards, badges, consent and data.",
)


def _locale() -> str | None:
    return state().settings.locale


@blp.route("/actions", methods=["POST"])
@blp.arguments(s.ActionIn)
@blp.response(201, s.AwardOut, description="recorded (200: the key was recorded before)")
@blp.alt_response(200, s.AwardOut, description="already recorded")
@access("member")
def record(action: dict[str, Any]) -> tuple[Award, int]:
    """Record an action of the current member; idempotent by ``key``."""
    action = {**action, "member": member(), "at": action.get("at") or datetime.now(UTC)}
    return _recorded(state().engine.record(_without_none(action)), action["verb"])


@blp.route("/kudos", methods=["POST"])
@blp.arguments(s.KudosIn)
@blp.response(201, s.AwardOut)
@blp.alt_response(200, s.AwardOut, description="already recorded")
@access("member")
def kudos(given: dict[str, Any]) -> tuple[Award, int]:
    """Thank a colleague (an enrolled member) for something they did."""
    action = {
        "key": given.get("key") or f"kudos:{uuid.uuid4()}",
        "member": member(),
        "verb": "kudos",
        "target": given["to"],
        "text": given.get("text"),
        "at": datetime.now(UTC),
    }
    return _recorded(state().engine.record(_without_none(action)), "kudos")


@blp.route("/me", methods=["GET"])
@blp.arguments(s.PageIn, location="query")
@blp.response(200, s.SummaryOut)
@access("member")
def me(paging: dict[str, Any]) -> queries.Summary:
    """My points, level, badges with progress, what next, my standing on every
    board, and a page of my ledger with the explanation of each entry (newest first)."""
    settings = state().settings
    per_page = min(paging.get("per_page") or settings.page_size, settings.max_page_size)
    return queries.summary(
        state().engine, member(), page=paging["page"], per_page=per_page, locale=_locale()
    )


@blp.route("/me/export", methods=["GET"])
@blp.response(200, s.ExportOut)
@access("member")
def export() -> dict[str, Any]:
    """Everything the programme holds on me (right of access)."""
    return state().engine.members.export(member())


@blp.route("/me/consent", methods=["PUT"])
@blp.arguments(s.ConsentIn)
@blp.response(200, s.MemberOut)
@access("member")
def consent(choice: dict[str, Any]) -> Any:
    """Opt in to the public boards (and a public profile), or out of all of them."""
    members = state().engine.members
    return (members.opt_in if choice["opted_in"] else members.opt_out)(member())


@blp.route("/me/erase", methods=["POST"])
@blp.arguments(s.EraseIn)
@blp.response(200, s.ErasureOut)
@access("member")
def erase(_: dict[str, Any]) -> dict[str, Any]:
    """Erase my personal data (right to erasure); irreversible."""
    erasure = state().engine.members.erase(member())
    return {
        "erased": True,
        "texts_removed": erasure.texts_removed,
        "mentions_replaced": erasure.mentions_replaced,
        "keys_replaced": erasure.keys_replaced,
    }


@blp.route("/members/<string:member_id>", methods=["GET"])
@blp.response(200, s.ProfileOut)
@access("user")
def profile(member_id: str) -> dict[str, Any]:
    """A colleague's public profile: only if they opted in, else 404."""
    return queries.profile(state().engine, member_id, _locale())


@blp.route("/leaderboards", methods=["GET"])
@blp.arguments(s.TopIn, location="query")
@blp.response(200, s.LeaderboardOut)
@access("user")
def leaderboard(board: dict[str, Any]) -> Any:
    """The top of a board (period, team or group, metric); only members who opted in."""
    return state().engine.boards.top(locale=_locale(), **board)


@blp.route("/leaderboards/around-me", methods=["GET"])
@blp.arguments(s.AroundIn, location="query")
@blp.response(200, s.AroundOut)
@access("member")
def around_me(board: dict[str, Any]) -> Any:
    """Where I stand on a board, with the ``k`` members above and below."""
    return state().engine.boards.standing(member(), locale=_locale(), **board)


@blp.route("/badges", methods=["GET"])
@blp.response(200, s.CatalogueBadgeOut(many=True))
@access("user")
def badges() -> list[dict[str, Any]]:
    """The badge catalogue; secret badges appear once earned (administrators see all)."""
    who = caller()
    return queries.catalogue(state().engine, who.member, who.admin, _locale())


def _recorded(award: Award, verb: str) -> tuple[Award, int]:
    """201 for a new action, 200 for a retry; a key recorded for another verb is
    another action under a reused key (the engine refuses one of another member)."""
    if award.duplicate and award.verb != verb:
        raise KeyReusedError(award.key)
    return award, 200 if award.duplicate else 201


def _without_none(action: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in action.items() if value is not None}
