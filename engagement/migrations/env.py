"""The Alembic environment of the engine's own tables.

Run by Alembic for :func:`engagement.migrations.upgrade` and friends, on the
connection they pass in ``config.attributes["connection"]`` (inside its
transaction), or on ``sqlalchemy.url`` when Alembic's own command line is pointed at
``engagement:migrations``.  Only tables named ``engagement_*`` are compared, and the
revision is kept in ``engagement_alembic_version``: a host's tables and history are
never looked at.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from engagement.migrations.hosts import only_engine_tables
from engagement.migrations.tables import VERSION_TABLE, metadata


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    """Our tables only, our version table; batch operations so SQLite can alter."""
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=only_engine_tables,
        render_as_batch=True,
        literal_binds=connection is None,
        dialect_opts={"paramstyle": "named"} if connection is None else None,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    given = config.attributes.get("connection")
    if context.is_offline_mode():
        _configure(url=config.get_main_option("sqlalchemy.url"))
        with context.begin_transaction():
            context.run_migrations()
    elif isinstance(given, Connection):
        _run(given)
    else:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("set sqlalchemy.url, or pass a connection in config.attributes")
        database = create_engine(url)
        try:
            with database.begin() as connection:
                _run(connection)
        finally:
            database.dispose()


_main()
