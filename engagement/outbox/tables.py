"""The transactional outbox: one row per event, written in the transaction that
caused it, on the engine's ``MetaData``.

Unlike the ledger, these rows change: a drainer moves each from ``pending`` to
``delivered`` (or ``dead`` once it has failed too often), counting ``attempts`` and
pushing ``next_attempt_at`` forward, both as a retry schedule and as the lease of a
drainer working on it.  ``id`` never changes: receivers use it to drop repeats.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from engagement.storage.tables import Id, UTCDateTime, metadata

outbox = Table(
    "engagement_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event", String(64), nullable=False, comment="The signal's name: badge-awarded…"),
    Column("member_id", String(255), comment="The host's id of the member it is about."),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False, comment="pending, delivered or dead."),
    Column("attempts", Integer, nullable=False, default=0, comment="Deliveries started."),
    Column(
        "next_attempt_at",
        UTCDateTime,
        nullable=False,
        comment="When a pending message is due: a retry's time, or a claim's lease end.",
    ),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Index(None, "status", "next_attempt_at"),
)
