from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engagement.core.periods import Window, parse_duration, period_bounds, zone
from engagement.exceptions import InvalidInputError

PARIS = ZoneInfo("Europe/Paris")
SINGAPORE = ZoneInfo("Asia/Singapore")


def ts(text: str, tz: ZoneInfo) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def test_week_starts_at_local_monday_midnight() -> None:
    start, end = period_bounds("week", ts("2026-07-08T15:00", PARIS), PARIS)
    assert start == ts("2026-07-06T00:00", PARIS)
    assert end == ts("2026-07-13T00:00", PARIS)


def test_the_same_instant_falls_in_different_weeks_in_different_zones() -> None:
    instant = ts("2026-07-12T20:00", PARIS)  # Sunday evening in Paris, Monday in Singapore
    paris_week = period_bounds("week", instant, PARIS)
    singapore_week = period_bounds("week", instant, SINGAPORE)
    assert paris_week[0] == ts("2026-07-06T00:00", PARIS)
    assert singapore_week[0] == ts("2026-07-13T00:00", SINGAPORE)


def test_week_start_is_configurable() -> None:
    sunday = 6
    start, _ = period_bounds("week", ts("2026-07-08T15:00", PARIS), PARIS, sunday)
    assert start == ts("2026-07-05T00:00", PARIS)


def test_a_dst_day_lasts_23_hours() -> None:
    start, end = period_bounds("day", ts("2026-03-29T12:00", PARIS), PARIS)
    assert end - start == 23 * 3600


@pytest.mark.parametrize(
    ("unit", "first", "next_"),
    [
        ("month", "2026-12-01T00:00", "2027-01-01T00:00"),
        ("quarter", "2026-10-01T00:00", "2027-01-01T00:00"),
        ("year", "2026-01-01T00:00", "2027-01-01T00:00"),
    ],
)
def test_calendar_units(unit: str, first: str, next_: str) -> None:
    bounds = period_bounds(unit, ts("2026-12-15T10:00", PARIS), PARIS)  # type: ignore[arg-type]
    assert bounds == (ts(first, PARIS), ts(next_, PARIS))


def test_rolling_window_looks_both_ways() -> None:
    window = Window("2d")
    assert window.bounds(1000.0, PARIS, 0) == (1000.0 - 172800, 1000.0 + 172800)
    assert window.describe() == "within 2d"
    assert Window("week").describe() == "this week"


@pytest.mark.parametrize("text", ["7 days", "0d", "d", "-1d", "3m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration such as '48h', '7d' or '2w'"):
        parse_duration(text)


def test_unknown_zone_names_the_fix() -> None:
    with pytest.raises(InvalidInputError, match="unknown time zone 'Mars/Olympus'"):
        zone("Mars/Olympus")
