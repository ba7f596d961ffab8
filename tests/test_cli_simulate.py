"""``engagement simulate`` on a database: a what-if that changes nothing unless
``--write``, and an import that writes everything or nothing (or, with
``--skip-invalid``, everything but the bad lines it reports)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from engagement import DEFAULT_RULES_PATH, Engagement, InvalidActionError
from engagement.cli import main
from engagement.simulation import simulate

LIVE_RULES = """
verbs:
  post: {points: 30, content: none}
  training: {points: 20, content: none}
"""
"""The database's active rules (version 2): flat points, no bonuses."""


def action(key: str, member: str = "alice", verb: str = "post", **fields: Any) -> dict[str, Any]:
    return {"key": key, "member": member, "verb": verb, "at": "2026-07-06T10:00:00+02:00", **fields}


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[Engagement]:
    """A database in use: the shipped rules, then :data:`LIVE_RULES`, and a log."""
    engine = Engagement(database_url)
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    rules = tmp_path / "live.yaml"
    rules.write_text(LIVE_RULES, encoding="utf-8")
    engine.activate_rules(rules)
    engine.members.upsert("alice", display_name="Alice")
    engine.record_many([action("live-1"), action("live-2", "bob", "training")], create_members=True)
    yield engine
    engine.close()


def state(engine: Engagement) -> tuple[Any, ...]:
    """Everything simulate could change: active ruleset, ledger, members."""
    return (
        engine.active_rules().version,
        [(e.key, e.member, e.points, e.entry_kind) for e in engine.ledger.entries()],
        engine.ledger.totals(),
        engine.members.get("alice"),
    )


def url_of(engine: Engagement) -> str:
    return engine.database.url.render_as_string(hide_password=False)


def shown(engine: Engagement) -> str:
    return engine.database.url.render_as_string(hide_password=True)


