"""Reach reported after the fact, on the engine's MetaData.

Networks publish a post's impressions, clicks and reactions days after it went out,
and keep updating them.  Each report is appended here, never edited: the numbers
are cumulative counters, so the latest report of each counter is the one that
counts (see :mod:`engagement.analytics.metrics`), and the history stays on record
for an audit.  The action log itself is never touched.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Table

from engagement.storage.tables import Id, UTCDateTime, metadata

metric_reports = Table(
    "engagement_metric_reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("action_id", Id, ForeignKey("engagement_actions.id"), nullable=False),
    Column("impressions", BigInteger, comment="NULL: not in this report."),
    Column("clicks", BigInteger, comment="NULL: not in this report."),
    Column("reactions", BigInteger, comment="NULL: not in this report."),
    Column("reported_at", UTCDateTime, nullable=False, comment="When the network counted."),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index(None, "action_id", "reported_at"),
)
