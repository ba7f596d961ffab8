"""Calendar periods and rolling windows, in a member's own time zone.

A week that starts on Monday in Paris starts at a different instant than one in
Singapore; caps, variety bonuses and streaks are only fair if every member's periods
follow their own clock.  All instants are handled as POSIX timestamps (float seconds)
because the scoring hot path compares many of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engagement.exceptions import InvalidInputError

CalendarUnit = Literal["day", "week", "month", "quarter", "year"]
CALENDAR_UNITS: tuple[CalendarUnit, ...] = ("day", "week", "month", "quarter", "year")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_DURATION_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; raises :class:`InvalidInputError` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInputError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Paris'"
        ) from exc


def parse_duration(text: str) -> int:
    """Seconds in a duration written as ``48h``, ``7d`` or ``2w``."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"expected a duration such as '48h', '7d' or '2w', got {text!r}")
    return int(match.group(1)) * _DURATION_SECONDS[match.group(2)]


def _start_of(unit: CalendarUnit, day: date, week_start: int) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=(day.weekday() - week_start) % 7)
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _next_start(unit: CalendarUnit, start: date) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _local_midnight(day: date, tz: tzinfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


@lru_cache(maxsize=65536)
def calendar_bounds(
    unit: CalendarUnit, day: date, tz: tzinfo, week_start: int
) -> tuple[float, float]:
    """``[start, end)`` of the calendar ``unit`` containing local ``day`` in ``tz``."""
    start = _start_of(unit, day, week_start)
    return _local_midnight(start, tz), _local_midnight(_next_start(unit, start), tz)


def period_bounds(
    unit: CalendarUnit, ts: float, tz: tzinfo, week_start: int = 0
) -> tuple[float, float]:
    """``[start, end)`` of the calendar ``unit`` containing instant ``ts`` in ``tz``.

    ``week_start`` is 0 for Monday … 6 for Sunday.  The bounds are local midnights,
    so a day across a DST change lasts 23 or 25 hours, as the member lived it.
    """
    local_day = datetime.fromtimestamp(ts, tz).date()
    return calendar_bounds(unit, local_day, tz, week_start)


def to_timestamp(at: datetime) -> float:
    """POSIX timestamp of an aware datetime."""
    return at.timestamp()


def from_timestamp(ts: float) -> datetime:
    """Aware UTC datetime of a POSIX timestamp."""
    return datetime.fromtimestamp(ts, UTC)


class Window:
    """Either a calendar period (``week``) or a rolling duration (``7d``).

    A calendar window groups actions that fall in the same period as the action being
    scored.  A rolling window groups actions less than the duration apart, before *or
    after*: an action that arrives late is compared with its real neighbours in time.
    """

    __slots__ = ("calendar", "seconds", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        if text in CALENDAR_UNITS:
            self.calendar: CalendarUnit | None = text
            self.seconds = 0
        else:
            self.calendar = None
            self.seconds = parse_duration(text)

    def bounds(self, ts: float, tz: tzinfo, week_start: int) -> tuple[float, float]:
        """``[start, end)`` of the window around instant ``ts``."""
        if self.calendar is not None:
            return period_bounds(self.calendar, ts, tz, week_start)
        return ts - self.seconds, ts + self.seconds

    def describe(self) -> str:
        """Words for an explanation: ``this week`` or ``within 7d``."""
        return f"this {self.calendar}" if self.calendar else f"within {self.text}"

    def __repr__(self) -> str:
        return f"Window({self.text!r})"


@dataclass(frozen=True, slots=True)
class Clock:
    """How the programme reads calendars: the week's first day (0 = Monday)."""

    week_start: int = 0
