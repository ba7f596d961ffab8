"""The shipped sample quarter: the report tells the personas apart as HR would expect.

The personas are described in ``samples/generate.py``: five sandwich boards
(m-009 .. m-013, four of them in Sales, one in Marketing) relay corporate content
verbatim by the hundred; HR's members are authentic ambassadors.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from engagement import DEFAULT_RULES_PATH, Engagement, ProgrammeReport
from engagement.simulation import simulate

SAMPLES = Path(__file__).parents[2] / "samples"
SANDWICH_BOARDS = {"m-009", "m-010", "m-011", "m-012", "m-013"}


@pytest.fixture(scope="module")
def sample() -> Iterator[Engagement]:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    simulate(engine, SAMPLES / "actions.jsonl", members_path=SAMPLES / "members.jsonl")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def quarter(sample: Engagement) -> ProgrammeReport:
    return sample.analytics.report("quarter", at=date(2026, 8, 1), by_team=True)


def test_rates_are_rates(quarter: ProgrammeReport) -> None:
    for section in (quarter.overall, *quarter.teams):
        for rate in (
            section.active_rate,
            section.personalisation_rate,
            section.content_mix.corporate_share,
            section.reach.engagement_rate,
        ):
            assert rate is not None and 0 < rate <= 1
    assert 0 < quarter.overall.personalisation_rate < 1  # type: ignore[operator]


def test_the_quarter_holds_every_sample_action(quarter: ProgrammeReport) -> None:
    assert (quarter.overall.enrolled, quarter.overall.actions) == (67, 8748)
    assert sum(team.actions for team in quarter.teams) == quarter.overall.actions
    assert sum(team.enrolled for team in quarter.teams) == 67


def test_months_partition_the_quarter(sample: Engagement, quarter: ProgrammeReport) -> None:
    months = [sample.analytics.report("month", at=date(2026, m, 15)).overall for m in (7, 8, 9)]
    assert sum(month.actions for month in months) == quarter.overall.actions
    assert sum(month.reach.impressions for month in months) == quarter.overall.reach.impressions


def test_sandwich_boards_push_the_corporate_share(quarter: ProgrammeReport) -> None:
    teams = {team.team: team for team in quarter.teams}
    shares = {name: team.content_mix.corporate_share or 0.0 for name, team in teams.items()}
    assert max(shares, key=lambda name: shares[name]) == "Sales"
    assert teams["Sales"].content_mix.over_target and quarter.overall.content_mix.over_target
    assert not teams["HR"].content_mix.over_target
    assert quarter.overall.content_mix.members_over_target >= len(SANDWICH_BOARDS)
    # Their verbatim relays pull Sales' personalisation rate far below HR's.
    assert teams["Sales"].personalisation_rate < teams["HR"].personalisation_rate  # type: ignore[operator]


def test_volume_does_not_buy_a_place_among_top_contributors(quarter: ProgrammeReport) -> None:
    named = {member.member for member in quarter.overall.top_contributors}
    assert named and not named & SANDWICH_BOARDS
    assert quarter.overall.unlisted_contributors == 12  # the members who did not opt in


def test_reach_and_earned_media_value(quarter: ProgrammeReport) -> None:
    overall = quarter.overall
    assert overall.channels[0].channel == "linkedin"
    assert overall.reach.earned_media_value == pytest.approx(
        sum(channel.earned_media_value for channel in overall.channels), abs=0.05
    )
    linkedin = overall.channels[0]
    assert linkedin.earned_media_value == pytest.approx(linkedin.impressions * 30 / 1000, abs=0.01)
