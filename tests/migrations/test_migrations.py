"""The engine's migrations: empty databases, databases from before migrations with
their rows, the models against the migrated schema, refusals, several processes."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from test_signals import kudos, share

from engagement import Engagement, InvalidInputError, NotConfiguredError
from engagement.migrations import (
    VERSION_TABLE,
    alembic_config,
    current,
    downgrade,
    drop_version_table,
    head,
    runner,
    upgrade,
)
from engagement.migrations.hosts import only_engine_tables
from engagement.migrations.tables import metadata
from engagement.storage.database import create_database_engine


def differences(database: sa.Engine) -> list[Any]:
    """What Alembic's autogenerate finds between the models and the database."""
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"version_table": VERSION_TABLE, "include_name": only_engine_tables},
        )
        return list(compare_metadata(context, metadata))


ADDED_AFTER_0001 = frozenset(
    {("engagement_actions", "scored_as_of"), ("engagement_actions", "echo")}
)
"""Columns later revisions add: NULL in every row a database of 0.1 had."""


def every_row(
    database: sa.Engine, *, leave_out: frozenset[tuple[str, str]] = frozenset()
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every engine table the database has, in a stable order, of the
    columns it has but ``leave_out`` (so that rows before and after a revision that
    adds columns compare)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with database.connect() as connection:
        inspector = sa.inspect(connection)
        for table in metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            names = {column["name"] for column in inspector.get_columns(table.name)}
            selected = sa.select(
                *(
                    column
                    for column in table.columns
                    if column.name in names and (table.name, column.name) not in leave_out
                )
            )
            rows[table.name] = sorted(
                (tuple(row) for row in connection.execute(selected)), key=repr
            )
    return rows


def versions(database: sa.Engine) -> list[str]:
    with database.connect() as connection:
        return list(
            connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        )


def test_an_empty_database_is_created_at_the_head(database_url: str) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        status = current(engine.database)
        assert (status.revision, status.at_head) == (head(), True)
        assert status.tables == len(metadata.tables)
        assert versions(engine.database) == [head()]
        assert status.describe() == f"{head()} (head)"


def test_running_every_revision_gives_the_schema_of_the_models(database_url: str) -> None:
    database = create_database_engine(database_url)
    with database.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    assert versions(database) == [head()]
    assert differences(database) == []
    database.dispose()


def test_the_quick_path_for_an_empty_database_gives_the_same_schema(database_url: str) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        assert differences(engine.database) == []
        with engine.database.begin() as connection:  # the comparison sees what is missing
            connection.execute(sa.text("DROP INDEX ix_engagement_actions_target_verb"))
        assert [(d[0], d[1].name) for d in differences(engine.database)] == [
            ("add_index", "ix_engagement_actions_target_verb")
        ]


def test_a_database_from_before_migrations_keeps_every_row(recognising: Any) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos())
    engine.record(share(key="s2", hours=30))
    engine.revoke("s2", reason="duplicate")
    engine.outbox.drain(lambda message: None, limit=3)
    database = engine.database
    downgrade(database, "0001")  # the tables of 0.1, every row kept
    with database.begin() as connection:  # as create_schema() of 0.1 left them
        drop_version_table(connection)
        connection.execute(sa.text("DROP INDEX ix_engagement_ledger_member_pk_created_at"))
    before = every_row(database)
    assert sum(map(len, before.values())) > 20
    assert current(database).revision is None
    assert "from before migrations" in current(database).describe()

    status = upgrade(database)

    assert status.at_head
    assert every_row(database, leave_out=ADDED_AFTER_0001) == before
    assert differences(database) == []  # the missing index is back
    points = engine.ledger.points("alice")
    award = engine.record(share(key="s3", hours=2))
    assert award.points > 0
    assert engine.ledger.points("alice") == points + award.points
    assert engine.boards.rebuild(check=True).consistent


def test_upgrading_a_database_at_the_head_changes_nothing(database_url: str) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        before = every_row(engine.database)
        assert upgrade(engine.database) == current(engine.database)
        assert upgrade(engine.database, head()).at_head
        assert every_row(engine.database) == before
        assert versions(engine.database) == [head()]


