"""Bringing a database's engine tables to a revision, beside any history of the host's.

The engine's migrations are an Alembic environment of their own, shipped in the
package (``script_location = engagement:migrations``) with their own version table
(:data:`VERSION_TABLE`), so they never read or move a host's ``alembic_version``.

:func:`upgrade` is what :meth:`Engagement.create_schema` does:

- an empty database gets every table from the models and is stamped at the head in
  the same transaction (running each revision in turn would reach the same schema,
  slower: tests create hundreds of databases);
- a database at an older revision runs the revisions after it;
- a database whose engine tables predate migrations (made by ``create_schema()``
  of engagement 0.1) runs the first revision, which creates only what is missing
  and recounts score tallies it adds, so every row is kept.

Each call is one transaction, which PostgreSQL takes an advisory lock for (SQLite's
``BEGIN IMMEDIATE`` already queues writers): several workers starting at once
upgrade once, and the others find the work done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError

from engagement.exceptions import InvalidInputError, NotConfiguredError
from engagement.migrations.hosts import is_engine_table
from engagement.migrations.tables import VERSION_TABLE, metadata

SCRIPT_LOCATION = "engagement:migrations"
"""The migrations as a package resource, wherever the package is installed."""

FILE_TEMPLATE = "v%%(rev)s_%%(slug)s"
"""Revision files are modules with valid names (``v0002_…``): the type checker reads them."""


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database's engine tables stand.

    ``revision`` is the revision recorded in :data:`VERSION_TABLE` (``None`` when there
    is none), ``head`` the newest this version of the package ships, ``tables`` how
    many tables named ``engagement_*`` exist (the version table left out).
    """

    revision: str | None
    head: str
    tables: int

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    def describe(self) -> str:
        """One line for an operator: where the schema is and what to run next."""
        if self.at_head:
            return f"{self.revision} (head)"
        if self.revision is not None:
            return f"{self.revision}, behind the head {self.head}: run 'engagement upgrade'"
        if self.tables:
            return (
                f"none: {self.tables} engagement tables from before migrations, "
                "run 'engagement upgrade' to bring them under migrations"
            )
        return "none: no engagement tables, run 'engagement upgrade' to create them"


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic :class:`~alembic.config.Config` for the engine's environment.

    With ``connection``, Alembic's commands run on it (inside its transaction);
    with ``url`` they connect themselves.  Useful to run Alembic's own commands
    (``history``, ``heads``, and ``revision --autogenerate`` for the package's
    maintainers) on the engine's migrations.
    """
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("file_template", FILE_TEMPLATE)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    """The shipped revisions, read once per process."""
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this version of the package ships."""
    found = scripts().get_current_head()
    if found is None:  # pragma: no cover - the package ships its revisions
        raise NotConfiguredError("engagement's migrations are missing: reinstall the package")
    return found


def current(database: Engine) -> SchemaStatus:
    """Where ``database``'s engine tables stand (reads only)."""
    with database.connect() as connection:
        status = _status(connection)
        connection.rollback()
    return status


def upgrade(database: Engine, revision: str = "head") -> SchemaStatus:
    """Bring ``database``'s engine tables to ``revision`` (default: the newest).

    Raises :class:`~engagement.InvalidInputError` for a revision the package does not
    ship, and :class:`~engagement.NotConfiguredError` when the database is at a
    revision this version does not know (a newer version upgraded it).
    """
    target = _known(revision, "revision")
    for attempt in range(LOCKED_ATTEMPTS):
        try:
            return _upgrade(database, target)
        except OperationalError as error:
            if attempt == LOCKED_ATTEMPTS - 1 or not _locked(database, error):
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


LOCKED_ATTEMPTS = 5
"""How often :func:`upgrade` tries on SQLite when the file is locked.  Several
processes starting at once on a new SQLite file all upgrade it; SQLite can refuse
one of them "database is locked" while another creates the tables (the busy timeout
does not cover every lock it takes, e.g. a journal-mode change on connect).  The
whole transaction rolled back, so trying it again is safe, and it then finds the
schema at head."""


def _locked(database: Engine, error: OperationalError) -> bool:
    return database.dialect.name == "sqlite" and "database is locked" in str(error.orig)


def _upgrade(database: Engine, target: str) -> SchemaStatus:
    with database.begin() as connection:
        _lock(connection)
        status = _status(connection)
        if status.revision == target:
            return status
        _check_known(status)
        if status.revision is None and status.tables == 0 and target == status.head:
            metadata.create_all(connection, checkfirst=False)
            _context(connection).stamp(scripts(), "head")
        else:
            command.upgrade(alembic_config(connection), target)
        return _status(connection)


def downgrade(database: Engine, revision: str) -> SchemaStatus:
    """Take ``database``'s engine tables back to ``revision``.

    ``"base"`` drops every engine table and all it holds: back up first.
    """
    target = _known(revision, "revision")
    with database.begin() as connection:
        _lock(connection)
        status = _status(connection)
        _check_known(status)
        if status.revision is None:
            raise NotConfiguredError(
                "this database's engagement tables are not under migrations: "
                "run 'engagement upgrade' first"
            )
        command.downgrade(alembic_config(connection), target)
        return _status(connection)


def drop_version_table(connection: Connection) -> None:
    """Forget the revision (after the engine's tables were dropped)."""
    connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))


def _known(revision: object, name: str) -> str:
    """``revision`` as a revision id the package ships (``head`` and ``base`` too)."""
    if not isinstance(revision, str) or not revision or len(revision) > 64:
        raise InvalidInputError(f"{name}: a revision id, 'head' or 'base', not {revision!r}")
    if revision == "head":
        return head()
    if revision == "base":
        return revision
    try:
        found = scripts().get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        known = ", ".join(reversed([script.revision for script in scripts().walk_revisions()]))
        raise InvalidInputError(
            f"{name}: no revision {revision!r}; this version ships {known} (or 'head', 'base')"
        )
    return found.revision


def _check_known(status: SchemaStatus) -> None:
    if status.revision is None:
        return
    try:
        found = scripts().get_revision(status.revision)
    except CommandError:
        found = None
    if found is None:
        raise NotConfiguredError(
            f"the database's engagement tables are at revision {status.revision!r}, which "
            f"this version of engagement does not know (its newest is {status.head!r}): "
            "a newer version upgraded them; run that version, or restore the backup "
            "taken before the upgrade"
        )


def _status(connection: Connection) -> SchemaStatus:
    heads = _context(connection).get_current_heads()
    names = inspect(connection).get_table_names()
    tables = sum(1 for name in names if is_engine_table(name) and name != VERSION_TABLE)
    return SchemaStatus(heads[0] if heads else None, head(), tables)


def _context(connection: Connection) -> MigrationContext:
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})


def _lock(connection: Connection) -> None:
    """On PostgreSQL, one migrating transaction at a time per schema, until commit."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || :table))"),
            {"table": "." + VERSION_TABLE},
        )
