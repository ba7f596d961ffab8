"""Putting a rule file live from the command line: validate, preview, activate, apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.cli import main

POST = {"key": "p1", "member": "u1", "verb": "post", "at": "2026-07-06T10:00:00+02:00"}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def richer(tmp_path: Path) -> Path:
    """The default rules with a post worth 40 points instead of 30."""
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert "    points: 30  " in text
    path = tmp_path / "richer.yaml"
    path.write_text(text.replace("    points: 30  ", "    points: 40  ", 1), encoding="utf-8")
    return path


@pytest.fixture
def live(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A database under the default rules (version 1) with one post of 35 points."""
    actions = tmp_path / "actions.jsonl"
    actions.write_text(json.dumps(POST) + "\n", encoding="utf-8")
    assert main(["upgrade", "--db", database_url]) == 0
    assert main(["activate", str(DEFAULT_RULES_PATH), "--db", database_url]) == 0
    assert main(["simulate", str(actions), "--db", database_url, "--write"]) == 0
    capsys.readouterr()
    return database_url


def test_validate_preview_activate_apply(
    live: str, richer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["validate", str(richer)], capsys)[0] == 0
    preview = run(["replay", "--db", live, "--rules", str(richer)], capsys)
    assert preview == (
        0,
        "1 actions replayed; 1 would change; points 35 -> 45\n  p1: 35 -> 45\n",
        "",
    )
    with Engagement(live) as engine:
        assert engine.active_rules().version == 1  # the preview changed nothing
    assert run(["activate", str(richer), "--db", live], capsys) == (
        0,
        f"{richer}: activated as version 2 (was 1)\n",
        "",
    )
    assert run(["activate", str(richer), "--db", live], capsys)[1] == (
        f"{richer}: already active as version 2\n"
    )
    assert run(["replay", "--db", live, "--apply"], capsys)[1].startswith(
        "1 actions replayed; 1 adjusted; points 35 -> 45"
    )
    with Engagement(live) as engine:
        assert engine.ledger.points("u1") == 45


def test_a_file_with_problems_is_never_activated(
    live: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("verbs: [\n", encoding="utf-8")
    code, out, err = run(["activate", str(bad), "--db", live], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"{bad}:2: <root>: syntax error")
    with Engagement(live) as engine:
        assert engine.active_rules().version == 1


def test_apply_with_a_rule_file_not_activated_is_refused(
    live: str, richer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["replay", "--db", live, "--rules", str(richer), "--apply"], capsys) == (
        2,
        "",
        "engagement: --apply rescores under the active rules only, not --rules — activate "
        "the file first ('engagement activate FILE --db URL'), then --apply\n",
    )


def test_activate_needs_a_database_with_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.db"
    code, _, err = run(
        ["activate", str(DEFAULT_RULES_PATH), "--db", f"sqlite:///{missing}"], capsys
    )
    assert (code, err.startswith(f"engagement: --db: no database file '{missing}'")) == (2, True)
