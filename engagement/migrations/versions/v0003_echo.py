"""Comments copied from a colleague: the ``echo`` of each action, and the index that
finds other members' comments on the same content.

``echo`` is measured when an action is logged (see
:func:`engagement.core.text.echo`); actions logged before this revision keep NULL,
which scoring reads as "copied from nobody", as they were scored.

Revision 0003, after 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIME_INDEX = "ix_engagement_actions_content_id_at"


def upgrade() -> None:
    # A database made by create_schema() before migrations existed (see 0001) may
    # already have both: they are added only where missing.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("engagement_actions")}
    if "echo" not in columns:
        op.add_column(
            "engagement_actions",
            sa.Column(
                "echo",
                sa.SmallInteger(),
                nullable=True,
                comment="Template digits shared with the most alike comment another member "
                "wrote earlier on the same content (NULL: none).",
            ),
        )
    op.create_index(
        TIME_INDEX, "engagement_actions", ["content_id", "at"], unique=False, if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index(TIME_INDEX, table_name="engagement_actions")
    op.drop_column("engagement_actions", "echo")  # in place, SQLite ≥ 3.35 too
