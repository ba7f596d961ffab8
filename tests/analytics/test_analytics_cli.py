"""``engagement report`` and the KPIs of ``engagement simulate``: output and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from analytics_programme import populate

from engagement import Engagement
from engagement.cli import main


@pytest.fixture
def url(engine: Engagement, database_url: str) -> str:
    populate(engine)
    return database_url


def test_text_report(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", url, "--at", "2026-07-08"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Test programme: 2026-07 (2026-07-01 to 2026-07-31), Europe/Paris\n")
    assert "3 active (60%); 10 actions" in out


def test_json_report_by_team(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["report", "--db", url, "--season", "early-july", "--by-team", "--format", "json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"]["label"] == "early-july"
    assert data["overall"]["actions"] == 6
    assert [team["team"] for team in data["teams"]] == ["Marketing", "Sales", None]


def test_csv_report_of_a_range_and_a_team(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["report", "--db", url, "--from", "2026-07-20", "--to", "2026-07-22"]
    assert main([*argv, "--team", "Sales", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    actions = next(row for row in rows if row["metric"] == "actions")
    assert (actions["period"], actions["team"], actions["value"]) == (
        "2026-07-20..2026-07-22",
        "Sales",
        "3",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--season", "spring"], "season: no season 'spring' in the rule file"),
        (["--from", "2026-07-10", "--to", "2026-07-01"], "start: 2026-07-10 is after end"),
        (["--from", "2026-07-10"], "end: a date range needs both start and end"),
        (["--period", "fortnight"], "period: unknown period 'fortnight'"),
        (["--period", "month", "--season", "early-july"], "give a period, a season or --from"),
        (["--team", "Sals"], "team: no member is in team 'Sals'"),
        (["--top", "0"], "top: how many to list, 1 or more"),
        (["--from", "10/07/2026", "--to", "2026-07-11"], "expected a date as YYYY-MM-DD"),
        (["--format", "xlsx"], "invalid choice: 'xlsx'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    url: str, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(["report", "--db", url, *arguments])
    except SystemExit as exit_:  # argparse's own usage errors
        status = int(exit_.code or 0)
    assert status == 2
    assert message in capsys.readouterr().err


ACTIONS = [
    {
        "key": f"k-{n}",
        "member": member,
        "verb": "share",
        "at": f"2026-07-0{n}T09:00:00+02:00",
        "channel": "linkedin",
        "text": "Here is my own honest take on this topic for colleagues and friends",
        "metrics": {"impressions": 1000, "clicks": 5, "reactions": 5},
        "content": {"id": f"c-{n}", "kind": kind, "topics": ["ai"]},
    }
    for n, (member, kind) in enumerate([("ann", "industry"), ("ben", "corporate")], start=1)
]


@pytest.fixture
def actions_file(tmp_path: Path) -> Path:
    path = tmp_path / "actions.jsonl"
    path.write_text("".join(json.dumps(action) + "\n" for action in ACTIONS))
    return path


def test_simulate_prints_the_kpis_after_its_table(
    actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(actions_file)]) == 0
    out = capsys.readouterr().out
    table, kpis = out.split("programme KPIs (engagement report --period all):\n")
    assert "member" in table
    assert "2 enrolled, 0 opted in, 2 active (100%)" in kpis
    assert "personalisation: 100% of 2 shares" in kpis
    assert "content mix: 50% corporate (target at most 20%)  OVER TARGET" in kpis
    assert "earned media value 60.00 EUR" in kpis  # 2,000 LinkedIn impressions at 30 per 1,000
    assert "top channels (share of shares): linkedin 100%" in kpis


def test_simulate_json_gains_kpis_and_keeps_its_members(
    actions_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(actions_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"member", "points", "badges", "level"} <= set(data["members"][0])
    kpis = data["kpis"]
    assert kpis["period"]["kind"] == "all"
    assert kpis["overall"]["active"] == 2
    assert kpis["overall"]["content_mix"]["corporate_share"] == 0.5
    assert kpis["overall"]["top_contributors"] == [], "nobody opted in: nobody is named"
    assert kpis["overall"]["unlisted_contributors"] == 2
