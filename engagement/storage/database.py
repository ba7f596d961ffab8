"""Connecting to the database: the embedded SQLite default and PostgreSQL.

SQLite is tuned for an embedded engine that many threads or processes write to:
WAL so readers never block the writer, ``synchronous=NORMAL`` (durable at each WAL
checkpoint, safe against corruption), a busy timeout instead of instant "database is
locked" errors, and ``BEGIN IMMEDIATE`` so two writers queue up instead of failing
when the second upgrades its read lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert

from engagement.exceptions import NotConfiguredError
from engagement.storage.tables import metadata

_UNDEFINED_TABLE = "42P01"
"""PostgreSQL's SQLSTATE for a relation that does not exist."""


def create_database_engine(url: str | sa.URL, **kwargs: Any) -> Engine:
    """An SQLAlchemy engine for ``url``, with the engine's SQLite settings applied."""
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        # First: the journal-mode change below waits for other connections' locks too.
        cursor.execute("PRAGMA busy_timeout=30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            # A checkpoint fsyncs inside whichever commit triggers it; every record
            # writes about ten pages, so the default (1,000 pages) stalls one commit
            # in a hundred for ~5 ms.  32 MB of WAL makes that one in a thousand.
            cursor.execute("PRAGMA wal_autocheckpoint=8000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # On the driver connection: through exec_driver_sql this costs more than the
        # rest of a small transaction.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


def insert_if_absent(connection: Connection, table: Table, *unique: str) -> Insert:
    """``INSERT … ON CONFLICT (unique) DO NOTHING`` for the connection's dialect.

    This is how everything awarded is awarded once: the database's unique constraint
    decides, never a check followed by an insert.  Statements are built once per
    dialect and table: building one costs more than running it on SQLite.
    """
    return insert_if_absent_on(connection.dialect.name, table, unique)


@lru_cache(maxsize=64)
def insert_if_absent_on(name: str, table: Table, unique: tuple[str, ...]) -> Insert:
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(unique))
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(unique))
    raise NotImplementedError(
        f"engagement supports SQLite and PostgreSQL, not {name!r}: "
        "use a 'sqlite://' or 'postgresql+psycopg://' URL"
    )


def missing_schema(connection: Connection, error: BaseException) -> NotConfiguredError | None:
    """The error to raise instead of ``error`` if it comes from missing engine tables.

    Called only once a statement has failed, so the hot path pays nothing for it (the
    prepared statements raise the driver's own errors, the others SQLAlchemy's).  On
    PostgreSQL the failed statement has aborted the transaction, so the error's
    SQLSTATE decides; SQLite keeps the transaction usable, so the tables are looked up.
    """
    if not isinstance(error, (DBAPIError, connection.dialect.loaded_dbapi.Error)):
        return None
    if connection.dialect.name == "postgresql":
        if not any(getattr(e, "sqlstate", None) == _UNDEFINED_TABLE for e in _causes(error)):
            return None
    else:
        try:
            inspector = sa.inspect(connection)
            if all(inspector.has_table(name) for name in metadata.tables):
                return None
        except DBAPIError:
            return None
    return NotConfiguredError(
        "this database has no engagement tables: call Engagement.create_schema(), "
        "then Engagement.activate_rules(path)"
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, the driver error it wraps, and the errors it was raised from."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [
            orig if isinstance(orig, BaseException) else None,
            current.__cause__,
            current.__context__,
        ]
