"""Which days a report covers, and the messages for each bad combination."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from engagement import DEFAULT_RULES_PATH, InvalidInputError
from engagement.analytics.periods import resolve_period
from engagement.rules.model import RuleFile


@pytest.fixture(scope="module")
def file() -> RuleFile:
    return RuleFile.model_validate(yaml.safe_load(DEFAULT_RULES_PATH.read_text()))


def test_a_month_in_paris(file: RuleFile) -> None:
    period = resolve_period(file, "month", at=date(2026, 2, 14))
    assert (period.label, period.first_day, period.last_day) == (
        "2026-02",
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert period.start is not None and period.end is not None
    assert (period.start.isoformat(), period.end.isoformat()) == (
        "2026-02-01T00:00:00+01:00",
        "2026-03-01T00:00:00+01:00",
    )


def test_at_is_read_on_the_leaderboards_clock(file: RuleFile) -> None:
    # 31 March 23:30 in UTC is already 1 April in Paris: the second quarter.
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert resolve_period(file, "quarter", at=late).label == "2026-Q2"


def test_a_week_starts_on_the_rule_files_week_start(file: RuleFile) -> None:
    sunday_start = file.model_copy(update={"week_start": "sunday"})
    period = resolve_period(sunday_start, "week", at=date(2026, 7, 8))
    assert (period.label, period.first_day) == ("week of 2026-07-05", date(2026, 7, 5))


def test_a_season_and_a_range_include_their_last_day(file: RuleFile) -> None:
    season = resolve_period(file, season="autumn-2026")
    assert (season.first_day, season.last_day) == (date(2026, 9, 1), date(2026, 11, 30))
    assert season.end is not None and season.end.isoformat() == "2026-12-01T00:00:00+01:00"
    one_day = resolve_period(file, start=date(2026, 7, 1), end=date(2026, 7, 1))
    assert one_day.end is not None and one_day.start is not None
    assert one_day.end - one_day.start == timedelta(days=1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"period": "fortnight"}, "period: unknown period 'fortnight'; use one of week, month"),
        ({"season": "spring"}, "season: no season 'spring' in the rule file; known: autumn-2026"),
        (
            {"start": date(2026, 7, 10), "end": date(2026, 7, 1)},
            "start: 2026-07-10 is after end 2026-07-01; swap them",
        ),
        ({"start": date(2026, 7, 10)}, "end: a date range needs both start and end"),
        ({"end": date(2026, 7, 10)}, "start: a date range needs both start and end"),
        (
            {"season": "autumn-2026", "start": date(2026, 7, 1), "end": date(2026, 7, 2)},
            "season: give a season or a date range",
        ),
        (
            {"start": datetime(2026, 7, 1, tzinfo=UTC), "end": date(2026, 7, 2)},
            "start: a date",
        ),
        ({"at": datetime(2026, 7, 1)}, "at: give an aware datetime"),
        ({"at": "2026-07-01"}, "at: a date or an aware datetime"),
    ],
)
def test_bad_arguments(file: RuleFile, arguments: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        resolve_period(file, **arguments)  # type: ignore[arg-type]
