"""Assembling a programme report: the period, the reads, then one section per scope."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from engagement.analytics import queries
from engagement.analytics.kpis import Settings, section
from engagement.analytics.model import ProgrammeReport, Section
from engagement.analytics.periods import resolve_period
from engagement.analytics.queries import ActionRow, Scope
from engagement.exceptions import InvalidInputError
from engagement.rules.ruleset import Ruleset


def build_report(
    connection: Connection,
    ruleset: Ruleset,
    period: str = "month",
    *,
    at: datetime | date | None = None,
    start: date | None = None,
    end: date | None = None,
    season: str | None = None,
    team: str | None = None,
    by_team: bool = False,
    top: int = 10,
) -> ProgrammeReport:
    """The report of ``period`` (see :func:`~engagement.analytics.periods.resolve_period`),
    limited to ``team`` if given, else with a section per team if ``by_team``.

    Raises :class:`InvalidInputError` for bad period arguments, a team no member is
    in, or a ``top`` that is not a positive whole number.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidInputError(f"top: how many to list, 1 or more, not {top!r}")
    resolved = resolve_period(ruleset.file, period, at=at, start=start, end=end, season=season)
    enrolment = queries.enrolment(connection, team)
    if team is not None and not enrolment:
        known = sorted(t for t in queries.teams(connection) if t is not None)
        raise InvalidInputError(
            f"team: no member is in team {team!r}; teams: {', '.join(known) or 'none yet'}"
        )
    settings = Settings.of(ruleset, top)
    scope = Scope(resolved, team)
    rows = queries.counted_actions(connection, scope)
    points = queries.points(connection, scope)
    enrolled = (sum(e.enrolled for e in enrolment), sum(e.opted_in for e in enrolment))
    overall = section(team, rows, enrolled, points, settings)
    teams: tuple[Section, ...] = ()
    if by_team and team is None:
        per_team: dict[str | None, list[ActionRow]] = defaultdict(list)
        for row in rows:
            per_team[row.team].append(row)
        ordered = sorted(enrolment, key=lambda e: (e.team is None, e.team or ""))
        teams = tuple(
            section(
                e.team,
                per_team.get(e.team, []),
                (e.enrolled, e.opted_in),
                points,
                settings,
            )
            for e in ordered
        )
    return ProgrammeReport(
        programme=ruleset.file.programme,
        period=resolved,
        generated_at=datetime.now(UTC),
        personal_min_words=settings.min_own_words,
        corporate_kinds=settings.corporate_kinds,
        overall=overall,
        teams=teams,
    )
