"""Marshmallow schemas of the members' endpoints: every request and every response.

They check the shape of what comes in (types, sizes, unknown fields refused) and
document what goes out; the engine's own boundary (:mod:`engagement.core.limits`)
then checks the values, so its messages reach the client unchanged.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from engagement.core.limits import ID_LENGTH, LABEL_LENGTH, MAX_TOPICS
from engagement.flask._dump import Number, Out

ID = v.Length(min=1, max=ID_LENGTH)
LABEL = v.Length(min=1, max=LABEL_LENGTH)
TEXT = v.Length(max=100_000)
"""A text sent through the API (the engine accepts longer from imports)."""
PERIODS = ("week", "month", "quarter", "year", "all")


class Strict(ma.Schema):
    """Unknown fields are refused: a typo is an error, not a silently ignored field."""

    class Meta:
        unknown = ma.RAISE


# -- requests -------------------------------------------------------------------------


class ContentIn(Strict):
    id = f.String(required=True, validate=ID)
    kind = f.String(validate=LABEL)
    topics = f.List(f.String(validate=v.Length(min=1, max=255)), validate=v.Length(max=MAX_TOPICS))
    suggested_text = f.String(validate=TEXT, allow_none=True)


class MetricsIn(Strict):
    impressions = f.Integer(validate=v.Range(0, 2**53), allow_none=True)
    clicks = f.Integer(validate=v.Range(0, 2**53), allow_none=True)
    reactions = f.Integer(validate=v.Range(0, 2**53), allow_none=True)


class ActionIn(Strict):
    """An action of the current member: ``member`` is never sent, it is who asks."""

    key = f.String(required=True, validate=ID, metadata={"description": "idempotency key"})
    verb = f.String(required=True, validate=LABEL)
    at = f.AwareDateTime(metadata={"description": "when it happened (default: now)"})
    channel = f.String(validate=LABEL, allow_none=True)
    text = f.String(validate=TEXT, allow_none=True)
    target = f.String(validate=ID, allow_none=True)
    content = f.Nested(ContentIn, allow_none=True)
    metrics = f.Nested(MetricsIn, allow_none=True)


class KudosIn(Strict):
    to = f.String(required=True, validate=ID, metadata={"description": "the colleague's id"})
    text = f.String(validate=TEXT, allow_none=True)
    key = f.String(validate=ID, metadata={"description": "idempotency key (default: new)"})


class ConsentIn(Strict):
    opted_in = f.Boolean(required=True, metadata={"description": "appear on public boards"})


class EraseIn(Strict):
    confirm = f.Boolean(
        required=True,
        validate=v.Equal(True, error="send true to confirm: erasure cannot be undone"),
    )


class PageIn(Strict):
    page = f.Integer(load_default=1, validate=v.Range(1, 1_000_000))
    per_page = f.Integer(
        validate=v.Range(1, 1000), metadata={"description": "capped at ENGAGEMENT_MAX_PAGE_SIZE"}
    )


class BoardIn(Strict):
    period = f.String(
        load_default="week",
        validate=v.Length(min=1, max=140),
        metadata={"description": "week, month, quarter, year, all or season:<id>"},
    )
    team = f.String(validate=v.Length(min=1, max=255))
    group = f.String(validate=v.Length(min=1, max=128))
    metric = f.String(load_default="points", validate=v.OneOf(("points", "variety")))


class TopIn(BoardIn):
    limit = f.Integer(load_default=20, validate=v.Range(1, 200))
    offset = f.Integer(load_default=0, validate=v.Range(0, 1_000_000))


class AroundIn(BoardIn):
    k = f.Integer(load_default=3, validate=v.Range(0, 50))


# -- responses ------------------------------------------------------------------------


class StepOut(Out):
    rule = f.String(required=True)
    op = f.String(required=True)
    value = Number(required=True)
    text = f.String(required=True)


class BadgeEarnedOut(Out):
    badge = f.String(required=True)
    tier = f.String(required=True)
    name = f.String(required=True)
    period_key = f.String(required=True)


class AwardOut(Out):
    key = f.String(required=True)
    member = f.String(required=True)
    verb = f.String(required=True)
    points = f.Integer(required=True)
    summary = f.String(required=True, metadata={"description": "+10 share, … = 13"})
    steps = f.List(f.Nested(StepOut), required=True)
    ruleset_version = f.Integer(allow_none=True, required=True)
    duplicate = f.Boolean(required=True)
    revoked = f.Boolean(required=True)
    badges = f.List(f.Nested(BadgeEarnedOut), required=True)


class MemberOut(Out):
    member = f.String(required=True, attribute="member_id")
    display_name = f.String(allow_none=True, required=True)
    team = f.String(allow_none=True, required=True)
    opted_in = f.Boolean(required=True)
    timezone = f.String(allow_none=True, required=True)
    locale = f.String(allow_none=True, required=True)


class LevelOut(Out):
    points = f.Integer(required=True)
    level = f.Integer(required=True)
    name = f.String(allow_none=True, required=True)
    next_level = f.Integer(allow_none=True, required=True)
    next_name = f.String(allow_none=True, required=True)
    points_to_next = f.Integer(allow_none=True, required=True)


class ProgressOut(Out):
    badge = f.String(required=True)
    name = f.String(required=True)
    description = f.String(required=True)
    tier = f.String(required=True)
    earned = f.List(f.String(), required=True)
    current = Number(required=True)
    target = Number(allow_none=True, required=True)
    percent = f.Integer(required=True)
    complete = f.Boolean(required=True)
    secret = f.Boolean(required=True)
    image = f.String(required=True)
    hint = f.String(allow_none=True, required=True)


class StandingOut(Out):
    member = f.String(required=True)
    display_name = f.String(allow_none=True, required=True)
    team = f.String(allow_none=True, required=True)
    score = f.Integer(required=True)
    points = f.Integer(required=True)
    variety = f.Integer(required=True)
    actions = f.Integer(required=True)
    rank = f.Integer(allow_none=True, required=True)
    top_percent = f.Integer(required=True)
    band = f.Integer(allow_none=True, required=True)
    public = f.Boolean(required=True)
    you = f.Boolean(required=True)

    @ma.post_dump
    def shown(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Names as the host shows them (its member_display callback)."""
        from engagement.flask._extension import state

        data["display_name"] = state().extension.display(data["member"], data["display_name"])
        return data


