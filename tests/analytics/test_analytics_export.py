"""The report as JSON and as a tidy CSV: shapes a program and a spreadsheet can rely on."""

from __future__ import annotations

import csv
import io
import json

import pytest
from analytics_programme import july, populate

from engagement import Engagement, ProgrammeReport
from engagement.analytics.export import CSV_COLUMNS


@pytest.fixture
def by_team(engine: Engagement) -> ProgrammeReport:
    return populate(engine).analytics.report("month", at=july(8), by_team=True)


def _rows(report: ProgrammeReport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(report.to_csv())))


def test_json_is_plain_data(by_team: ProgrammeReport) -> None:
    data = by_team.to_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"programme", "period", "generated_at", "definitions", "overall", "teams"}
    assert data["period"] == {
        "kind": "month",
        "label": "2026-07",
        "timezone": "Europe/Paris",
        "first_day": "2026-07-01",
        "last_day": "2026-07-31",
        "start": "2026-07-01T00:00:00+02:00",
        "end": "2026-08-01T00:00:00+02:00",
    }
    assert data["definitions"] == {
        "personal_min_words": 4,
        "corporate_kinds": ["corporate"],
        "corporate_target": 0.2,
        "currency": "EUR",
    }
    overall = data["overall"]
    assert overall["personalisation_rate"] == 0.75
    assert overall["actions_per_active"] == 3.3333
    assert overall["content_mix"]["over_target"] is True
    assert overall["reach"]["earned_media_value"] == 113.5
    assert overall["channels"][0]["channel"] == "linkedin"
    assert overall["top_contributors"][0] == {
        "member": "alice",
        "display_name": "Alice A.",
        "team": "Sales",
        "points": 51,
        "actions": 6,
    }
    assert [team["team"] for team in data["teams"]] == ["Marketing", "Sales", None]
    assert data["teams"][2]["personalisation_rate"] is None


def test_csv_has_one_figure_per_row(by_team: ProgrammeReport) -> None:
    text = by_team.to_csv()
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = _rows(by_team)
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    assert {(row["period"], row["first_day"], row["last_day"]) for row in rows} == {
        ("2026-07", "2026-07-01", "2026-07-31")
    }
    index = {(row["team"], row["metric"], row["dimension"]): row["value"] for row in rows}
    assert len(index) == len(rows), "each (team, metric, dimension) appears once"
    assert index["(all)", "active_rate", ""] == "0.6"
    assert index["(all)", "earned_media_value", "EUR"] == "113.5"
    assert index["(all)", "channel_shares", "linkedin"] == "6"
    assert index["(all)", "topic_share", "ai"] == "0.375"
    assert index["(all)", "top_content_shares", "c-1"] == "2"
    assert index["(all)", "top_contributor_points", "alice"] == "51"
    assert ("(all)", "top_contributor_points", "bob") not in index
    assert index["(all)", "unlisted_contributors", ""] == "1"
    assert index["Sales", "actions", ""] == "8"
    assert index["(no team)", "enrolled", ""] == "1"
    assert index["(no team)", "personalisation_rate", ""] == "", "no data is an empty cell"


def test_csv_of_a_team_filter_names_the_team(engine: Engagement) -> None:
    report = populate(engine).analytics.report("month", at=july(8), team="Sales", by_team=True)
    assert report.teams == (), "by_team adds nothing to a single team's report"
    assert {row["team"] for row in _rows(report)} == {"Sales"}


def test_text_summary(by_team: ProgrammeReport) -> None:
    text = by_team.to_text()
    assert text.startswith("Test programme: 2026-07 (2026-07-01 to 2026-07-31), Europe/Paris\n")
    assert "personalisation: 75% of 8 shares" in text
    assert "content mix: 38% corporate (target at most 20%)  OVER TARGET; 1 of 3" in text
    assert "earned media value 113.50 EUR" in text
    assert "Alice A." in text and "Bob" not in text
    assert "and 1 active member(s) who did not opt in" in text
    assert "\n(no team):\n" in text
