"""``upgrade``, ``downgrade``, ``current``: the engine's tables under migrations.

The same commands serve ``engagement …`` and, attached to a Flask host's command
line, ``flask engagement …``.  They touch only the ``engagement_*`` tables and the
``engagement_alembic_version`` table, never a host's own Alembic history.
"""

from __future__ import annotations

import click

from engagement import migrations
from engagement.cli.errors import CommandError, ExitCode
from engagement.cli.state import State, db_option, pass_state


@click.command()
@db_option
@click.option("--revision", default="head", show_default=True, help="the revision to reach")
@pass_state
def upgrade(state: State, db: str, revision: str) -> None:
    """Create or upgrade the engine's tables (safe to run at every deployment).

    An empty database gets every table; a database from an earlier version runs the
    migrations since, keeping every row.  A SQLite file is created if missing.
    """
    with state.engine(db, create=True) as engine:
        before = migrations.current(engine.database)
        after = migrations.upgrade(engine.database, revision)
    if before.revision == after.revision:
        click.echo(f"already at {after.describe()}")
    else:
        click.echo(f"upgraded from {before.revision or 'none'} to {after.describe()}")


@click.command()
@db_option
@click.option("--revision", required=True, help="the revision to go back to ('base': none)")
@click.option("--yes", is_flag=True, help="confirm a downgrade to 'base' (drops every table)")
@pass_state
def downgrade(state: State, db: str, revision: str, yes: bool) -> None:
    """Take the engine's tables back to an earlier revision (back up first).

    Downgrading to 'base' drops every engagement table and all it holds, so it also
    needs --yes.
    """
    if revision == "base" and not yes:
        raise CommandError(
            "--revision base drops every engagement table and all its rows",
            "back up the database, then run again with --yes",
        )
    with state.engine(db) as engine:
        before = migrations.current(engine.database)
        after = migrations.downgrade(engine.database, revision)
    click.echo(f"downgraded from {before.revision or 'none'} to {after.revision or 'base'}")


@click.command()
@db_option
@click.option("--check", is_flag=True, help="exit 3 unless the tables are at the newest revision")
@pass_state
def current(state: State, db: str, check: bool) -> None:
    """Show the revision of the engine's tables, and whether it is the newest."""
    with state.engine(db) as engine:
        status = migrations.current(engine.database)
    click.echo(status.describe())
    if check and not status.at_head:
        click.get_current_context().exit(ExitCode.DIFFERENCES)
