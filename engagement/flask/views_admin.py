"""The administrators' endpoints: rule files, corrections, badges by hand, reports.

Members are refused (403) before any of these views runs; see
:mod:`engagement.flask._guard`.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from engagement.core.events import BadgeAwarded, BadgeRevoked
from engagement.flask import schemas_admin as s
from engagement.flask._blueprint import ApiBlueprint
from engagement.flask._extension import state
from engagement.flask._guard import access, caller
from engagement.outbox import OutboxMessage
from engagement.pipeline.adjustment import Adjustment
from engagement.pipeline.revocation import Revocation
from engagement.preview import preview as preview_draft
from engagement.rules.ruleset import Ruleset

blp = ApiBlueprint(
    "engagement_admin",
    __name__,
    description="Administrators: rule files, revocations, manual badges and points, reports, "
    "outbox.",
)


def _rules(ruleset: Ruleset) -> dict[str, Any]:
    return {
        "version": ruleset.version,
        "content_hash": ruleset.content_hash,
        "text": ruleset.text,
        "verbs": list(ruleset.file.verbs),
        "badges": [badge.id for badge in ruleset.catalogue.badges],
    }


@blp.route("/rules", methods=["GET"])
@blp.response(200, s.RulesOut)
@access("admin")
def rules() -> dict[str, Any]:
    """The active rule file: its version and text."""
    return _rules(state().engine.active_rules())


@blp.route("/rules/validate", methods=["POST"])
@blp.arguments(s.DraftIn)
@blp.response(200, s.ValidOut, description="valid (422 lists each problem's line and path)")
@access("admin", large_body=True)
def validate(draft: dict[str, Any]) -> dict[str, Any]:
    """Validate a draft rule file without activating it."""
    ruleset = state().engine.load_rules_text(draft["text"], source="draft")
    return {"valid": True, **{k: v for k, v in _rules(ruleset).items() if k in ("verbs", "badges")}}


@blp.route("/rules/preview", methods=["POST"])
@blp.arguments(s.DraftIn)
@blp.response(200, s.PreviewOut)
@access("admin", large_body=True)
def preview(draft: dict[str, Any]) -> dict[str, Any]:
    """Replay the whole history under a draft: points before and after per member,
    their distribution and the rank changes.  Nothing is written."""
    engine = state().engine
    return preview_draft(engine, engine.load_rules_text(draft["text"], source="draft")).to_json()


@blp.route("/rules/activate", methods=["POST"])
@blp.arguments(s.DraftIn)
@blp.response(200, s.RulesOut)
@access("admin", large_body=True)
def activate(draft: dict[str, Any]) -> dict[str, Any]:
    """Make a rule file the active one (a new version); earlier actions keep their
    points until a replay is applied (``engagement replay --apply``)."""
    engine = state().engine
    return _rules(engine.activate_rules(engine.load_rules_text(draft["text"], source="api")))


@blp.route("/revocations", methods=["POST"])
@blp.arguments(s.RevokeIn)
@blp.response(200, s.RevocationOut)
@access("admin")
def revoke(given: dict[str, Any]) -> Revocation:
    """Revoke an action (a compensating ledger entry); revoking twice changes nothing."""
    return state().engine.revoke(given["key"], given["reason"])


@blp.route("/adjustments", methods=["POST"])
@blp.arguments(s.AdjustIn)
@blp.response(201, s.AdjustmentOut, description="written (200: the key was used before)")
@blp.alt_response(200, s.AdjustmentOut, description="already written under this key")
@access("admin")
def adjust(given: dict[str, Any]) -> tuple[Adjustment, int]:
    """Add or take away points by hand, with a reason the member sees on their ledger;
    idempotent by ``key`` (reused with other content: 409).  Made ``by`` the
    administrator's member id, or ``administrator`` for one who is not a member."""
    done = state().engine.ledger.adjust(
        given["member"],
        given["points"],
        reason=given["reason"],
        key=given["key"],
        by=caller().member or "administrator",
    )
    return done, 200 if done.duplicate else 201


@blp.route("/badges/grant", methods=["POST"])
@blp.arguments(s.BadgeIn)
@blp.response(200, s.GrantOut)
@access("admin")
def grant_badge(given: dict[str, Any]) -> BadgeAwarded:
    """Award a badge by hand, with a reason kept for audit."""
    return state().engine.badges.grant(
        given["member"], given["badge"], tier=given.get("tier"), reason=given["reason"]
    )


@blp.route("/badges/revoke", methods=["POST"])
@blp.arguments(s.BadgeIn)
@blp.response(200, s.BadgeRevokedOut(many=True))
@access("admin")
def revoke_badge(given: dict[str, Any]) -> list[BadgeRevoked]:
    """Revoke a member's awards of a badge (one tier, or all), with a reason."""
    return state().engine.badges.revoke(
        given["member"], given["badge"], tier=given.get("tier"), reason=given["reason"]
    )


@blp.route("/report", methods=["GET"])
@blp.arguments(s.ReportIn, location="query")
@blp.response(200, s.ReportOut)
@access("admin")
def report(query: dict[str, Any]) -> dict[str, Any]:
    """The programme report (KPIs) for a period, overall and per team."""
    return state().engine.analytics.report(**query).to_json()


@blp.route("/report.csv", methods=["GET"])
@blp.arguments(s.ReportIn, location="query")
@blp.response(200, content_type="text/csv", description="one row per figure")
@access("admin")
def report_csv(query: dict[str, Any]) -> Response:
    """The programme report as CSV, for a spreadsheet's pivot table."""
    csv = state().engine.analytics.report(**query).to_csv()
    return Response(csv, mimetype="text/csv", headers={"Content-Disposition": "attachment"})


@blp.route("/outbox/dead", methods=["GET"])
@blp.arguments(s.DeadIn, location="query")
@blp.response(200, s.DeadLetterOut(many=True))
@access("admin")
def dead_letters(query: dict[str, Any]) -> list[OutboxMessage]:
    """Outbox messages given up on, with their last error (fix, then requeue)."""
    return state().engine.outbox.messages("dead", limit=query["limit"])
