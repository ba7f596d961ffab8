"""The engine's migrations beside a host's: separate version tables, and a host's
autogenerate that never proposes to drop the engine's tables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from engagement import Engagement
from engagement.migrations import (
    VERSION_TABLE,
    downgrade,
    excluding_engine_tables,
    include_name,
    upgrade,
)

HOST = sa.MetaData()
users = sa.Table("users", HOST, sa.Column("id", sa.Integer, primary_key=True))
engagement_notes = sa.Table(
    "host_engagement_notes", HOST, sa.Column("id", sa.Integer, primary_key=True)
)


def host_differences(database: sa.Engine, **opts: Any) -> list[tuple[str, str]]:
    """``(operation, table)`` for each table-level change a host's autogenerate wants."""
    with database.connect() as connection:
        context = MigrationContext.configure(connection, opts=opts)
        found = compare_metadata(context, HOST)
    return [(diff[0], diff[1].name) for diff in found if isinstance(diff, tuple)]


def test_a_host_history_is_left_alone(database_url: str) -> None:
    with Engagement(database_url) as engine:
        database = engine.database
        with database.begin() as connection:
            HOST.create_all(connection)
            connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            connection.execute(sa.text("INSERT INTO alembic_version VALUES ('host0042')"))
        upgrade(database)
        downgrade(database, "base")
        upgrade(database)
        with database.connect() as connection:
            assert connection.execute(sa.text("SELECT * FROM alembic_version")).all() == [
                ("host0042",)
            ]
            assert (
                connection.execute(sa.text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar() == 1
            )
        assert {"users", "host_engagement_notes"} <= set(sa.inspect(database).get_table_names())


def test_a_host_autogenerate_with_include_name_never_drops_the_engine_tables(
    database_url: str,
) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        with engine.database.begin() as connection:
            users.create(connection)
        unfiltered = host_differences(engine.database)
        assert ("remove_table", "engagement_ledger") in unfiltered
        assert ("remove_table", VERSION_TABLE) in unfiltered
        assert host_differences(engine.database, include_name=include_name) == [
            ("add_table", "host_engagement_notes")
        ]


def test_a_host_filter_of_its_own_is_kept(database_url: str) -> None:
    def skip_legacy(name: str | None, type_: str, parent_names: Any) -> bool:
        return name != "legacy_audit"

    with Engagement(database_url) as engine:
        engine.create_schema()
        with engine.database.begin() as connection:
            HOST.create_all(connection)
            connection.execute(sa.text("CREATE TABLE legacy_audit (id INTEGER PRIMARY KEY)"))
        assert host_differences(engine.database, include_name=include_name) == [
            ("remove_table", "legacy_audit")
        ]
        combined = excluding_engine_tables(skip_legacy)
        assert host_differences(engine.database, include_name=combined) == []
        assert not combined("engagement_members", "table", {})
        assert combined("engagement_members", "column", {"table_name": "users"})
