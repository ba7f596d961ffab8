"""The schema of engagement 0.1, the first revision.

On an empty database it creates every table.  On one made by ``create_schema()``
before migrations existed it creates only what is missing (tables and indexes added
by later 0.1 releases, ``IF NOT EXISTS``) and keeps every row; score tallies it adds
are counted from the score rows, so boards keep their participants.  Types are
spelled out here rather than taken from the models, which will move on.

Revision 0001, the first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engagement.leaderboards.tallies import recount

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""64-bit ids; SQLite's INTEGER PRIMARY KEY is its rowid, 64-bit already."""
TIME = sa.DateTime(timezone=True)
"""Instants: timestamptz on PostgreSQL, naive UTC text on SQLite."""
ACTIVE = sa.column("active").is_(True)
"""The partial index's condition: one active ruleset at most."""
TABLES = (
    "engagement_badge_revocations",
    "engagement_revocations",
    "engagement_metric_reports",
    "engagement_ledger",
    "engagement_challenge_completions",
    "engagement_badge_awards",
    "engagement_scores",
    "engagement_member_snapshots",
    "engagement_group_members",
    "engagement_actions",
    "engagement_score_tallies",
    "engagement_rulesets",
    "engagement_outbox",
    "engagement_members",
)
"""Every table of the revision, each before the tables it refers to."""