def test_a_what_if_on_a_live_database_uses_its_rules_and_changes_nothing(
    live: Engagement, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(live)
    actions = write_jsonl(tmp_path / "a.jsonl", [action("new-1"), action("new-2", "carol")])
    members = write_jsonl(tmp_path / "m.jsonl", [{"member": "alice", "display_name": "Renamed"}])

    argv = ["simulate", str(actions), "--db", url_of(live), "--members", str(members), "--json"]
    assert main(argv) == 0

    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["ruleset_version"] == 2  # the database's, not the shipped rules again
    # On top of the live log: alice had 30 points, her new post makes 60.
    assert [(m["member"], m["points"], m["display_name"]) for m in result["members"]] == [
        ("alice", 60, "Renamed"),
        ("carol", 30, None),
        ("bob", 20, None),
    ]
    assert err == (
        f"engagement: a what-if: nothing was written to {shown(live)} "
        "(add --write to keep the actions)\n"
    )
    assert state(live) == before


def test_a_what_if_under_other_rules_leaves_the_active_ruleset(
    live: Engagement, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(live)
    actions = write_jsonl(tmp_path / "a.jsonl", [action("new-1")])
    rules = tmp_path / "double.yaml"
    rules.write_text(LIVE_RULES.replace("30", "60"), encoding="utf-8")

    argv = ["simulate", str(actions), "--db", url_of(live), "--rules", str(rules), "--json"]
    assert main(argv) == 0

    result = json.loads(capsys.readouterr().out)
    assert result["ruleset_version"] == 3
    assert result["members"][0]["points"] == 30 + 60  # earlier actions keep their points
    assert state(live) == before


def test_write_keeps_the_actions_and_activates_the_rules(
    live: Engagement, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = write_jsonl(tmp_path / "a.jsonl", [action("new-1")])
    rules = tmp_path / "double.yaml"
    rules.write_text(LIVE_RULES.replace("30", "60"), encoding="utf-8")

    argv = ["simulate", str(actions), "--db", url_of(live), "--rules", str(rules), "--write"]
    assert main(argv) == 0

    assert capsys.readouterr().err == ""
    assert live.active_rules().version == 3
    assert live.ledger.totals() == {"alice": 90, "bob": 20}


def test_write_without_rules_keeps_the_active_ones(
    live: Engagement, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = write_jsonl(tmp_path / "a.jsonl", [action("new-1")])

    assert main(["simulate", str(actions), "--db", url_of(live), "--write"]) == 0

    assert live.active_rules().version == 2
    assert live.ledger.totals() == {"alice": 60, "bob": 20}


def test_a_what_if_needs_the_engagement_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "host.db"
    empty.touch()
    actions = write_jsonl(tmp_path / "a.jsonl", [action("new-1")])

    assert main(["simulate", str(actions), "--db", f"sqlite:///{empty}"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"engagement: sqlite:///{empty} has no engagement tables — simulate without --db, "
        "or add --write to create them and keep the actions\n"
    )
    assert sa.inspect(sa.create_engine(f"sqlite:///{empty}")).get_table_names() == []


@pytest.mark.parametrize("write", [False, True])
def test_a_bad_line_after_whole_chunks_writes_nothing(
    write: bool,
    live: Engagement,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("engagement.simulation.CHUNK", 2)
    before = state(live)
    lines: list[dict[str, Any] | str] = [action(f"new-{n}", f"m-{n}") for n in range(1, 6)]
    lines.append(action("new-6", verb="dance"))
    actions = write_jsonl(tmp_path / "a.jsonl", [*lines, action("new-7")])

    argv = ["simulate", str(actions), "--db", url_of(live), *(["--write"] if write else [])]
    assert main(argv) == 2

    out, err = capsys.readouterr()
    refusal = (
        f"engagement: {actions}:6: action 'new-6': verb: unknown verb 'dance'; "
        "known: post, training"
    )
    advice = (
        f" — nothing was written to {shown(live)}: correct the line, or add --skip-invalid "
        "to leave bad lines out, and run again"
    )
    assert err == refusal + (advice if write else "") + "\n"
    assert out == ""
    assert state(live) == before


def test_a_bad_line_at_6000_writes_none_of_the_5000_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "big.db"
    lines: list[dict[str, Any] | str] = [
        action(f"k-{n}", f"m-{n % 50}", at=f"2026-07-06T10:{n // 600:02d}:{n % 60:02d}+02:00")
        for n in range(5999)
    ]
    actions = write_jsonl(tmp_path / "a.jsonl", [*lines, "{not json"])

    argv = ["simulate", str(actions), "--db", f"sqlite:///{db}", "--write"]
    assert main(argv) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert err.startswith(f"engagement: {actions}:6000: action: Invalid JSON: ")
    assert f"— nothing was written to sqlite:///{db}: correct the line" in err
    with Engagement(f"sqlite:///{db}") as engine:
        assert engine.ledger.entries() == []
        assert engine.ledger.totals() == {}


def test_skip_invalid_reports_each_bad_line_in_order_and_writes_the_rest(
    live: Engagement,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("engagement.simulation.CHUNK", 3)
    actions = write_jsonl(
        tmp_path / "a.jsonl",
        [
            action("new-1", "carol"),
            action("new-2", "carol", verb="dance"),  # refused by the rules
            "not json",
            action("new-4", "dave"),
            action("live-1", "dave"),  # alice's key
            {"key": "new-6", "member": "dave", "verb": "post", "at": "2026-07-06T10:00:00"},
            action("new-7", "dave", verb="training"),
        ],
    )
    members = write_jsonl(tmp_path / "m.jsonl", [{"member": "dave", "team": 7}, {"member": "erin"}])

    argv = [
        "simulate", str(actions), "--members", str(members), "--db", url_of(live),
        "--write", "--skip-invalid",
    ]  # fmt: skip
    assert main(argv) == 0

    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"{members}:1: team: a string or null",
        f"{actions}:2: action 'new-2': verb: unknown verb 'dance'; known: post, training",
        f"{actions}:3: action: Invalid JSON: expected ident at line 1 column 2",
        f"{actions}:5: action 'live-1': key: already recorded for another member; "
        "idempotency keys must be unique across the programme",
        f"{actions}:6: action 'new-6': at: needs a time zone offset, "
        "e.g. 2026-07-01T09:00:00+02:00",
    ]
    assert out.splitlines()[0] == "3 actions (0 duplicates, 5 bad lines left out) under ruleset v2"
    assert live.ledger.totals() == {"alice": 30, "bob": 20, "carol": 30, "dave": 50, "erin": 0}


def test_skip_invalid_counts_the_bad_lines_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = write_jsonl(tmp_path / "a.jsonl", [action("a-1"), "[]", action("a-1", "bob")])

    assert main(["simulate", str(actions), "--skip-invalid", "--json"]) == 0

    out, err = capsys.readouterr()
    assert (json.loads(out)["actions"], json.loads(out)["skipped"]) == (1, 2)
    assert err.splitlines() == [
        f"{actions}:2: action: Input should be an object",
        f"{actions}:3: action 'a-1': key: already recorded for another member; "
        "idempotency keys must be unique across the programme",
    ]


def test_the_library_call_commits_nothing_when_a_line_is_bad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engagement.simulation.CHUNK", 1)
    engine = Engagement("sqlite:///" + str(tmp_path / "lib.db"))
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    actions = write_jsonl(
        tmp_path / "a.jsonl", [action("a-1"), action("a-2"), action("a-3", at="x")]
    )

    with pytest.raises(InvalidActionError, match=rf"^{actions}:3: action 'a-3': at: "):
        simulate(engine, actions)

    assert engine.ledger.totals() == {}
    engine.close()
