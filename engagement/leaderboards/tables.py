"""Score rows that leaderboards read, and custom groups, on the engine's MetaData.

A score row holds one member's totals for one period (``week:2026-11-16``,
``month:2026-11``, ``quarter:2026-Q4``, ``year:2026``, ``all``, ``season:<id>``).
Rows are derived data: every writer of the ledger updates them in the same
transaction, under the member's row lock, and :func:`engagement.leaderboards.rebuild`
recomputes them from the ledger and the action log.  ``team`` and ``visible`` (the
member opted in) are copied from the member so a board is one index range scan.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from engagement.storage.tables import Id, metadata

scores = Table(
    "engagement_scores",
    metadata,
    Column("member_pk", Id, ForeignKey("engagement_members.id"), primary_key=True),
    Column("period", String(80), primary_key=True, comment="week:2026-11-16, all, season:q4…"),
    Column("points", Integer, nullable=False, default=0),
    Column("variety", Integer, nullable=False, default=0, comment="Distinct values in marks."),
    Column("actions", Integer, nullable=False, default=0, comment="Actions not revoked."),
    Column(
        "marks",
        Text,
        nullable=False,
        default="",
        comment="Sorted distinct verbs (v:), channels (c:) and topics (t:), one per line.",
    ),
    Column("team", String(255)),
    Column("visible", Boolean, nullable=False, default=False, comment="The member opted in."),
    # On SQLite the rows are stored in key order: a member's rows for one action's
    # periods share a page or two, so a commit writes fewer pages.
    sqlite_with_rowid=False,
)
Index(
    "ix_engagement_scores_board_points",
    scores.c.period,
    scores.c.visible,
    scores.c.points.desc(),
    scores.c.member_pk,
)
Index(
    "ix_engagement_scores_team_points",
    scores.c.period,
    scores.c.team,
    scores.c.visible,
    scores.c.points.desc(),
    scores.c.member_pk,
)
Index(
    "ix_engagement_scores_board_variety",
    scores.c.period,
    scores.c.visible,
    scores.c.variety.desc(),
    scores.c.member_pk,
)

group_members = Table(
    "engagement_group_members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("group_id", String(128), nullable=False, comment="The host's name for the group."),
    Column("member_pk", Id, ForeignKey("engagement_members.id"), nullable=False),
    UniqueConstraint("group_id", "member_pk"),
    Index(None, "member_pk"),
)

tallies = Table(
    "engagement_score_tallies",
    metadata,
    Column("period", String(80), primary_key=True),
    Column("metric", String(16), primary_key=True, comment="points or variety"),
    Column("bucket", Integer, primary_key=True, comment="See engagement.leaderboards.tallies."),
    Column("members", Integer, nullable=False, default=0),
    comment="How many public score rows of a period fall in each score bucket.",
    sqlite_with_rowid=False,
)
