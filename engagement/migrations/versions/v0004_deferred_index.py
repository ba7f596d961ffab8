"""An index of the actions scored as of their arrival, by member.

A late action re-scores the member's actions placed after it: those that happened
after it (the ``(member_pk, at)`` index finds them) and the rare ones placed after
their arrival (``scored_as_of``).  Without this index the second kind took a scan of
the member's whole log for every late action; partial, it holds only those rows.

Revision 0004, after 0003.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_engagement_actions_member_pk_scored_as_of"
PLACED_LATER = sa.text("scored_as_of IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        INDEX,
        "engagement_actions",
        ["member_pk", "scored_as_of"],
        unique=False,
        if_not_exists=True,
        sqlite_where=PLACED_LATER,
        postgresql_where=PLACED_LATER,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="engagement_actions")
