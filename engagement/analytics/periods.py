"""The stretch of time a programme report covers, on the leaderboards' clock.

Scoring counts each member's weeks in their own time zone, but a report compares
the whole programme, so it uses one clock: the leaderboards' time zone from the rule
file (``leaderboards.timezone``, else the programme's ``timezone``).  A July report
made in Paris starts at 1 July 00:00 Paris time, which is 30 June 22:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, get_args

from engagement.core.periods import calendar_bounds, zone
from engagement.exceptions import InvalidInputError
from engagement.rules.model import RuleFile

PeriodKind = Literal["week", "month", "quarter", "year", "all"]
PERIODS: tuple[str, ...] = get_args(PeriodKind)


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """``[start, end)`` as aware instants, and the days it covers in ``timezone``.

    ``kind`` is a calendar unit, ``all`` (the whole log: no bounds), ``season`` or
    ``range`` (explicit dates).  ``last_day`` is included, as in the rule file's seasons.
    """

    kind: str
    label: str
    timezone: str
    first_day: date | None = None
    last_day: date | None = None
    start: datetime | None = None
    end: datetime | None = None


def resolve_period(
    file: RuleFile,
    period: str = "month",
    *,
    at: datetime | date | None = None,
    start: date | None = None,
    end: date | None = None,
    season: str | None = None,
) -> ReportPeriod:
    """The period a report asks for: a ``season`` of the rule file, or the days from
    ``start`` to ``end`` (both included), or else the calendar ``period`` containing
    ``at`` (default: now; a date is read in the leaderboards' time zone).

    Raises :class:`InvalidInputError` for an unknown period or season, a range with
    one end missing or backwards, a season combined with a range, or a naive ``at``.
    """
    tz_name = file.leaderboard_timezone
    if season is not None:
        if start is not None or end is not None:
            raise InvalidInputError("season: give a season or a date range (start, end), not both")
        return _season(file, season, tz_name)
    if start is not None or end is not None:
        if start is None or end is None:
            missing = "start" if start is None else "end"
            raise InvalidInputError(f"{missing}: a date range needs both start and end")
        first, last = _day(start, "start"), _day(end, "end")
        if first > last:
            raise InvalidInputError(f"start: {first} is after end {last}; swap them")
        return _days("range", f"{first}..{last}", first, last, tz_name)
    if period not in PERIODS:
        raise InvalidInputError(
            f"period: unknown period {period!r}; use one of {', '.join(PERIODS)}, "
            "or a season, or start and end dates"
        )
    if period == "all":
        return ReportPeriod("all", "all time", tz_name)
    day = _local_day(at, tz_name)
    lower, upper = calendar_bounds(period, day, zone(tz_name), file.week_start_index)
    tz = zone(tz_name)
    first = datetime.fromtimestamp(lower, tz).date()
    last = datetime.fromtimestamp(upper, tz).date() - timedelta(days=1)
    return _days(period, _label(period, first, file.week_start_index), first, last, tz_name)


def _season(file: RuleFile, season: str, tz_name: str) -> ReportPeriod:
    seasons = {spec.id: spec for spec in file.leaderboards.seasons}
    spec = seasons.get(season)
    if spec is None:
        known = ", ".join(sorted(seasons)) or "none: add them under leaderboards.seasons"
        raise InvalidInputError(f"season: no season {season!r} in the rule file; known: {known}")
    return _days("season", spec.id, spec.starts, spec.ends, tz_name)


def _days(kind: str, label: str, first: date, last: date, tz_name: str) -> ReportPeriod:
    tz = zone(tz_name)
    following = last + timedelta(days=1)
    return ReportPeriod(
        kind,
        label,
        tz_name,
        first,
        last,
        datetime(first.year, first.month, first.day, tzinfo=tz),
        datetime(following.year, following.month, following.day, tzinfo=tz),
    )


def _day(value: object, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInputError(f"{name}: a date (a whole day, e.g. 2026-07-01), not {value!r}")
    return value


def _local_day(at: datetime | date | None, tz_name: str) -> date:
    if at is None:
        return datetime.now(UTC).astimezone(zone(tz_name)).date()
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise InvalidInputError("at: give an aware datetime (with a time zone), or a date")
        return at.astimezone(zone(tz_name)).date()
    if isinstance(at, date):
        return at
    raise InvalidInputError(f"at: a date or an aware datetime, not {at!r}")


def _label(period: str, first: date, week_start: int) -> str:
    if period == "week":
        return f"{first:%G-W%V}" if week_start == 0 else f"week of {first}"
    if period == "month":
        return f"{first:%Y-%m}"
    if period == "quarter":
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return str(first.year)
