"""The engine's own migrations, beside a host's Alembic history without touching it.

:func:`upgrade` (what :meth:`Engagement.create_schema` and ``engagement upgrade``
run) brings a database to the newest revision; :func:`current` says where one
stands.  A host that autogenerates its own migrations passes :func:`include_name`
to its ``context.configure()`` so they never drop the engine's tables (see
docs/operations.md).
"""

from __future__ import annotations

from engagement.migrations.hosts import excluding_engine_tables, include_name, is_engine_table
from engagement.migrations.runner import (
    SCRIPT_LOCATION,
    SchemaStatus,
    alembic_config,
    current,
    downgrade,
    drop_version_table,
    head,
    upgrade,
)
from engagement.migrations.tables import VERSION_TABLE

__all__ = [
    "SCRIPT_LOCATION",
    "VERSION_TABLE",
    "SchemaStatus",
    "alembic_config",
    "current",
    "downgrade",
    "drop_version_table",
    "excluding_engine_tables",
    "head",
    "include_name",
    "is_engine_table",
    "upgrade",
]
