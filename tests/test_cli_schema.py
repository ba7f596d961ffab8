"""``engagement upgrade``, ``downgrade`` and ``current`` on SQLite and PostgreSQL,
and under a host's command line as ``flask engagement …``."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from engagement import Engagement
from engagement.cli import cli, main
from engagement.migrations import VERSION_TABLE, drop_version_table, head


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_upgrade_creates_then_finds_the_tables_at_the_head(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["upgrade", "--db", database_url], capsys) == (
        0,
        f"upgraded from none to {head()} (head)\n",
        "",
    )
    assert run(["upgrade", "--db", database_url], capsys) == (
        0,
        f"already at {head()} (head)\n",
        "",
    )
    assert run(["current", "--db", database_url, "--check"], capsys) == (
        0,
        f"{head()} (head)\n",
        "",
    )


def test_current_check_exits_3_for_tables_from_before_migrations(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with Engagement(database_url) as engine:
        engine.create_schema()
        with engine.database.begin() as connection:
            drop_version_table(connection)
    code, out, _ = run(["current", "--db", database_url, "--check"], capsys)
    assert (code, out) == (
        3,
        "none: 14 engagement tables from before migrations, run 'engagement upgrade' "
        "to bring them under migrations\n",
    )
    assert run(["current", "--db", database_url], capsys)[0] == 0
    assert run(["upgrade", "--db", database_url], capsys)[1] == (
        f"upgraded from none to {head()} (head)\n"
    )


def test_downgrade_to_base_needs_yes(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["upgrade", "--db", database_url], capsys)
    assert run(["downgrade", "--db", database_url, "--revision", "base"], capsys) == (
        2,
        "",
        "engagement: --revision base drops every engagement table and all its rows "
        "— back up the database, then run again with --yes\n",
    )
    assert run(["downgrade", "--db", database_url, "--revision", "base", "--yes"], capsys) == (
        0,
        f"downgraded from {head()} to base\n",
        "",
    )
    code, out, _ = run(["current", "--db", database_url, "--check"], capsys)
    assert (code, out) == (
        3,
        "none: no engagement tables, run 'engagement upgrade' to create them\n",
    )


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_a_revision_the_package_does_not_ship(
    database_url: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["upgrade", "--db", database_url], capsys)
    assert run([command, "--db", database_url, "--revision", "zz"], capsys) == (
        2,
        "",
        "engagement: revision: no revision 'zz'; this version ships 0001, 0002, 0003, 0004 "
        "(or 'head', 'base')\n",
    )


def test_a_database_from_a_newer_version(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["upgrade", "--db", database_url], capsys)
    database = sa.create_engine(database_url)
    with database.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    database.dispose()
    code, _, err = run(["upgrade", "--db", database_url], capsys)
    assert code == 2
    assert err.startswith(
        "engagement: the database's engagement tables are at revision '9999', which this "
        "version of engagement does not know"
    )
    assert err.count("\n") == 1


def test_downgrade_needs_a_revision(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["downgrade", "--db", "sqlite://"], capsys) == (
        2,
        "",
        "engagement: the following arguments are required: --revision "
        "— see 'engagement downgrade --help'\n",
    )


def test_current_on_a_missing_sqlite_file_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.db"
    code, _, err = run(["current", "--db", f"sqlite:///{path}"], capsys)
    assert (code, err.startswith(f"engagement: --db: no database file '{path}'")) == (2, True)
    assert not path.exists()


def test_the_commands_work_as_flask_engagement(tmp_path: Path) -> None:
    host = click.Group("flask")
    host.add_command(cli)
    url = f"sqlite:///{tmp_path / 'host.db'}"
    runner = CliRunner()

    created = runner.invoke(host, ["engagement", "upgrade", "--db", url])
    checked = runner.invoke(host, ["engagement", "current", "--db", url, "--check"])
    refused = runner.invoke(host, ["engagement", "downgrade", "--db", url])

    assert (created.exit_code, created.output) == (0, f"upgraded from none to {head()} (head)\n")
    assert (checked.exit_code, checked.output) == (0, f"{head()} (head)\n")
    assert refused.exit_code == 2
    assert refused.output == (
        "engagement: the following arguments are required: --revision "
        "— see 'flask engagement downgrade --help'\n"
    )