class BoardHead(Out):
    period = f.String(required=True)
    name = f.String(allow_none=True, required=True)
    starts = f.AwareDateTime(allow_none=True, required=True)
    ends = f.AwareDateTime(allow_none=True, required=True)
    metric = f.String(required=True)
    scope = f.String(required=True)
    participants = f.Integer(required=True)


class LeaderboardOut(BoardHead):
    entries = f.List(f.Nested(StandingOut), required=True)


class AroundOut(BoardHead):
    me = f.Nested(StandingOut, required=True)
    above = f.List(f.Nested(StandingOut), required=True)
    below = f.List(f.Nested(StandingOut), required=True)


class LedgerEntryOut(Out):
    key = f.String(required=True)
    entry_kind = f.String(required=True, metadata={"description": "award, revocation…"})
    points = f.Integer(required=True)
    rule_id = f.String(required=True)
    ruleset_version = f.Integer(required=True)
    explanation = f.Dict(required=True, metadata={"description": "points and steps"})
    summary = f.String(required=True, metadata={"description": "the explanation as a line"})
    created_at = f.AwareDateTime(required=True)


class LedgerPageOut(Out):
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)
    total = f.Integer(required=True)
    entries = f.List(f.Nested(LedgerEntryOut), required=True)


class SummaryOut(Out):
    member = f.Nested(MemberOut, required=True)
    points = f.Integer(required=True)
    level = f.Nested(LevelOut, required=True)
    badges = f.List(f.Nested(ProgressOut), required=True)
    next = f.List(f.Nested(ProgressOut), required=True, metadata={"description": "what next"})
    boards = f.List(f.Nested(AroundOut), required=True, metadata={"description": "k=0"})
    ledger = f.Nested(LedgerPageOut, required=True)


class ProfileOut(Out):
    member = f.String(required=True)
    display_name = f.String(allow_none=True, required=True)
    team = f.String(allow_none=True, required=True)
    points = f.Integer(required=True)
    level = f.Integer(required=True)
    level_name = f.String(allow_none=True, required=True)
    badges = f.List(f.String(), required=True, metadata={"description": "id or id:tier"})

    @ma.post_dump
    def shown(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        from engagement.flask._extension import state

        data["display_name"] = state().extension.display(data["member"], data["display_name"])
        return data


class TierOut(Out):
    name = f.String(required=True)
    target = Number(allow_none=True, required=True, metadata={"description": "none: manual"})
    image = f.String(required=True)


class CatalogueBadgeOut(Out):
    id = f.String(required=True)
    name = f.String(required=True)
    description = f.String(required=True)
    secret = f.Boolean(required=True)
    tiers = f.List(f.Nested(TierOut), required=True)


class ErasureOut(Out):
    erased = f.Boolean(required=True)
    texts_removed = f.Integer(required=True)
    mentions_replaced = f.Integer(required=True)
    keys_replaced = f.Integer(required=True)


class ExportOut(Out):
    """Everything held on the member (see docs/leaderboards.md, "Export")."""

    exported_at = f.String(required=True)
    member = f.Dict(required=True)
    actions = f.List(f.Dict(), required=True)
    ledger = f.List(f.Dict(), required=True)
    badges = f.List(f.Dict(), required=True)
    challenges = f.List(f.Dict(), required=True)
    leaderboard_rows = f.List(f.Dict(), required=True)
    metric_reports = f.List(f.Dict(), required=True)
    groups = f.List(f.Raw(), required=True)
    actions_naming_member = f.Integer(required=True)
