"""``flask engagement …``: the engine's commands on the application's own engine."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from engagement import DEFAULT_RULES_PATH, Engagement


def _share(engine: Engagement, key: str = "a-1") -> None:
    engine.record(
        {
            "key": key,
            "member": "alice",
            "verb": "share",
            "at": "2026-07-06T09:15:00+02:00",
            "channel": "linkedin",
            "text": "Our Lyon team built this in three months, here is what surprised me",
            "content": {"id": "c-17", "kind": "industry", "topics": ["ai"]},
        }
    )


def test_commands_run_on_the_applications_engine_without_a_url(
    app: Flask, host: Engagement
) -> None:
    _share(host)
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["engagement", "export-member", "alice"])
    assert exported.exit_code == 0, exported.output
    assert [action["key"] for action in json.loads(exported.output)["actions"]] == ["a-1"]
    replayed = runner.invoke(args=["engagement", "replay"])
    assert replayed.exit_code == 0 and "0 would change" in replayed.output, replayed.output
    checked = runner.invoke(args=["engagement", "rebuild-leaderboards", "--check"])
    assert checked.exit_code == 0, checked.output
    assert runner.invoke(args=["engagement", "current"]).output.strip().endswith("(head)")


def test_activate_and_erase_change_what_the_web_workers_see(app: Flask, host: Engagement) -> None:
    _share(host)
    runner = app.test_cli_runner()
    before = host.active_rules().version
    activated = runner.invoke(args=["engagement", "activate", str(DEFAULT_RULES_PATH)])
    assert activated.exit_code == 0, activated.output
    assert host.active_rules().version == before  # the same file: nothing new
    erased = runner.invoke(args=["engagement", "erase-member", "alice", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert host.members.get("alice") is None


def test_errors_are_one_line_with_the_documented_exit_code(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["engagement", "export-member", "nobody"])
    assert unknown.exit_code == 2
    assert unknown.output.strip() == "engagement: member: unknown member 'nobody'"
    elsewhere = runner.invoke(
        args=["engagement", "replay", "--db", f"sqlite:///{tmp_path / 'missing.db'}"]
    )
    assert elsewhere.exit_code == 2
    assert "--db: no database file" in elsewhere.output
    assert "Traceback" not in unknown.output + elsewhere.output


def test_the_console_script_still_requires_a_url() -> None:
    from engagement.cli import main

    try:
        main(["replay"])
    except SystemExit as exit:
        assert exit.code == 2
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("engagement replay without --db must be a usage error")
