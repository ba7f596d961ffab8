"""The engine's tables, on its own ``MetaData``, every name prefixed ``engagement_``.

They live beside a host's tables without clashing and without foreign keys into
them: members are referred to by the host's id string.  The action log, the ledger
and the revocations are append-only; nothing here is ever updated except a member's
profile and counter, and the active flag of rulesets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type: values are stored as naive UTC there, and given
    back as aware UTC, so code never compares naive and aware instants.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        utc: datetime = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


members = Table(
    "engagement_members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("member_id", String(255), nullable=False, unique=True, comment="The host's id."),
    Column("display_name", String(255)),
    Column("team", String(255)),
    Column("opted_in", Boolean, nullable=False, default=False),
    Column("timezone", String(64), comment="IANA name; NULL uses the ruleset's default."),
    Column("locale", String(16)),
    Column(
        "event_seq",
        Integer,
        nullable=False,
        default=0,
        comment="Orders the member's actions and revocations; bumped under the row lock.",
    ),
    Column(
        "badge_seq",
        Integer,
        nullable=False,
        default=0,
        comment="Bumped when others change the member's badges (kudos received, HR grants).",
    ),
    Column("created_at", UTCDateTime, nullable=False),
)

actions = Table(
    "engagement_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, unique=True, comment="Idempotency key."),
    Column("member_pk", Id, ForeignKey("engagement_members.id"), nullable=False),
    Column("member_seq", Integer, nullable=False),
    Column("verb", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("tz", String(64), nullable=False, comment="The member's time zone when logged."),
    Column("channel", String(64)),
    Column("content_id", String(255)),
    Column("content_kind", String(64)),
    Column("topics", JSON, nullable=False, default=list),
    Column("suggested_text", Text),
    Column("text", Text),
    Column("target", String(255)),
    Column("metrics", JSON),
    Column("words", Integer, nullable=False, default=0),
    Column("own_words", Integer, nullable=False, default=0),
    Column("distinct_own_words", Integer, nullable=False, default=0),
    Column("fingerprint", String(16), comment="Hash of the member's own words."),
    Column(
        "echo",
        SmallInteger,
        comment="Template digits shared with the most alike comment another member wrote "
        "earlier on the same content (NULL: none).",
    ),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column(
        "scored_as_of",
        UTCDateTime,
        comment="NULL: scored as of `at`. Else it arrived after the settle window and "
        "was scored as of the member's latest action then, this instant.",
    ),
    UniqueConstraint("member_pk", "member_seq"),
    Index(None, "member_pk", "at"),
    Index(None, "member_pk", "content_id"),
    Index(None, "target", "verb"),
    Index(None, "content_id", "at"),
    # The few actions placed after their arrival, by member: a late action finds
    # those placed after it with the (member, at) index and this one.
    Index(
        None,
        "member_pk",
        "scored_as_of",
        sqlite_where=text("scored_as_of IS NOT NULL"),
        postgresql_where=text("scored_as_of IS NOT NULL"),
    ),
)

revocations = Table(
    "engagement_revocations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("action_id", Id, ForeignKey("engagement_actions.id"), nullable=False, unique=True),
    Column("member_pk", Id, ForeignKey("engagement_members.id"), nullable=False),
    Column("member_seq", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=False),
)

ledger = Table(
    "engagement_ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "action_id",
        Id,
        ForeignKey("engagement_actions.id"),
        comment="NULL for a manual entry, which belongs to no action.",
    ),
    Column("member_pk", Id, ForeignKey("engagement_members.id"), nullable=False),
    Column(
        "entry_kind",
        String(16),
        nullable=False,
        comment="award, revocation (compensates), adjustment (from a replay), rescore "
        "(an earlier action arrived late) or manual (an administrator's).",
    ),
    Column("points", Integer, nullable=False),
    Column("rule_id", String(128), nullable=False),
    Column("ruleset_version", Integer, nullable=False),
    Column("explanation", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(
        "uq_engagement_ledger_once",
        "action_id",
        "entry_kind",
        "ruleset_version",
        unique=True,
        sqlite_where=Column("entry_kind") != "rescore",
        postgresql_where=Column("entry_kind") != "rescore",
    ),
    # An action's net points (the sum of its entries, rescores too) read by index.
    Index(None, "action_id"),
    Index(None, "member_pk", "created_at"),
)

MANUAL_ENTRY = "manual"
"""The ``entry_kind`` of an administrator's adjustment: no action, points that count
on the boards in the periods holding its ``created_at``."""

rulesets = Table(
    "engagement_rulesets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("source", String(512), nullable=False),
    Column("text", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(
        "uq_engagement_rulesets_one_active",
        "active",
        unique=True,
        sqlite_where=Column("active").is_(True),
        postgresql_where=Column("active").is_(True),
    ),
)

member_snapshots = Table(
    "engagement_member_snapshots",
    metadata,
    Column("member_pk", Id, ForeignKey("engagement_members.id"), primary_key=True),
    Column("ruleset_version", Integer, nullable=False),
    Column("seq", Integer, nullable=False, comment="The member's event_seq it is the state at."),
    Column("format", Integer, nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
    comment="What scoring and badges know of a member, derived from the log: a cache "
    "every process reads in one query (rebuilt from the log when missing or stale).",
)
