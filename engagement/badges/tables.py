"""Badge awards, their revocations and challenge completions, on the engine's MetaData.

Awards are exactly-once by a unique key, (member, badge, tier, period, attempt),
written with insert-if-absent.  ``attempt`` counts earlier awards of the same key
that were revoked, so a badge can be earned again after a revocation while every
award and revocation stays on record: nothing here is updated or deleted.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from engagement.storage.tables import Id, UTCDateTime, metadata

badge_awards = Table(
    "engagement_badge_awards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_pk", Id, ForeignKey("engagement_members.id"), nullable=False),
    Column("badge_id", String(128), nullable=False),
    Column("tier", String(64), nullable=False, default="", comment="Empty without tiers."),
    Column("period_key", String(16), nullable=False, default="", comment="Repeated badges."),
    Column("attempt", Integer, nullable=False, default=0),
    Column("source", String(16), nullable=False, comment="criteria or manual."),
    Column("reason", Text),
    Column("action_id", Id, ForeignKey("engagement_actions.id")),
    Column("period_start", UTCDateTime, comment="The span that was measured, if bounded."),
    Column("period_end", UTCDateTime),
    Column("ruleset_version", Integer),
    Column("awarded_at", UTCDateTime, nullable=False),
    UniqueConstraint("member_pk", "badge_id", "tier", "period_key", "attempt"),
)

badge_revocations = Table(
    "engagement_badge_revocations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("award_id", Id, ForeignKey("engagement_badge_awards.id"), nullable=False, unique=True),
    Column("source", String(16), nullable=False, comment="revocation (of an action) or manual."),
    Column("reason", Text, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=False),
)

challenge_completions = Table(
    "engagement_challenge_completions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("challenge_id", String(128), nullable=False),
    Column("member_pk", Id, ForeignKey("engagement_members.id"), nullable=False),
    Column("team", String(255)),
    Column("action_id", Id, ForeignKey("engagement_actions.id")),
    Column("ruleset_version", Integer),
    Column("completed_at", UTCDateTime, nullable=False),
    UniqueConstraint("challenge_id", "member_pk"),
    Index(None, "challenge_id", "team"),
)
