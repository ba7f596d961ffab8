"""Every KPI of the programme report against figures worked out by hand.

The data set is the table in ``conftest.py``; each expectation below says where its
number comes from.  Both backends, through the ``engine`` fixture.
"""

from __future__ import annotations

from datetime import date

import pytest
from analytics_programme import july, populate

from engagement import (
    ChannelFigures,
    Contributor,
    Engagement,
    InvalidInputError,
    ProgrammeReport,
    Tally,
    TopContent,
)


@pytest.fixture
def programme(engine: Engagement) -> Engagement:
    return populate(engine)


@pytest.fixture
def july_report(programme: Engagement) -> ProgrammeReport:
    return programme.analytics.report("month", at=july(8))


def test_the_period_is_july_in_paris(july_report: ProgrammeReport) -> None:
    period = july_report.period
    assert (period.kind, period.label, period.timezone) == ("month", "2026-07", "Europe/Paris")
    assert (period.first_day, period.last_day) == (date(2026, 7, 1), date(2026, 7, 31))
    assert period.start is not None and period.start.isoformat() == "2026-07-01T00:00:00+02:00"
    assert july_report.programme == "Test programme"


def test_ambassadors_and_activity(july_report: ProgrammeReport) -> None:
    overall = july_report.overall
    # alice, bob, carol, dave, erin; alice, carol and dave opted in.
    assert (overall.enrolled, overall.opted_in) == (5, 3)
    # alice a1-a6, bob b1 b2 (b3 revoked), carol c1 c2 (c3 is August in Paris).
    assert (overall.active, overall.actions) == (3, 10)
    assert overall.active_rate == pytest.approx(3 / 5)
    assert overall.actions_per_active == pytest.approx(10 / 3)


def test_personalisation_rate_counts_shares_with_enough_own_words(
    july_report: ProgrammeReport,
) -> None:
    overall = july_report.overall
    # Shares: a1 a2 a4 a5 a6 b1 b2 c2; a2 has 2 own words (4 needed), b1 none.
    assert (overall.shares, overall.personal_shares) == (8, 6)
    assert overall.personalisation_rate == pytest.approx(6 / 8)
    assert july_report.personal_min_words == 4


def test_content_mix_against_the_80_20_target(july_report: ProgrammeReport) -> None:
    mix = july_report.overall.content_mix
    # Corporate: a2, b1, b2 of 8 shares.
    assert (mix.shares, mix.corporate) == (8, 3)
    assert mix.corporate_share == pytest.approx(3 / 8)
    assert (mix.target, mix.over_target) == (0.2, True)
    # alice 1 of 5 (exactly the target: not over), bob 2 of 2, carol 0 of 1.
    assert (mix.members_sharing, mix.members_over_target) == (3, 1)
    assert mix.members_over_target_share == pytest.approx(1 / 3)
    assert july_report.corporate_kinds == ("corporate",)


def test_reach_takes_the_latest_report_of_each_counter(july_report: ProgrammeReport) -> None:
    reach = july_report.overall.reach
    # a1 3000/30/20 (the 10 July report; reactions as logged), a2 500/5/5,
    # b1 200/2/2, b2 100/0/0 (reported only), c1 400/4/6; b3 is revoked.
    assert (reach.impressions, reach.clicks, reach.reactions) == (4200, 41, 33)
    assert reach.engagement_rate == pytest.approx(74 / 4200)
    # linkedin (3000 + 200 + 100 + 400) × 30 / 1000 + x 500 × 5 / 1000.
    assert reach.earned_media_value == pytest.approx(111.0 + 2.5)
    assert reach.currency == "EUR"


def test_channel_breakdown(july_report: ProgrammeReport) -> None:
    assert july_report.overall.channels == (
        ChannelFigures("linkedin", 7, 6, 6 / 8, 3700, 36, 28, 111.0),
        ChannelFigures("facebook", 1, 1, 1 / 8, 0, 0, 0, 0.0),
        ChannelFigures("x", 1, 1, 1 / 8, 500, 5, 5, 2.5),
        ChannelFigures("intranet", 1, 0, 0.0, 0, 0, 0, 0.0),
    )


def test_topic_breakdown_over_shares(july_report: ProgrammeReport) -> None:
    # ai: a1 a5 c2; product: a2 b1 b2; cloud: a1 a6; people: a4.
    assert july_report.overall.topics == (
        Tally("ai", 3, 3 / 8),
        Tally("product", 3, 3 / 8),
        Tally("cloud", 2, 2 / 8),
        Tally("people", 1, 1 / 8),
    )


def test_top_content(july_report: ProgrammeReport) -> None:
    overall = july_report.overall
    assert overall.top_content_by_shares[:3] == (
        TopContent("c-1", "industry", 2, 3000),
        TopContent("c-2", "corporate", 2, 700),
        TopContent("c-3", "corporate", 1, 100),
    )
    assert [c.content_id for c in overall.top_content_by_shares[3:]] == ["c-4", "c-5", "c-6"]
    assert [c.content_id for c in overall.top_content_by_reach] == ["c-1", "c-2", "c-3"]


