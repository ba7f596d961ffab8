"""The ``engagement`` command: exit codes and output are a contract for HR and scripts.

0 success, 1 invalid rule file, 2 invalid input or usage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from engagement import DEFAULT_RULES_PATH
from engagement.cli import main
from engagement.rules import default_registry, ruleset_json_schema

ACTIONS: list[dict[str, Any]] = [
    {
        "key": "a-1",
        "member": "alice",
        "verb": "share",
        "at": "2026-07-06T09:00:00+02:00",
        "channel": "linkedin",
        "content": {"id": "c-1", "kind": "industry", "topics": ["ai"]},
    },
    {
        "key": "a-2",
        "member": "alice",
        "verb": "post",
        "at": "2026-07-06T10:00:00+02:00",
        "channel": "linkedin",
    },
    {"key": "b-1", "member": "bob", "verb": "training", "at": "2026-07-06T11:00:00+02:00"},
    # The same key again: a duplicate, awarded nothing new.
    {
        "key": "a-1",
        "member": "alice",
        "verb": "share",
        "at": "2026-07-06T09:00:00+02:00",
        "channel": "linkedin",
        "content": {"id": "c-1", "kind": "industry", "topics": ["ai"]},
    },
]
"""Under the default rules: alice 10 + 40 (a plain share 10, no variety: only personal
shares count for it; post 30 + variety 10 for its channel and verb), bob 25 (training
20 + variety 5)."""


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    # A blank line in the middle is allowed and skipped.
    lines = [json.dumps(record) for record in records]
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def actions_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "actions.jsonl", ACTIONS)


@pytest.fixture
def bad_rules(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text("verbs:\n  share:\n    points: -5\nfoo: 1\n", encoding="utf-8")
    return path


BAD_RULES_PROBLEMS = [
    "{path}:3: verbs.share.points: input should be greater than or equal to 0",
    "{path}:4: foo: unknown key; expected one of: analytics, badges, challenges, "
    "default_locale, leaderboards, levels, max_text_length, privacy, programme, rules, "
    "settle_days, timezone, verbs, week_start",
]


# -- validate -------------------------------------------------------------------------


def test_validate_accepts_the_default_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DEFAULT_RULES_PATH)]) == 0

    out, err = capsys.readouterr()
    assert (
        out == f"{DEFAULT_RULES_PATH}: ok (7 verbs, 13 rules, 21 badges, 5 levels, 1 challenges)\n"
    )
    assert err == ""


def test_validate_prints_every_problem_and_exits_1(
    bad_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(bad_rules)]) == 1

    out, err = capsys.readouterr()
    assert out.splitlines() == [line.format(path=bad_rules) for line in BAD_RULES_PROBLEMS]
    assert err == ""


def test_validate_checks_every_file_and_fails_if_any_is_bad(
    bad_rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.yaml"

    assert main(["validate", str(DEFAULT_RULES_PATH), str(bad_rules), str(missing)]) == 1

    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        f"{DEFAULT_RULES_PATH}: ok (7 verbs, 13 rules, 21 badges, 5 levels, 1 challenges)",
        *(line.format(path=bad_rules) for line in BAD_RULES_PROBLEMS),
        f"{missing}: <root>: cannot read file: [Errno 2] No such file or directory: '{missing}'",
    ]


def test_validate_without_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate"])

    assert caught.value.code == 2
    assert "the following arguments are required: FILE" in capsys.readouterr().err


# -- schema ---------------------------------------------------------------------------


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0

    printed = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == ruleset_json_schema(default_registry())
    default = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    as_json = json.loads(json.dumps(default, default=str))  # dates as an editor sees them
    assert list(jsonschema.Draft202012Validator(printed).iter_errors(as_json)) == []


# -- simulate -------------------------------------------------------------------------


def test_simulate_prints_totals_and_the_distribution(
    actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(actions_file)]) == 0

    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[:2] == [
        "4 actions (1 duplicates) under ruleset v1",
        "2 members, 75 points; mean 37.5, median 37.5; top 10 % of members hold 67% of the points",
    ]
    assert lines[3].split() == [
        "#", "rank", "member", "team", "actions", "points", "level", "badges"
    ]  # fmt: skip
    # Members created on the fly have not opted in: the board is empty, and each sees
    # where they would stand if they joined it alone.
    assert [line.split() for line in lines[4:6]] == [
        ["1", "(1)", "alice", "2", "50", "Newcomer", "1"],
        ["2", "(1)", "bob", "1", "25", "Newcomer", "1"],
    ]
    assert lines[7:9] == ["", "Leaderboard all time, points (0 members opted in)"]
    assert lines[9:11] == ["", "programme KPIs (engagement report --period all):"]
    assert err == ""


def test_simulate_prints_the_board_members_see(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = write_jsonl(
        tmp_path / "members.jsonl",
        [
            {"member": "alice", "display_name": "Alice Martin", "opted_in": True},
            {"member": "bob", "display_name": "Bob Chen", "opted_in": True},
        ],
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace("exact_ranks: 10", "exact_ranks: 1"),
        encoding="utf-8",
    )

    assert (
        main(["simulate", str(actions_file), "--members", str(members), "--rules", str(rules)]) == 0
    )

    lines = capsys.readouterr().out.split("\n\nprogramme KPIs")[0].splitlines()
    assert [line.split()[:3] for line in lines[4:6]] == [["1", "1", "Alice"], ["2", "2", "Bob"]]
    assert lines[-3:] == [
        "Leaderboard all time, points (2 members opted in)",
        "          1.  Alice Martin                      50",
        "              Bob Chen                          25",  # no rank past the top 1
    ]


def test_simulate_top_limits_the_members_listed(
    actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(actions_file), "--top", "1"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines[4:5]] == [
        ["1", "(1)", "alice", "2", "50", "Newcomer", "1"]
    ]
    assert lines[5] == "     … and 1 more (--top N to see them)"


def test_simulate_uses_member_names_and_teams(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = write_jsonl(
        tmp_path / "members.jsonl",
        [
            {"member": "alice", "display_name": "Alice Martin", "team": "Sales"},
            {"member": "bob", "display_name": "Bob Chen", "team": "Engineering"},
            {"member": "carol", "display_name": "Carol Diaz", "team": "Marketing"},
        ],
    )

    assert main(["simulate", str(actions_file), "--members", str(members), "--json"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert [(m["display_name"], m["team"], m["points"]) for m in result["members"]] == [
        ("Alice Martin", "Sales", 50),
        ("Bob Chen", "Engineering", 25),
        ("Carol Diaz", "Marketing", 0),
    ]


def test_simulate_json_prints_one_object(
    actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(actions_file), "--json"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert result["actions"] == 4
    assert result["duplicates"] == 1
    assert result["ruleset_version"] == 1
    assert [(m["member"], m["points"], m["actions"]) for m in result["members"]] == [
        ("alice", 50, 2),
        ("bob", 25, 1),
    ]
    assert [(m["rank"], m["on_board"]) for m in result["members"]] == [(1, False), (1, False)]
    assert [(m["badges"], m["level"], m["level_name"]) for m in result["members"]] == [
        (["first-post"], 1, "Newcomer"),
        (["learner:bronze"], 1, "Newcomer"),
    ]
    assert result["distribution"] == {
        "members": 2,
        "points": 75,
        "mean": 37.5,
        "median": 37.5,
        "top_10_percent_share": 0.6667,
    }


def test_simulate_under_another_rule_file(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "flat.yaml"
    rules.write_text(
        "verbs:\n"
        "  share: {points: 1}\n"
        "  post: {points: 2}\n"
        "  training: {points: 4, content: none}\n",
        encoding="utf-8",
    )

    assert main(["simulate", str(actions_file), "--rules", str(rules), "--json"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert [(m["member"], m["points"]) for m in result["members"]] == [("bob", 4), ("alice", 3)]


def test_simulate_reports_a_naive_timestamp_with_its_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    naive = {**ACTIONS[2], "key": "b-2", "at": "2026-07-06T12:00:00"}
    actions = write_jsonl(tmp_path / "actions.jsonl", [*ACTIONS[:3], naive])

    assert main(["simulate", str(actions)]) == 2

    out, err = capsys.readouterr()
    # Line 5: two actions, the blank line, then two more before the naive one.
    assert err == (
        f"engagement: {actions}:5: action 'b-2': "
        "at: needs a time zone offset, e.g. 2026-07-01T09:00:00+02:00\n"
    )
    assert out == ""


def test_simulate_reports_a_line_that_is_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = tmp_path / "actions.jsonl"
    actions.write_text(json.dumps(ACTIONS[0]) + "\nnot json\n", encoding="utf-8")

    assert main(["simulate", str(actions)]) == 2

    err = capsys.readouterr().err
    assert err.startswith(f"engagement: {actions}:2: action: Invalid JSON: ")


def test_simulate_with_a_bad_rule_file_exits_1(
    actions_file: Path, bad_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(actions_file), "--rules", str(bad_rules)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [line.format(path=bad_rules) for line in BAD_RULES_PROBLEMS]


def test_simulate_with_a_missing_actions_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.jsonl"

    assert main(["simulate", str(missing)]) == 2

    assert capsys.readouterr().err.startswith(f"engagement: {missing}")


# -- replay ---------------------------------------------------------------------------


def test_replay_after_simulate_changes_nothing(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'engagement.db'}"
    assert main(["simulate", str(actions_file), "--db", db, "--write", "--json"]) == 0
    capsys.readouterr()

    assert main(["replay", "--db", db]) == 0
    assert capsys.readouterr().out == "3 actions replayed; 0 would change; points 75 -> 75\n"

    assert main(["replay", "--db", db, "--apply"]) == 0
    assert capsys.readouterr().out == "3 actions replayed; 0 adjusted; points 75 -> 75\n"


def test_replay_reports_changes_under_a_new_ruleset(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'engagement.db'}"
    assert main(["simulate", str(actions_file), "--db", db, "--write", "--json"]) == 0
    rules = tmp_path / "rules.yaml"
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    rules.write_text(text.replace("points: 20          #", "points: 50          #"), "utf-8")
    # Simulating an empty file with --write activates the new rules on the same database.
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    argv = ["simulate", str(empty), "--db", db, "--rules", str(rules), "--write", "--json"]
    assert main(argv) == 0
    capsys.readouterr()

    assert main(["replay", "--db", db]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "3 actions replayed; 1 would change; points 75 -> 105",
        "  b-1: 25 -> 55",
    ]


def test_replay_on_a_database_without_tables_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'empty.db'}"

    assert main(["replay", "--db", db]) == 2

    assert capsys.readouterr().err.startswith("engagement: ")


# -- the installed command ------------------------------------------------------------


def test_the_console_script_is_declared() -> None:
    (script,) = entry_points(group="console_scripts", name="engagement")
    assert script.value == "engagement.cli:main"


def test_the_console_script_runs(bad_rules: Path) -> None:
    script = Path(sys.executable).with_name("engagement")
    assert script.exists(), f"console script not installed beside {sys.executable}"

    ok = subprocess.run(
        [str(script), "validate", str(DEFAULT_RULES_PATH)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (ok.returncode, ok.stdout, ok.stderr) == (
        0,
        f"{DEFAULT_RULES_PATH}: ok (7 verbs, 13 rules, 21 badges, 5 levels, 1 challenges)\n",
        "",
    )

    bad = subprocess.run(
        [sys.executable, "-m", "engagement.cli", "validate", str(bad_rules)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [line.format(path=bad_rules) for line in BAD_RULES_PROBLEMS]


# -- badges -----------------------------------------------------------------------------


def test_badges_shows_progress_level_and_what_next(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    assert main(["simulate", str(actions_file), "--db", db, "--write", "--json"]) == 0
    capsys.readouterr()
    assert main(["badges", "alice", "--db", db, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["level"]["name"] == "Newcomer"
    earned = [b["badge"] for b in result["badges"] if b["earned"]]
    assert earned == ["first-post"]
    assert len(result["next"]) == 3
    assert main(["badges", "alice", "--db", db, "--locale", "fr"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("alice: 50 points, level 1 (Nouvel arrivant)")
    assert "next: " in out


def test_badges_for_an_unknown_member_exits_2(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    assert main(["simulate", str(actions_file), "--db", db, "--write", "--json"]) == 0
    capsys.readouterr()
    assert main(["badges", "zoe", "--db", db]) == 2
    assert "unknown member 'zoe'" in capsys.readouterr().err


def test_award_pending_after_simulate_awards_nothing_more(
    actions_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    assert main(["simulate", str(actions_file), "--db", db, "--write", "--json"]) == 0
    capsys.readouterr()
    assert main(["award-pending", "--db", db]) == 0
    assert capsys.readouterr().out == "0 badge awards written\n"


# -- leaderboards ---------------------------------------------------------------------


@pytest.fixture
def scored_db(actions_file: Path, tmp_path: Path) -> str:
    members = write_jsonl(
        tmp_path / "members.jsonl",
        [
            {"member": "alice", "display_name": "Alice Martin", "opted_in": True},
            {"member": "bob", "display_name": "Bob Chen", "opted_in": False},
        ],
    )
    url = f"sqlite:///{tmp_path / 'scored.db'}"
    argv = ["simulate", str(actions_file), "--members", str(members), "--db", url, "--write"]
    assert main(argv) == 0
    return url


def test_leaderboard_prints_the_board_and_json(
    scored_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["leaderboard", "--db", scored_db, "--period", "all"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Leaderboard all time, points (1 members opted in)",
        "          1.  Alice Martin                      50",
    ]
    assert main(["leaderboard", "--db", scored_db, "--period", "all", "--json"]) == 0
    board = json.loads(capsys.readouterr().out)
    assert (board["period"], board["participants"]) == ("all", 1)
    assert [(e["member"], e["rank"], e["points"]) for e in board["entries"]] == [("alice", 1, 50)]


def test_standing_tells_a_member_who_did_not_opt_in_privately(
    scored_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["standing", "bob", "--db", scored_db, "--period", "all", "-k", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "bob on all time: rank 2 with 25 points, among 2 participants "
        "(private: you have not opted in, nobody else sees this)",
        "       1  Alice Martin                      50",
        "  >    2  Bob Chen                          25",
    ]


def test_rebuild_leaderboards_checks_then_heals(
    scored_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    capsys.readouterr()
    assert main(["rebuild-leaderboards", "--db", scored_db, "--check"]) == 0
    assert capsys.readouterr().out.startswith("10 score rows from the ledger, 10 stored; 0 differ")
    engine = sa.create_engine(scored_db)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE engagement_scores SET points = 1 WHERE period = 'all'"))
    engine.dispose()
    assert main(["rebuild-leaderboards", "--db", scored_db, "--check"]) == 3
    out = capsys.readouterr().out
    assert "; 2 differ, " in out
    assert "score tallies differ (would be rewritten)" in out
    assert main(["rebuild-leaderboards", "--db", scored_db]) == 0
    assert main(["rebuild-leaderboards", "--db", scored_db, "--check"]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--period", "fortnight"], "engagement: period: unknown period 'fortnight'"),
        (["--at", "2026-09-10"], "engagement: --at: '2026-09-10' needs a UTC offset"),
        (["--at", "soon"], "engagement: --at: 'soon' is not an ISO 8601 date and time"),
        (["--limit", "0"], "engagement: limit: between 1 and 1000 entries, not 0"),
    ],
)
def test_leaderboard_refuses_bad_arguments_with_exit_2(
    scored_db: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["leaderboard", "--db", scored_db, *argv]) == 2
    assert capsys.readouterr().err.startswith(message)
