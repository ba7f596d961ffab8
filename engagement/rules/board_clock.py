"""Which boards an action counts on: its week, month, quarter, year, seasons, all time.

Boards use one clock for everybody (the rule file's ``leaderboards.timezone``, else
the programme's): a weekly board is one contest, so it must start at one instant
for all its members, unlike caps and streaks, which follow each member's own clock.
A period is named by a string key that sorts in time within its kind and reads well
in a URL: ``week:2026-11-16`` (the local date the week starts), ``month:2026-11``,
``quarter:2026-Q4``, ``year:2026``, ``season:autumn-2026`` and ``all``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from engagement.core.periods import CalendarUnit, calendar_bounds, zone
from engagement.exceptions import InvalidInputError

if TYPE_CHECKING:
    from engagement.rules.model import RuleFile, SeasonSpec

PERIOD_KINDS = ("week", "month", "quarter", "year", "all")
"""The boards every programme has; seasons come from the rule file."""
ALL_TIME = "all"


class BoardClock:
    """Period keys and bounds of the boards of one rule file."""

    def __init__(self, file: RuleFile) -> None:
        self.timezone = file.leaderboard_timezone
        self.tz = zone(self.timezone)
        self.week_start = file.week_start_index
        self.seasons: dict[str, SeasonSpec] = {s.id: s for s in file.leaderboards.seasons}
        self._periods = lru_cache(maxsize=4096)(self._periods_of_day)

    @property
    def signature(self) -> tuple[object, ...]:
        """What the stored score rows depend on: when it changes they must be rebuilt."""
        seasons = tuple((s.id, s.starts, s.ends) for s in self.seasons.values())
        return (self.timezone, self.week_start, seasons)

    def periods(self, ts: float) -> tuple[str, ...]:
        """Keys of every board an action at instant ``ts`` counts on."""
        return self._periods(datetime.fromtimestamp(ts, self.tz).date())

    def _periods_of_day(self, day: date) -> tuple[str, ...]:
        keys = [_key(unit, day, self.week_start) for unit in ("week", "month", "quarter", "year")]
        keys.append(ALL_TIME)
        keys.extend(
            f"season:{season.id}"
            for season in self.seasons.values()
            if season.starts <= day <= season.ends
        )
        return tuple(keys)

    def resolve(self, period: str, ts: float) -> str:
        """The key of board ``period`` (``week``…, ``all`` or ``season:<id>``) at ``ts``.

        Raises :class:`InvalidInputError` naming the periods that exist.
        """
        if period == ALL_TIME:
            return ALL_TIME
        if period in PERIOD_KINDS:
            day = datetime.fromtimestamp(ts, self.tz).date()
            return _key(period, day, self.week_start)
        if period.startswith("season:") and period.removeprefix("season:") in self.seasons:
            return period
        choices = [*PERIOD_KINDS, *(f"season:{s}" for s in self.seasons)]
        raise InvalidInputError(f"period: unknown period {period!r}; choose one of {choices}")

    def bounds(self, key: str) -> tuple[float, float]:
        """``[start, end)`` of the period ``key`` as POSIX seconds (all time: ±inf)."""
        if key == ALL_TIME:
            return -math.inf, math.inf
        kind, _, name = key.partition(":")
        if kind == "season":
            season = self.seasons[name]
            return self._midnight(season.starts), self._midnight(season.ends + timedelta(days=1))
        unit: CalendarUnit = kind  # type: ignore[assignment]
        return calendar_bounds(unit, _first_day(kind, name), self.tz, self.week_start)

    def _midnight(self, day: date) -> float:
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp()

    def season_name(self, key: str) -> SeasonSpec | None:
        return self.seasons.get(key.removeprefix("season:")) if key.startswith("season:") else None


def _key(unit: str, day: date, week_start: int) -> str:
    if unit == "week":
        start = day - timedelta(days=(day.weekday() - week_start) % 7)
        return f"week:{start.isoformat()}"
    if unit == "month":
        return f"month:{day.year:04d}-{day.month:02d}"
    if unit == "quarter":
        return f"quarter:{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"year:{day.year:04d}"


def _first_day(kind: str, name: str) -> date:
    if kind == "week":
        return date.fromisoformat(name)
    if kind == "month":
        year, month = name.split("-")
        return date(int(year), int(month), 1)
    if kind == "quarter":
        year, quarter = name.split("-Q")
        return date(int(year), (int(quarter) - 1) * 3 + 1, 1)
    return date(int(name), 1, 1)
