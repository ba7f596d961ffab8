"""The ``engagement`` command at its boundary: every bad input, unusable database and
unexpected failure ends in one line on stderr and a documented exit code, never a
traceback."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.cli import ExitCode, State, cli, main
from engagement.cli.errors import clip

ACTION: dict[str, Any] = {
    "key": "a-1",
    "member": "alice",
    "verb": "post",
    "at": "2026-07-06T10:00:00+02:00",
}
UNREACHABLE = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/nowhere"
"""Nothing listens on port 1: the connection is refused at once."""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``engagement argv``, usage errors included."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # usage errors, as under argparse
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def one_line(err: str) -> str:
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


@pytest.fixture
def actions_file(tmp_path: Path) -> Path:
    path = tmp_path / "actions.jsonl"
    path.write_text(json.dumps(ACTION) + "\n", encoding="utf-8")
    return path


def test_the_exit_codes_are_the_documented_ones() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "RULE_FILE": 1,
        "INVALID": 2,
        "DIFFERENCES": 3,
        "DATABASE": 4,
        "BUG": 5,
        "INTERRUPTED": 130,
    }


# -- input files ------------------------------------------------------------------------


def test_an_actions_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "latin1.jsonl"
    good = json.dumps(ACTION).encode()
    path.write_bytes(good + b"\n" + '{"key": "caf\xe9"}\n'.encode("latin-1"))

    code, out, err = run(["simulate", str(path)], capsys)

    assert code == 2
    assert one_line(err) == (
        f"engagement: {path}:2: not UTF-8 text (byte 0xe9 at position 13): save the file as UTF-8"
    )
    assert out == ""


def test_a_binary_members_file(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = tmp_path / "members.png"
    members.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8")

    code, out, err = run(["simulate", str(actions_file), "--members", str(members)], capsys)

    assert (code, out) == (2, "")
    assert one_line(err) == (
        f"engagement: {members}:1: not UTF-8 text (byte 0x89 at position 1): save the file as UTF-8"
    )


def test_a_byte_order_mark_is_tolerated(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ACTION).encode() + b"\n")

    code, out, _ = run(["simulate", str(path), "--json"], capsys)

    assert code == 0
    assert json.loads(out)["actions"] == 1


@pytest.mark.parametrize("command", ["validate", "simulate"])
def test_a_rule_file_that_is_not_utf8_exits_1(
    command: str, actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(b"verbs:\n  caf\xe9: {points: 1}\n")
    argv = ["validate", str(rules)] if command == "validate" else ["simulate", str(actions_file)]

    code, out, err = run([*argv, "--rules", str(rules)] if command == "simulate" else argv, capsys)

    assert code == 1
    printed = out if command == "validate" else err
    assert printed == (
        f"{rules}:2: <root>: not UTF-8 text: byte 0xE9 at column 6 cannot be read; "
        "save the file as UTF-8\n"
    )


def test_a_deeply_nested_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(ACTION) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")

    code, _, err = run(["simulate", str(path)], capsys)

    assert code == 2
    assert one_line(err) == f"engagement: {path}:2: action: JSON nested too deeply"


def test_a_deeply_nested_member(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = tmp_path / "members.jsonl"
    members.write_text('{"member": "alice"}\n' + "[" * 100_000 + "\n", encoding="utf-8")

    code, _, err = run(["simulate", str(actions_file), "--members", str(members)], capsys)

    assert code == 2
    assert one_line(err) == f"engagement: {members}:2: member: JSON nested too deeply"


@pytest.mark.parametrize("command", ["validate", "simulate"])
def test_a_deeply_nested_rule_file_exits_1(
    command: str, actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "deep.yaml"
    rules.write_text("verbs: " + "[" * 100_000 + "\n", encoding="utf-8")
    argv = (
        ["validate", str(rules)]
        if command == "validate"
        else ["simulate", str(actions_file), "--rules", str(rules)]
    )

    code, out, err = run(argv, capsys)

    assert code == 1
    printed = out if command == "validate" else err
    assert printed == (
        f"{rules}:1: verbs{'.0' * 31}: nested more than 32 levels deep; "
        "a rule file may nest at most 32 (stopped reading here)\n"
    )


@pytest.mark.parametrize(
    ("at", "limit"),
    [
        (
            "0001-01-01T00:00:00+02:00",
            "is before 2000-01-01T00:00:00+00:00, the earliest accepted (Limits.earliest)",
        ),
        (
            "0001-01-01T00:00:00-02:00",
            "is before 2000-01-01T00:00:00+00:00, the earliest accepted (Limits.earliest)",
        ),
        (
            "9999-12-31T23:00:00-02:00",
            "is not before 2100-01-01T00:00:00+00:00, the limit (Limits.latest)",
        ),
    ],
)
def test_an_action_at_the_ends_of_the_calendar(
    at: str, limit: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({**ACTION, "at": at}) + "\n", encoding="utf-8")

    code, _, err = run(["simulate", str(path)], capsys)

    assert code == 2
    assert one_line(err) == (f"engagement: {path}:1: action 'a-1': at: {at} {limit}")


@pytest.fixture
def scored(actions_file: Path, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'scored.db'}"
    assert main(["simulate", str(actions_file), "--db", url, "--write", "--json"]) == 0
    return url


def test_an_instant_in_year_1_for_a_board(scored: str, capsys: pytest.CaptureFixture[str]):
    capsys.readouterr()
    argv = ["leaderboard", "--db", scored, "--at", "0001-01-01T00:00:00+05:00"]

    code, _, err = run(argv, capsys)

    assert code == 2
    assert one_line(err) == (
        "engagement: --at: year 1 is out of range; give one between 2 and 9998"
    )


def test_a_day_in_year_1_for_a_report(scored: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()

    code, _, err = run(["report", "--db", scored, "--at", "0001-01-01"], capsys)

    assert code == 2
    assert one_line(err) == (
        "engagement: --at: year 1 is out of range; give one between 2 and 9998 "
        "— see 'engagement report --help'"
    )


def test_a_text_with_a_nul_character(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps({**ACTION, "text": "a\u0000b"}) + "\n", encoding="utf-8")

    code, _, err = run(["simulate", str(path)], capsys)

    assert code == 2
    assert one_line(err) == (
        f"engagement: {path}:1: action 'a-1': text: holds a NUL character (U+0000), "
        "which no text may hold"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('"alice"', 'a member is a JSON object, such as {"member": "u-1"}'),
        ('{"member": 5}', "member: is required, a non-empty string"),
        ('{"member": "alice", "session": 1}', "unknown member field(s): session"),
        ('{"member": "alice", "team": ["a"]}', "team: a string or null"),
        ('{"member": "alice", "colour": "red"}', "unknown member field(s): colour"),
        ("{member: alice}", "member: invalid JSON: Expecting property name enclosed in"),
    ],
)
def test_a_bad_member_line(
    line: str,
    message: str,
    actions_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    members = tmp_path / "members.jsonl"
    members.write_text(line + "\n", encoding="utf-8")

    code, _, err = run(["simulate", str(actions_file), "--members", str(members)], capsys)

    assert code == 2
    assert one_line(err).startswith(f"engagement: {members}:1: {message}")


# -- long values ------------------------------------------------------------------------


def test_a_10_mb_key_is_not_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({**ACTION, "key": "k" * 10_000_000}) + "\n", encoding="utf-8")

    code, _, err = run(["simulate", str(path)], capsys)

    assert code == 2
    assert one_line(err) == (
        f"engagement: {path}:1: key: 10000000 characters, more than the limit of 255"
    )


def test_a_10_mb_option_echoed_by_the_engine_is_cut(
    scored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    code, _, err = run(["leaderboard", "--db", scored, "--period", "x" * 10_000_000], capsys)

    assert code == 2
    line = one_line(err)
    assert line.startswith(f"engagement: period: unknown period '{'x' * 79}…(10000000 chars)'; ")
    assert len(line) < 300


def test_clip_keeps_short_values_and_cuts_long_lines() -> None:
    path = "/home/hr/programmes/2026/ambassadors/exports/actions-2026-07-01.jsonl:12:"
    assert clip(f"{path} action 'k': x") == f"{path} action 'k': x"
    assert clip("two\nlines") == "two lines"
    spaced = "a " * 1000
    assert clip(spaced) == f"{spaced[:1000]}…(2000 chars)"


# -- the database -----------------------------------------------------------------------

COMMANDS = [
    ["simulate", "{actions}", "--db", "{db}"],
    ["simulate", "{actions}", "--db", "{db}", "--write"],
    ["replay", "--db", "{db}"],
    ["replay", "--db", "{db}", "--apply"],
    ["badges", "alice", "--db", "{db}"],
    ["adjust", "alice", "--points", "5", "--reason", "prize", "--key", "k", "--db", "{db}"],
    ["award-pending", "--db", "{db}"],
    ["leaderboard", "--db", "{db}"],
    ["standing", "alice", "--db", "{db}"],
    ["rebuild-leaderboards", "--db", "{db}", "--check"],
    ["rebuild-leaderboards", "--db", "{db}"],
    ["export-member", "alice", "--db", "{db}"],
    ["erase-member", "alice", "--db", "{db}", "--yes"],
    ["report", "--db", "{db}"],
    ["drain", "--db", "{db}", "--webhook", "http://127.0.0.1:1/hook"],
]


def _name(template: list[str]) -> str:
    return " ".join(part for part in template if "{" not in part and part != "--db")


def _argv(template: list[str], db: str, actions: Path) -> list[str]:
    return [part.format(db=db, actions=actions) for part in template]


@pytest.mark.parametrize("template", COMMANDS, ids=_name)
def test_a_db_that_is_not_a_url(
    template: list[str], actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(_argv(template, "not a url", actions_file), capsys)

    assert code == 2
    assert one_line(err) == (
        "engagement: --db: 'not a url' is not a database URL — give one such as "
        "sqlite:///engagement.db or postgresql+psycopg://USER@HOST/DATABASE"
    )
    assert out == ""


@pytest.mark.parametrize("template", COMMANDS, ids=_name)
def test_an_unreachable_postgresql_server(
    template: list[str], actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(_argv(template, UNREACHABLE, actions_file), capsys)

    assert code == 4
    line = one_line(err)
    assert line.startswith(
        "engagement: the database postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere failed: "
    )
    assert "port 1 failed" in line
    assert line.endswith(
        " — check that it is running and that --db names the right host, port, database "
        "and credentials, then run again"
    )
    assert "s3cret" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("url", "timeout"),
    [(UNREACHABLE, "10"), (f"{UNREACHABLE}?connect_timeout=2", "2"), ("sqlite://", None)],
)
def test_a_postgresql_server_that_does_not_answer_is_given_up_on(
    url: str, timeout: str | None
) -> None:
    with State().engine(url) as engine:
        assert engine.database.url.query.get("connect_timeout") == timeout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://root@127.0.0.1/engagement",
            "engagement: --db: engagement runs on SQLite and PostgreSQL, not 'mysql' — give a "
            "URL such as sqlite:///engagement.db or postgresql+psycopg://USER@HOST/DATABASE",
        ),
        (
            "postgresql+asyncpg://postgres@127.0.0.1/x",
            "engagement: --db: 'postgresql+asyncpg' is an asyncio driver — install "
            "engagement[postgres] and use a postgresql+psycopg:// URL",
        ),
        (
            "postgresql+nodriver://postgres@127.0.0.1/x",
            "engagement: --db: SQLAlchemy knows no driver 'postgresql+nodriver' — install "
            "engagement[postgres] and use a postgresql+psycopg:// URL",
        ),
    ],
)
def test_a_database_engagement_cannot_use(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["replay", "--db", url], capsys)

    assert code == 2
    assert one_line(err) == message


@pytest.mark.skipif(importlib.util.find_spec("pg8000") is not None, reason="pg8000 installed")
def test_a_database_driver_that_is_not_installed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["replay", "--db", "postgresql+pg8000://postgres@127.0.0.1/x"], capsys)

    assert code == 2
    assert one_line(err) == (
        "engagement: --db: the driver for 'postgresql+pg8000' is not installed (no module "
        "'pg8000') — install engagement[postgres] and use a postgresql+psycopg:// URL"
    )


@pytest.mark.parametrize("template", COMMANDS, ids=_name)
def test_no_command_creates_a_missing_sqlite_file_unless_told_to_write(
    template: list[str], actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"

    code, out, err = run(_argv(template, f"sqlite:///{missing}", actions_file), capsys)

    if "--write" in template:
        assert (code, err) == (0, "")
        assert missing.is_file()
        return
    assert code == 2
    advice = (
        "correct the path, or add --write to create a new database"
        if template[0] == "simulate"
        else "correct the path (sqlite:///NAME is relative to the current directory, "
        "sqlite:////NAME absolute)"
    )
    assert one_line(err) == f"engagement: --db: no database file '{missing}' — {advice}"
    assert not missing.exists()
    assert out == ""


def test_a_database_file_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_db = tmp_path / "notes.db"
    not_db.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")

    code, _, err = run(["replay", "--db", f"sqlite:///{not_db}"], capsys)

    assert code == 4
    assert one_line(err).startswith(
        f"engagement: the database sqlite:///{not_db} failed: file is not a database — "
    )


def test_a_database_without_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()  # SQLite reads an empty file as an empty database

    code, _, err = run(["leaderboard", "--db", f"sqlite:///{empty}"], capsys)

    assert code == 2
    assert one_line(err).startswith(
        "engagement: this database has no engagement tables: call Engagement.create_schema()"
    )


# -- usage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "engagement: no such option: --bogus — see 'engagement --help'"),
        (
            ["replay", "--dbb", "sqlite://"],
            "engagement: no such option: --dbb (did you mean --db?) "
            "— see 'engagement replay --help'",
        ),
        (["frobnicate"], "engagement: No such command 'frobnicate'. — see 'engagement --help'"),
        (
            ["replay"],
            "engagement: the following arguments are required: --db "
            "— see 'engagement replay --help'",
        ),
        (
            ["leaderboard", "--db", "sqlite://", "--metric", "likes"],
            "engagement: --metric: invalid choice: 'likes' (choose from 'points', 'variety') "
            "— see 'engagement leaderboard --help'",
        ),
        (
            ["leaderboard", "--db", "sqlite://", "--offset", "1" * 30],
            f"engagement: --offset: {'1' * 30} is too large; at most 2147483647 "
            "— see 'engagement leaderboard --help'",
        ),
        (
            ["simulate", "actions.jsonl", "--top", "many"],
            "engagement: --top: invalid int value: 'many' — see 'engagement simulate --help'",
        ),
        (
            ["simulate", "actions.jsonl", "--write"],
            "engagement: --write needs --db: a simulation in memory keeps nothing "
            "— see 'engagement simulate --help'",
        ),
    ],
)
def test_a_usage_error_is_one_line_and_exits_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert one_line(err) == message
    assert out == ""


# -- the unexpected ---------------------------------------------------------------------


def _boom(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("boom")


def test_an_unexpected_error_is_one_line_and_exits_5(
    scored: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Engagement, "replay", _boom)
    capsys.readouterr()

    code, out, err = run(["replay", "--db", scored], capsys)

    assert (code, out) == (5, "")
    assert one_line(err) == (
        "engagement: unexpected RuntimeError: boom — this is a bug: run again as "
        "'engagement --traceback …' and report what it shows"
    )


def test_a_raw_driver_error_is_a_database_error(
    scored: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def locked(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Engagement, "replay", locked)
    capsys.readouterr()

    code, out, err = run(["replay", "--db", scored], capsys)

    assert (code, out) == (4, "")
    assert one_line(err) == (
        f"engagement: the database {scored} failed: database is locked — check that --db "
        "names a database file this user may write and that no other process holds it "
        "locked, then run again"
    )


def test_traceback_lets_an_unexpected_error_through(
    scored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Engagement, "replay", _boom)

    with pytest.raises(RuntimeError, match="boom"):
        main(["--traceback", "replay", "--db", scored])


def test_an_interruption_exits_130(
    scored: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Engagement, "replay", interrupt)
    capsys.readouterr()

    code, _, err = run(["replay", "--db", scored], capsys)

    assert code == 130
    assert err.splitlines()[-1] == "engagement: interrupted"


# -- one group, for the console script and for a host's command line -----------------


def test_the_group_works_under_another_command_line(tmp_path: Path) -> None:
    host = click.Group("flask")
    host.add_command(cli)
    runner = CliRunner()

    ok = runner.invoke(host, ["engagement", "validate", str(DEFAULT_RULES_PATH)])
    bad_db = runner.invoke(host, ["engagement", "replay", "--db", "not a url"])
    missing = runner.invoke(host, ["engagement", "replay"])

    # ``output`` is what a terminal shows, stdout and stderr together.
    assert (ok.exit_code, ok.output.startswith(f"{DEFAULT_RULES_PATH}: ok")) == (0, True)
    assert bad_db.exit_code == 2
    assert bad_db.output.startswith("engagement: --db: 'not a url' is not a database URL")
    assert missing.exit_code == 2
    assert missing.output == (
        "engagement: the following arguments are required: --db "
        "— see 'flask engagement replay --help'\n"
    )


def test_a_check_that_finds_differences_exits_3_under_another_command_line(
    scored: str,
) -> None:
    import sqlalchemy as sa

    database = sa.create_engine(scored)
    with database.begin() as connection:
        connection.execute(sa.text("UPDATE engagement_scores SET points = 1"))
    database.dispose()
    host = click.Group("flask")
    host.add_command(cli)

    result = CliRunner().invoke(
        host, ["engagement", "rebuild-leaderboards", "--db", scored, "--check"]
    )

    assert result.exit_code == 3