def test_downgrading_to_base_drops_the_tables_and_upgrading_brings_them_back(
    database_url: str,
) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        status = downgrade(engine.database, "base")
        assert (status.revision, status.tables) == (None, 0)
        assert not [
            n for n in sa.inspect(engine.database).get_table_names() if n in metadata.tables
        ]
        assert upgrade(engine.database).at_head
        assert differences(engine.database) == []


def test_drop_schema_also_forgets_the_revision(database_url: str) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        engine.drop_schema()
        assert sa.inspect(engine.database).get_table_names() == []
        engine.create_schema()
        assert current(engine.database).at_head


@pytest.mark.parametrize("revision", ["nope", "", 42, "x" * 65])
def test_a_revision_the_package_does_not_ship_is_refused(database_url: str, revision: Any) -> None:
    with Engagement(database_url) as engine:
        with pytest.raises(InvalidInputError, match=r"^revision: ") as raised:
            upgrade(engine.database, revision)
        if revision == "nope":
            assert str(raised.value) == (
                "revision: no revision 'nope'; this version ships 0001, 0002, 0003, 0004 "
                "(or 'head', 'base')"
            )
        with pytest.raises(InvalidInputError, match=r"^revision: "):
            downgrade(engine.database, revision)
        assert sa.inspect(engine.database).get_table_names() == []


def test_a_database_upgraded_by_a_newer_version_is_refused(database_url: str) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        with engine.database.begin() as connection:
            connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
        message = (
            "the database's engagement tables are at revision '9999', which this version "
            "of engagement does not know"
        )
        with pytest.raises(NotConfiguredError, match=message):
            engine.create_schema()
        with pytest.raises(NotConfiguredError, match=message):
            downgrade(engine.database, "base")
        assert current(engine.database).revision == "9999"


def test_downgrading_tables_not_under_migrations_is_refused(database_url: str) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        with engine.database.begin() as connection:
            drop_version_table(connection)
        with pytest.raises(
            NotConfiguredError, match="not under migrations: run 'engagement upgrade'"
        ):
            downgrade(engine.database, "base")
        assert len(sa.inspect(engine.database).get_table_names()) == len(metadata.tables)


def test_several_processes_creating_the_schema_at_once_create_it_once(database_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            with Engagement(database_url) as engine:
                barrier.wait()
                engine.create_schema()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    database = create_database_engine(database_url)
    assert versions(database) == [head()]
    assert differences(database) == []
    database.dispose()


def _locked_then(real: Any, failures: int, message: str) -> tuple[Any, list[int]]:
    """``real``, failing ``failures`` times first with an SQLite ``message``."""
    calls: list[int] = []

    def upgrade_once(database: sa.Engine, target: str) -> Any:
        calls.append(1)
        if len(calls) <= failures:
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError(message))
        return real(database, target)

    return upgrade_once, calls


def test_a_locked_sqlite_file_is_tried_again(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several processes starting on a new file: SQLite may refuse one of them
    "database is locked" while another creates the tables; it tries again."""
    upgrade_once, calls = _locked_then(runner._upgrade, 2, "database is locked")
    monkeypatch.setattr(runner, "_upgrade", upgrade_once)
    with Engagement(f"sqlite:///{tmp_path / 'e.db'}") as engine:
        engine.create_schema()
        assert current(engine.database).at_head
    assert len(calls) == 3


def test_other_database_errors_are_not_tried_again(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade_once, calls = _locked_then(runner._upgrade, 1, "disk I/O error")
    monkeypatch.setattr(runner, "_upgrade", upgrade_once)
    with (
        Engagement(f"sqlite:///{tmp_path / 'e.db'}") as engine,
        pytest.raises(sa.exc.OperationalError, match="disk I/O error"),
    ):
        engine.create_schema()
    assert len(calls) == 1


def test_a_file_locked_for_good_is_reported_after_a_few_tries(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade_once, calls = _locked_then(runner._upgrade, 99, "database is locked")
    monkeypatch.setattr(runner, "_upgrade", upgrade_once)
    monkeypatch.setattr(runner.time, "sleep", lambda _: None)
    with (
        Engagement(f"sqlite:///{tmp_path / 'e.db'}") as engine,
        pytest.raises(sa.exc.OperationalError, match="database is locked"),
    ):
        engine.create_schema()
    assert len(calls) == runner.LOCKED_ATTEMPTS