def test_top_contributors_name_only_members_who_opted_in(july_report: ProgrammeReport) -> None:
    overall = july_report.overall
    # alice: 5 shares × 10 + 1 read; carol: post 30 + share 10; bob (20) did not opt in.
    assert overall.top_contributors == (
        Contributor("alice", "Alice A.", "Sales", 51, 6),
        Contributor("carol", None, "Marketing", 40, 2),
    )
    assert overall.unlisted_contributors == 1


def test_top_limits_the_lists(programme: Engagement) -> None:
    report = programme.analytics.report("month", at=july(8), top=1)
    assert len(report.overall.top_content_by_shares) == 1
    assert [c.member for c in report.overall.top_contributors] == ["alice"]
    with pytest.raises(InvalidInputError, match="top: how many to list, 1 or more, not 0"):
        programme.analytics.report("month", at=july(8), top=0)


def test_a_team_filter_limits_every_figure(programme: Engagement) -> None:
    sales = programme.analytics.report("month", at=july(8), team="Sales").overall
    assert sales.team == "Sales"
    assert (sales.enrolled, sales.opted_in, sales.active, sales.actions) == (2, 1, 2, 8)
    assert (sales.shares, sales.personal_shares, sales.content_mix.corporate) == (7, 5, 3)
    assert sales.reach.impressions == 3000 + 500 + 200 + 100
    assert [c.member for c in sales.top_contributors] == ["alice"]
    assert sales.unlisted_contributors == 1


def test_an_unknown_team_is_refused_with_the_known_ones(programme: Engagement) -> None:
    with pytest.raises(
        InvalidInputError, match="team: no member is in team 'Sals'; teams: Marketing, Sales"
    ):
        programme.analytics.report(team="Sals")


def test_by_team_adds_a_section_per_team(programme: Engagement) -> None:
    report = programme.analytics.report("month", at=july(8), by_team=True)
    assert [t.team for t in report.teams] == ["Marketing", "Sales", None]
    marketing, sales, no_team = report.teams
    assert (marketing.enrolled, marketing.active, marketing.actions) == (2, 1, 2)
    assert marketing.active_rate == pytest.approx(0.5)
    assert sales.actions == 8
    assert (no_team.enrolled, no_team.active, no_team.actions) == (1, 0, 0)
    assert no_team.active_rate == 0.0
    assert no_team.personalisation_rate is None
    assert no_team.actions_per_active is None
    assert report.overall.actions == sum(t.actions for t in report.teams)


def test_the_period_boundary_follows_the_leaderboards_time_zone(
    engine: Engagement,
) -> None:
    utc = populate(engine, "timezone: UTC").analytics.report("month", at=july(8))
    assert utc.period.timezone == "UTC"
    assert (
        utc.period.start is not None and utc.period.start.isoformat() == "2026-07-01T00:00:00+00:00"
    )
    # a4 (1 July 01:30 in Paris) is June in UTC; c3 (1 August 00:30 in Paris) is July.
    overall = utc.overall
    assert (overall.actions, overall.shares) == (10, 8)
    assert overall.reach.impressions == 4200 + 7000
    assert [c.content_id for c in overall.top_content_by_shares][:1] == ["c-1"]
    assert overall.top_content_by_shares[0].shares == 3


def test_august_in_paris_holds_the_late_july_share(programme: Engagement) -> None:
    august = programme.analytics.report("month", at=date(2026, 8, 15)).overall
    assert (august.actions, august.reach.impressions) == (1, 7000)


def test_week_season_range_quarter_year_and_all(programme: Engagement) -> None:
    week = programme.analytics.report("week", at=july(8))
    assert (week.period.label, week.period.first_day) == ("2026-W28", date(2026, 7, 6))
    assert week.overall.actions == 4  # a1 a2 a3 b1
    season = programme.analytics.report(season="early-july")
    assert (season.period.kind, season.period.label) == ("season", "early-july")
    assert season.overall.actions == 6  # a1 a2 a3 a4 b1 c1
    days = programme.analytics.report(start=date(2026, 7, 20), end=date(2026, 7, 22))
    assert (days.period.label, days.overall.actions) == ("2026-07-20..2026-07-22", 3)
    quarter = programme.analytics.report("quarter", at=july(8))
    assert (quarter.period.label, quarter.overall.actions) == ("2026-Q3", 11)
    year = programme.analytics.report("year", at=july(8))
    assert (year.period.label, year.overall.actions) == ("2026", 11)
    everything = programme.analytics.report("all")
    assert (everything.period.label, everything.period.start) == ("all time", None)
    assert everything.overall.actions == 11


def test_an_empty_period_has_no_rates(programme: Engagement) -> None:
    empty = programme.analytics.report("month", at=date(2026, 1, 10)).overall
    assert (empty.enrolled, empty.active, empty.actions) == (5, 0, 0)
    assert empty.personalisation_rate is None
    assert empty.content_mix.corporate_share is None
    assert empty.content_mix.over_target is False
    assert empty.reach.engagement_rate is None
    assert empty.channels == () and empty.top_contributors == ()


def test_a_report_inside_the_callers_session(programme: Engagement) -> None:
    from sqlalchemy.orm import Session

    with Session(programme.database) as session:
        report = programme.analytics.report("month", at=july(8), session=session)
    assert report.overall.actions == 10