def upgrade() -> None:
    connection = op.get_bind()
    existing = set(sa.inspect(connection).get_table_names())
    op.create_table(
        "engagement_members",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(length=255), nullable=False, comment="The host's id."),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column(
            "timezone",
            sa.String(length=64),
            nullable=True,
            comment="IANA name; NULL uses the ruleset's default.",
        ),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column(
            "event_seq",
            sa.Integer(),
            nullable=False,
            comment="Orders the member's actions and revocations; bumped under the row lock.",
        ),
        sa.Column(
            "badge_seq",
            sa.Integer(),
            nullable=False,
            comment="Bumped when others change the member's badges (kudos received, HR grants).",
        ),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_members")),
        sa.UniqueConstraint("member_id", name=op.f("uq_engagement_members_member_id")),
        if_not_exists=True,
    )
    op.create_table(
        "engagement_outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column(
            "event",
            sa.String(length=64),
            nullable=False,
            comment="The signal's name: badge-awarded…",
        ),
        sa.Column(
            "member_id",
            sa.String(length=255),
            nullable=True,
            comment="The host's id of the member it is about.",
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="pending, delivered or dead."
        ),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="Deliveries started."),
        sa.Column(
            "next_attempt_at",
            TIME,
            nullable=False,
            comment="When a pending message is due: a retry's time, or a claim's lease end.",
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("delivered_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_outbox")),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_outbox_status_next_attempt_at"),
        "engagement_outbox",
        ["status", "next_attempt_at"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_rulesets",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_rulesets")),
        sa.UniqueConstraint("version", name=op.f("uq_engagement_rulesets_version")),
        if_not_exists=True,
    )
    op.create_index(
        "uq_engagement_rulesets_one_active",
        "engagement_rulesets",
        ["active"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_score_tallies",
        sa.Column("period", sa.String(length=80), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False, comment="points or variety"),
        sa.Column(
            "bucket", sa.Integer(), nullable=False, comment="See engagement.leaderboards.tallies."
        ),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "period", "metric", "bucket", name=op.f("pk_engagement_score_tallies")
        ),
        comment="How many public score rows of a period fall in each score bucket.",
        sqlite_with_rowid=False,
        if_not_exists=True,
    )
    op.create_table(
        "engagement_actions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False, comment="Idempotency key."),
        sa.Column("member_pk", ID, nullable=False),
        sa.Column("member_seq", sa.Integer(), nullable=False),
        sa.Column("verb", sa.String(length=64), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column(
            "tz",
            sa.String(length=64),
            nullable=False,
            comment="The member's time zone when logged.",
        ),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("content_id", sa.String(length=255), nullable=True),
        sa.Column("content_kind", sa.String(length=64), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("suggested_text", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("own_words", sa.Integer(), nullable=False),
        sa.Column("distinct_own_words", sa.Integer(), nullable=False),
        sa.Column(
            "fingerprint",
            sa.String(length=16),
            nullable=True,
            comment="Hash of the member's own words.",
        ),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_actions_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_actions")),
        sa.UniqueConstraint("key", name=op.f("uq_engagement_actions_key")),
        sa.UniqueConstraint(
            "member_pk", "member_seq", name=op.f("uq_engagement_actions_member_pk_member_seq")
        ),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_actions_member_pk_at"),
        "engagement_actions",
        ["member_pk", "at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_actions_member_pk_content_id"),
        "engagement_actions",
        ["member_pk", "content_id"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_actions_target_verb"),
        "engagement_actions",
        ["target", "verb"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_group_members",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column(
            "group_id",
            sa.String(length=128),
            nullable=False,
            comment="The host's name for the group.",
        ),
        sa.Column("member_pk", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_group_members_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_group_members")),
        sa.UniqueConstraint(
            "group_id", "member_pk", name=op.f("uq_engagement_group_members_group_id_member_pk")
        ),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_group_members_member_pk"),
        "engagement_group_members",
        ["member_pk"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_member_snapshots",
        sa.Column("member_pk", ID, nullable=False),
        sa.Column("ruleset_version", sa.Integer(), nullable=False),
        sa.Column(
            "seq",
            sa.Integer(),
            nullable=False,
            comment="The member's event_seq it is the state at.",
        ),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("written_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_member_snapshots_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("member_pk", name=op.f("pk_engagement_member_snapshots")),
        comment="What scoring and badges know of a member, derived from the log: a cache "
        "every process reads in one query (rebuilt from the log when missing or stale).",
        if_not_exists=True,
    )
    op.create_table(
        "engagement_scores",
        sa.Column("member_pk", ID, nullable=False),
        sa.Column(
            "period",
            sa.String(length=80),
            nullable=False,
            comment="week:2026-11-16, all, season:q4…",
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("variety", sa.Integer(), nullable=False, comment="Distinct values in marks."),
        sa.Column("actions", sa.Integer(), nullable=False, comment="Actions not revoked."),
        sa.Column(
            "marks",
            sa.Text(),
            nullable=False,
            comment="Sorted distinct verbs (v:), channels (c:) and topics (t:), one per line.",
        ),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("visible", sa.Boolean(), nullable=False, comment="The member opted in."),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_scores_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("member_pk", "period", name=op.f("pk_engagement_scores")),
        sqlite_with_rowid=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_engagement_scores_board_points",
        "engagement_scores",
        ["period", "visible", sa.literal_column("points DESC"), "member_pk"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_engagement_scores_board_variety",
        "engagement_scores",
        ["period", "visible", sa.literal_column("variety DESC"), "member_pk"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ix_engagement_scores_team_points",
        "engagement_scores",
        ["period", "team", "visible", sa.literal_column("points DESC"), "member_pk"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_badge_awards",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("member_pk", ID, nullable=False),
        sa.Column("badge_id", sa.String(length=128), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False, comment="Empty without tiers."),
        sa.Column("period_key", sa.String(length=16), nullable=False, comment="Repeated badges."),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False, comment="criteria or manual."),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("action_id", ID, nullable=True),
        sa.Column(
            "period_start", TIME, nullable=True, comment="The span that was measured, if bounded."
        ),
        sa.Column("period_end", TIME, nullable=True),
        sa.Column("ruleset_version", sa.Integer(), nullable=True),
        sa.Column("awarded_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["engagement_actions.id"],
            name=op.f("fk_engagement_badge_awards_action_id_engagement_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_badge_awards_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_badge_awards")),
        sa.UniqueConstraint(
            "member_pk",
            "badge_id",
            "tier",
            "period_key",
            "attempt",
            name=op.f("uq_engagement_badge_awards_member_pk_badge_id_tier_period_key_attempt"),
        ),
        if_not_exists=True,
    )
    op.create_table(
        "engagement_challenge_completions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("challenge_id", sa.String(length=128), nullable=False),
        sa.Column("member_pk", ID, nullable=False),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("action_id", ID, nullable=True),
        sa.Column("ruleset_version", sa.Integer(), nullable=True),
        sa.Column("completed_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["engagement_actions.id"],
            name=op.f("fk_engagement_challenge_completions_action_id_engagement_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_challenge_completions_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_challenge_completions")),
        sa.UniqueConstraint(
            "challenge_id",
            "member_pk",
            name=op.f("uq_engagement_challenge_completions_challenge_id_member_pk"),
        ),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_challenge_completions_challenge_id_team"),
        "engagement_challenge_completions",
        ["challenge_id", "team"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_ledger",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("member_pk", ID, nullable=False),
        sa.Column(
            "entry_kind",
            sa.String(length=16),
            nullable=False,
            comment="award, revocation (compensates) or adjustment (from a replay).",
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=128), nullable=False),
        sa.Column("ruleset_version", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["engagement_actions.id"],
            name=op.f("fk_engagement_ledger_action_id_engagement_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_ledger_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_ledger")),
        sa.UniqueConstraint(
            "action_id",
            "entry_kind",
            "ruleset_version",
            name=op.f("uq_engagement_ledger_action_id_entry_kind_ruleset_version"),
        ),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_ledger_member_pk_created_at"),
        "engagement_ledger",
        ["member_pk", "created_at"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_metric_reports",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column(
            "impressions", sa.BigInteger(), nullable=True, comment="NULL: not in this report."
        ),
        sa.Column("clicks", sa.BigInteger(), nullable=True, comment="NULL: not in this report."),
        sa.Column("reactions", sa.BigInteger(), nullable=True, comment="NULL: not in this report."),
        sa.Column("reported_at", TIME, nullable=False, comment="When the network counted."),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["engagement_actions.id"],
            name=op.f("fk_engagement_metric_reports_action_id_engagement_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_metric_reports")),
        if_not_exists=True,
    )
    op.create_index(
        op.f("ix_engagement_metric_reports_action_id_reported_at"),
        "engagement_metric_reports",
        ["action_id", "reported_at"],
        unique=False,
        if_not_exists=True,
    )

    op.create_table(
        "engagement_revocations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("member_pk", ID, nullable=False),
        sa.Column("member_seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["engagement_actions.id"],
            name=op.f("fk_engagement_revocations_action_id_engagement_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["member_pk"],
            ["engagement_members.id"],
            name=op.f("fk_engagement_revocations_member_pk_engagement_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_revocations")),
        sa.UniqueConstraint("action_id", name=op.f("uq_engagement_revocations_action_id")),
        if_not_exists=True,
    )
    op.create_table(
        "engagement_badge_revocations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("award_id", ID, nullable=False),
        sa.Column(
            "source",
            sa.String(length=16),
            nullable=False,
            comment="revocation (of an action) or manual.",
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["engagement_badge_awards.id"],
            name=op.f("fk_engagement_badge_revocations_award_id_engagement_badge_awards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_badge_revocations")),
        sa.UniqueConstraint("award_id", name=op.f("uq_engagement_badge_revocations_award_id")),
        if_not_exists=True,
    )

    if "engagement_score_tallies" not in existing and "engagement_scores" in existing:
        recount(connection)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
