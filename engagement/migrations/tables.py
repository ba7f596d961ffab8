"""Every table of the engine on its one ``MetaData``, whichever modules define them.

The tables are declared beside the code that uses them (badges, boards, outbox…);
importing this module makes sure all of them are on :data:`metadata` before a
migration or a comparison looks at it.
"""

from __future__ import annotations

from engagement.analytics import tables as analytics_tables
from engagement.badges import tables as badge_tables
from engagement.leaderboards import tables as board_tables
from engagement.outbox import tables as outbox_tables
from engagement.storage.tables import metadata

PREFIX = "engagement_"
"""Every table of the engine is named with this prefix, the version table included."""

VERSION_TABLE = "engagement_alembic_version"
"""Where the engine's migrations record their revision, apart from a host's own
``alembic_version``."""

DECLARED_BY = (analytics_tables, badge_tables, board_tables, outbox_tables)
"""The modules imported for their tables (kept referenced so no linter drops them)."""

__all__ = ["DECLARED_BY", "PREFIX", "VERSION_TABLE", "metadata"]
