"""Reach reported after the fact: appended, validated, the latest counter wins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from analytics_programme import july, populate

from engagement import Engagement, InvalidInputError, MetricsReport, UnknownActionError
from engagement.analytics import metric_reports
from engagement.analytics.metrics import current, latest_reports
from engagement.storage.tables import actions


def _reports(engine: Engagement) -> int:
    with engine.database.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(metric_reports)).scalar_one()
        )


@pytest.fixture
def programme(engine: Engagement) -> Engagement:
    return populate(engine)


def test_a_report_is_appended_and_returned(programme: Engagement) -> None:
    before = _reports(programme)
    report = programme.analytics.report_metrics("a2", reactions=9, at=july(20))
    assert report == MetricsReport("a2", "alice", None, None, 9, july(20).astimezone(UTC))
    assert _reports(programme) == before + 1
    reach = programme.analytics.report("month", at=july(8)).overall.reach
    assert (reach.impressions, reach.clicks, reach.reactions) == (4200, 41, 33 - 5 + 9)


def test_the_action_log_is_untouched(programme: Engagement) -> None:
    with programme.database.connect() as connection:
        logged = connection.execute(
            sa.select(actions.c.metrics).where(actions.c.key == "a1")
        ).scalar_one()
    assert logged == {"impressions": 1000, "clicks": 10, "reactions": 20}


def test_a_report_without_at_is_dated_now(programme: Engagement) -> None:
    report = programme.analytics.report_metrics("a5", impressions=7)
    assert abs((datetime.now(UTC) - report.reported_at).total_seconds()) < 60


def test_an_unknown_key_writes_nothing(programme: Engagement) -> None:
    before = _reports(programme)
    with pytest.raises(UnknownActionError, match="no action was recorded with key 'nope'"):
        programme.analytics.report_metrics("nope", impressions=1)
    assert _reports(programme) == before


@pytest.mark.parametrize(
    ("counters", "message"),
    [
        ({"impressions": -1}, "impressions: a count, 0 or more, not -1"),
        ({"clicks": 1.5}, "clicks: a whole number, not 1.5"),
        ({"reactions": True}, "reactions: a whole number, not True"),
        ({"impressions": "12"}, "impressions: a whole number, not '12'"),
        ({"impressions": -1, "clicks": -2}, "impressions: .*; clicks: a count, 0 or more, not -2"),
        ({}, "metrics: give at least one of impressions, clicks or reactions"),
        ({"impressions": 1, "at": datetime(2026, 7, 1)}, "at: an aware datetime"),
    ],
)
def test_bad_counters_are_refused_and_nothing_is_written(
    programme: Engagement, counters: dict[str, object], message: str
) -> None:
    before = _reports(programme)
    with pytest.raises(InvalidInputError, match=message):
        programme.analytics.report_metrics("a1", **counters)  # type: ignore[arg-type]
    assert _reports(programme) == before


def test_the_latest_report_of_each_counter_wins_over_the_logged_one() -> None:
    reported = latest_reports(
        [(1, 20, None, None), (1, None, None, 3), (3, 7, None, None), (1, 30, None, None)]
    )
    assert reported == {1: (30, None, 3), 3: (7, None, None)}
    assert current((10, 1, None), reported[1]) == (30, 1, 3)
    assert current((5, 5, 5), None) == (5, 5, 5)
    assert current((None, None, None), reported[3]) == (7, 0, 0)
