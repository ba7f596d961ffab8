"""Rescored actions, manual entries and late arrivals (engagement 0.2).

- ``engagement_ledger.action_id`` may be NULL: an administrator's manual entry
  (``entry_kind = 'manual'``) belongs to no action.
- The ledger's "one entry of a kind per action and ruleset version" becomes a partial
  unique index that leaves out ``rescore`` entries: an action is re-scored each time
  an earlier action of its member arrives late, possibly several times under one
  ruleset version.  Every other kind stays once only.
- ``ix_engagement_ledger_action_id``: an action's entries, rescores included, by index.
- ``engagement_actions.scored_as_of``: where an action that arrived after the settle
  window was placed in its member's order (NULL for every action logged so far, which
  were all scored as of their own time).

Every row is kept.  SQLite rebuilds the ledger (batch mode: nothing refers to it),
PostgreSQL alters it; both add the column in place.

Revision 0002, after 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
NOT_RESCORE = sa.column("entry_kind") != "rescore"
OLD_UNIQUE = "uq_engagement_ledger_action_id_entry_kind_ruleset_version"
NEW_UNIQUE = "uq_engagement_ledger_once"
ACTION_INDEX = "ix_engagement_ledger_action_id"
ENTRY_KINDS = (
    "award, revocation (compensates), adjustment (from a replay), rescore "
    "(an earlier action arrived late) or manual (an administrator's)."
)
SCORED_AS_OF = (
    "NULL: scored as of `at`. Else it arrived after the settle window and was scored "
    "as of the member's latest action then, this instant."
)


def upgrade() -> None:
    """Idempotent, like revision 0001: a database whose tables already have what this
    revision adds (its version table dropped by hand) is left as it is."""
    inspector = sa.inspect(op.get_bind())
    columns = {column["name"] for column in inspector.get_columns("engagement_actions")}
    if "scored_as_of" not in columns:
        op.add_column(
            "engagement_actions",
            sa.Column("scored_as_of", TIME, nullable=True, comment=SCORED_AS_OF),
        )
    uniques = {u["name"] for u in inspector.get_unique_constraints("engagement_ledger")}
    with op.batch_alter_table("engagement_ledger") as ledger:
        if OLD_UNIQUE in uniques:
            ledger.drop_constraint(OLD_UNIQUE, type_="unique")
        ledger.alter_column(
            "action_id",
            existing_type=ID,
            nullable=True,
            comment="NULL for a manual entry, which belongs to no action.",
        )
        ledger.alter_column(
            "entry_kind",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            comment=ENTRY_KINDS,
            existing_comment="award, revocation (compensates) or adjustment (from a replay).",
        )
    # The unique index no longer serves "an action's entries" (rescores are left
    # out of it): an action's net points need an index of their own.
    op.create_index(
        ACTION_INDEX, "engagement_ledger", ["action_id"], unique=False, if_not_exists=True
    )
    op.create_index(
        NEW_UNIQUE,
        "engagement_ledger",
        ["action_id", "entry_kind", "ruleset_version"],
        unique=True,
        sqlite_where=NOT_RESCORE,
        postgresql_where=NOT_RESCORE,
        if_not_exists=True,
    )


def downgrade() -> None:
    """Back to 0001: refused while rescore or manual entries exist (they would break
    the old constraints); a database that never used them goes back unchanged."""
    connection = op.get_bind()
    used = connection.execute(
        sa.text(
            "SELECT count(*) FROM engagement_ledger "
            "WHERE entry_kind IN ('rescore', 'manual') OR action_id IS NULL"
        )
    ).scalar_one()
    if used:
        raise RuntimeError(
            f"engagement_ledger holds {used} rescore or manual entries, which revision "
            "0001 cannot hold: keep revision 0002 (or restore a backup from before it)"
        )
    op.drop_index(NEW_UNIQUE, table_name="engagement_ledger")
    op.drop_index(ACTION_INDEX, table_name="engagement_ledger")
    with op.batch_alter_table("engagement_ledger") as ledger:
        ledger.alter_column(
            "action_id",
            existing_type=ID,
            nullable=False,
            comment=None,
            existing_comment="NULL for a manual entry, which belongs to no action.",
        )
        ledger.alter_column(
            "entry_kind",
            existing_type=sa.String(length=16),
            existing_nullable=False,
            comment="award, revocation (compensates) or adjustment (from a replay).",
            existing_comment=ENTRY_KINDS,
        )
        ledger.create_unique_constraint(OLD_UNIQUE, ["action_id", "entry_kind", "ruleset_version"])
    op.drop_column("engagement_actions", "scored_as_of")  # in place, SQLite ≥ 3.35 too
