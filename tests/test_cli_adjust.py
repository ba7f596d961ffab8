"""``engagement adjust`` and ``flask engagement adjust``: points by hand, from a shell."""

from __future__ import annotations

import json

import pytest
from conftest import BOARD_RULES
from flask import Flask

from engagement import Engagement
from engagement.cli import main

ARGS = ["adjust", "ana", "--points", "-5", "--reason", "duplicate post", "--key", "k1"]


@pytest.fixture
def db(database_url: str) -> str:
    engine = Engagement(database_url)
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(BOARD_RULES))
    engine.members.upsert("ana", opted_in=True)
    engine.close()
    return database_url


def _points(url: str) -> int:
    with Engagement(url) as engine:
        return engine.ledger.points("ana")


def test_adjust_writes_once_and_says_so(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--by", "hr-anna", "--db", db]) == 0
    assert capsys.readouterr().out == "ana: -5 points by hr-anna (duplicate post), adjusted\n"
    assert main([*ARGS, "--by", "hr-anna", "--db", db]) == 0
    assert capsys.readouterr().out == (
        "ana: -5 points by hr-anna (duplicate post), already adjusted, nothing written\n"
    )
    assert _points(db) == -5


def test_adjust_json_and_the_default_author(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--db", db, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {k: printed[k] for k in ("key", "member", "points", "reason", "duplicate")} == {
        "key": "k1",
        "member": "ana",
        "points": -5,
        "reason": "duplicate post",
        "duplicate": False,
    }
    assert printed["by"]  # the system's name for whoever runs it


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ["--points", "0"],
            "engagement: points: a whole number from -10,000 to 10,000 other than 0",
        ),
        (["--points", "10001"], "engagement: points: a whole number from -10,000 to 10,000"),
        (["--reason", " "], "engagement: reason: say why, in 1 to 500 characters"),
        (["--key", ""], "engagement: key: a non-empty string of at most 255 characters"),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    db: str, change: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ARGS, *change, "--db", db]) == 2
    assert capsys.readouterr().err.startswith(message)
    assert _points(db) == 0


def test_a_reused_key_and_an_unknown_member_exit_2(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ARGS, "--by", "hr", "--db", db]) == 0
    capsys.readouterr()
    assert main([*ARGS[:3], "7", *ARGS[4:], "--by", "hr", "--db", db]) == 2
    assert "key: 'k1' was used for another adjustment of 'ana'" in capsys.readouterr().err
    assert main(["adjust", "zoe", *ARGS[2:], "--db", db]) == 2
    assert capsys.readouterr().err.strip() == "engagement: member: unknown member 'zoe'"
    assert _points(db) == -5


def test_flask_engagement_adjust_uses_the_applications_engine(app: Flask, host: Engagement) -> None:
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["engagement", "adjust", "alice", "--points", "20", "--reason", "prize",
              "--key", "k", "--by", "hr"]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.output == "alice: +20 points by hr (prize), adjusted\n"
    assert host.ledger.points("alice") == 20
