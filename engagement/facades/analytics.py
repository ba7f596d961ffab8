"""``engine.analytics``: reach reported by the networks, and the programme's KPIs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from engagement.analytics import metrics
from engagement.analytics.metrics import MetricsReport
from engagement.analytics.model import ProgrammeReport
from engagement.analytics.report import build_report
from engagement.core.limits import NAME_LENGTH, checked
from engagement.pipeline.runtime import Runtime


class Analytics:
    """What HR measures the programme by (see docs/analytics.md)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def report_metrics(
        self,
        key: str,
        *,
        impressions: int | None = None,
        clicks: int | None = None,
        reactions: int | None = None,
        at: datetime | None = None,
        session: Session | None = None,
    ) -> MetricsReport:
        """Record the reach a network reported for the action logged under ``key``.

        The counters are cumulative: for each one, the latest report (by ``at``, when
        the network counted; default now) replaces earlier ones and the metrics the
        action was logged with.  The action log is not changed.  Raises
        :class:`engagement.UnknownActionError` for an unknown key and
        :class:`engagement.InvalidInputError` for a counter that is not a whole number
        from 0 to 2**53 or an ``at`` outside the engine's :class:`engagement.Limits`;
        nothing is written then.
        """
        with self._runtime.unit(session) as (connection, _):
            return metrics.report_metrics(
                connection,
                key,
                impressions=impressions,
                clicks=clicks,
                reactions=reactions,
                at=at,
                limits=self._runtime.limits,
            )

    def report(
        self,
        period: str = "month",
        *,
        at: datetime | date | None = None,
        start: date | None = None,
        end: date | None = None,
        season: str | None = None,
        team: str | None = None,
        by_team: bool = False,
        top: int = 10,
        session: Session | None = None,
    ) -> ProgrammeReport:
        """The programme's KPIs for a period, in the leaderboards' time zone.

        ``period`` is ``week``, ``month``, ``quarter`` or ``year`` (the one containing
        ``at``, default now) or ``all``; ``season`` (an id of the rule file's
        ``leaderboards.seasons``) or ``start`` and ``end`` (dates, both included) take
        precedence.  ``team`` limits every figure to one team; ``by_team`` adds a
        section per team.  Revoked actions never count; only members who opted in
        are named among the ``top`` contributors.  Bad arguments raise
        :class:`engagement.InvalidInputError`.  See docs/analytics.md.
        """
        with self._runtime.unit(session) as (connection, _):
            return build_report(
                connection,
                self._runtime.active(connection),
                period,
                at=at,
                start=start,
                end=end,
                season=season,
                team=checked("team", team, NAME_LENGTH, optional=True),
                by_team=by_team,
                top=top,
            )
