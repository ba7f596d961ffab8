"""Marshmallow schemas of the administrators' endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from engagement.core.limits import REASON_LENGTH
from engagement.flask._dump import Out
from engagement.flask.schemas import ID, PERIODS, Strict
from engagement.pipeline.adjustment import MAX_POINTS, REASON_MAX

REASON = v.Length(min=1, max=REASON_LENGTH)


class DraftIn(Strict):
    text = f.String(
        required=True,
        validate=v.Length(min=1, max=1_000_000),
        metadata={"description": "the rule file's YAML (or JSON) text"},
    )


class RevokeIn(Strict):
    key = f.String(required=True, validate=ID)
    reason = f.String(required=True, validate=REASON)


class BadgeIn(Strict):
    member = f.String(required=True, validate=ID)
    badge = f.String(required=True, validate=v.Length(min=1, max=128))
    tier = f.String(validate=v.Length(min=1, max=64), allow_none=True)
    reason = f.String(required=True, validate=REASON)


def _not_zero(points: int) -> None:
    if points == 0:
        raise ma.ValidationError("an adjustment of 0 changes nothing: give points other than 0")


class AdjustIn(Strict):
    member = f.String(required=True, validate=ID)
    points = f.Integer(
        required=True,
        strict=True,
        validate=[v.Range(-MAX_POINTS, MAX_POINTS), _not_zero],
        metadata={"description": f"added (or, negative, taken away); ±{MAX_POINTS:,} at most"},
    )
    reason = f.String(
        required=True,
        validate=v.Length(min=1, max=REASON_MAX),
        metadata={"description": "why; the member sees it on their ledger"},
    )
    key = f.String(
        required=True,
        validate=ID,
        metadata={"description": "idempotency key: a retry with it returns the first"},
    )


class ReportIn(Strict):
    period = f.String(load_default="month", validate=v.OneOf(PERIODS))
    season = f.String(validate=v.Length(min=1, max=128))
    start = f.Date()
    end = f.Date()
    team = f.String(validate=v.Length(min=1, max=255))
    by_team = f.Boolean(load_default=False)
    top = f.Integer(load_default=10, validate=v.Range(0, 100))


class DeadIn(Strict):
    limit = f.Integer(load_default=100, validate=v.Range(1, 1000))


class RulesOut(Out):
    version = f.Integer(allow_none=True, required=True)
    content_hash = f.String(required=True)
    text = f.String(required=True)
    verbs = f.List(f.String(), required=True)
    badges = f.List(f.String(), required=True)


class ValidOut(Out):
    valid = f.Boolean(required=True)
    verbs = f.List(f.String(), required=True)
    badges = f.List(f.String(), required=True)


class DistributionOut(Out):
    members = f.Integer(required=True)
    points = f.Integer(required=True)
    mean = f.Float(required=True)
    median = f.Float(required=True)
    top_10_percent_share = f.Float(required=True)


class MemberChangeOut(Out):
    member = f.String(required=True)
    display_name = f.String(allow_none=True, required=True)
    before = f.Integer(required=True)
    after = f.Integer(required=True)
    change = f.Integer(required=True)
    rank_before = f.Integer(required=True)
    rank_after = f.Integer(required=True)


class PreviewOut(Out):
    actions = f.Integer(required=True)
    changed_actions = f.Integer(required=True)
    rank_changes = f.Integer(required=True)
    before = f.Nested(DistributionOut, required=True)
    after = f.Nested(DistributionOut, required=True)
    members = f.List(f.Nested(MemberChangeOut), required=True)


class RevocationOut(Out):
    key = f.String(required=True)
    member = f.String(required=True)
    points = f.Integer(required=True)
    reason = f.String(required=True)
    duplicate = f.Boolean(required=True)


class GrantOut(Out):
    member = f.String(required=True)
    badge = f.String(required=True)
    tier = f.String(required=True)
    period_key = f.String(required=True)
    name = f.String(required=True)
    reason = f.String(allow_none=True, required=True)


class BadgeRevokedOut(Out):
    member = f.String(required=True)
    badge = f.String(required=True)
    tier = f.String(required=True)
    period_key = f.String(required=True)
    reason = f.String(required=True)


class AdjustmentOut(Out):
    key = f.String(required=True)
    member = f.String(required=True)
    points = f.Integer(required=True)
    reason = f.String(required=True)
    by = f.String(allow_none=True, required=True, metadata={"description": "who made it"})
    created_at = f.AwareDateTime(required=True)
    duplicate = f.Boolean(required=True, metadata={"description": "a retry: nothing written"})


class ReportOut(Out):
    """The programme report (see docs/analytics.md for every figure)."""

    programme = f.String(required=True)
    period = f.Dict(required=True)
    generated_at = f.String(required=True)
    definitions = f.Dict(required=True)
    overall = f.Dict(required=True)
    teams = f.List(f.Dict(), required=True)


class DeadLetterOut(Out):
    id = f.Integer(required=True)
    event = f.String(required=True)
    member = f.String(allow_none=True, required=True)
    payload = f.Dict(required=True)
    attempts = f.Integer(required=True)
    created_at = f.AwareDateTime(required=True)
    last_error = f.String(allow_none=True, required=True)
