"""``engine.boards``: leaderboards, "around me", custom groups and their upkeep."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from engagement.core.limits import GROUP_LENGTH, NAME_LENGTH, checked, cleaned
from engagement.core.limits import member_id as checked_id
from engagement.leaderboards import boards
from engagement.leaderboards.ranking import Scope
from engagement.leaderboards.rebuild import RebuildReport, rebuild
from engagement.leaderboards.standings import Leaderboard, Metric, Neighbourhood
from engagement.pipeline import snapshots
from engagement.pipeline.runtime import Runtime
from engagement.pipeline.unit import instant


class Boards:
    """Boards by period, scope and metric (see docs/leaderboards.md)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def top(
        self,
        period: str = "week",
        *,
        at: datetime | None = None,
        team: str | None = None,
        group: str | None = None,
        metric: Metric = "points",
        limit: int = 20,
        offset: int = 0,
        locale: str | None = None,
        reveal: bool = False,
        session: Session | None = None,
    ) -> Leaderboard:
        """The top of a board: ``period`` is ``week``, ``month``, ``quarter``, ``year``,
        ``all`` or ``season:<id>`` (the one containing ``at``, default now, in the
        boards' time zone); scope everyone, a ``team`` or a ``group``
        (:meth:`set_group`); ``metric`` ``points`` or ``variety`` (distinct verbs,
        channels and topics).  Only members who opted in appear.  ``reveal`` gives
        every entry its exact rank, whatever the rule file's ``exact_ranks`` lets
        members see: for HR's reports, not for pages members read."""
        scope = Scope(
            checked("team", team, NAME_LENGTH, optional=True),
            checked("group", group, GROUP_LENGTH, optional=True),
        )
        with self._runtime.unit(session) as (connection, _):
            ruleset = self._runtime.active(connection)
            return boards.leaderboard(
                connection, ruleset, period, instant(at), scope, metric, limit, offset, locale,
                reveal=reveal,
            )  # fmt: skip

    def standing(
        self,
        member_id: str,
        period: str = "week",
        *,
        at: datetime | None = None,
        team: str | None = None,
        group: str | None = None,
        metric: Metric = "points",
        k: int = 3,
        locale: str | None = None,
        session: Session | None = None,
    ) -> Neighbourhood:
        """Where a member stands ("around me"): their rank or band, percentile, the
        ``k`` members above and below, and how many take part.  A member who has not
        opted in gets where they would stand, for their eyes only."""
        member_id = checked_id(member_id)
        scope = Scope(
            checked("team", team, NAME_LENGTH, optional=True),
            checked("group", group, GROUP_LENGTH, optional=True),
        )
        with self._runtime.unit(session) as (connection, _):
            ruleset = self._runtime.active(connection)
            return boards.neighbourhood(
                connection, ruleset, member_id, period, instant(at), scope, metric, k, locale
            )

    def set_group(
        self, group_id: str, member_ids: Iterable[str], *, session: Session | None = None
    ) -> int:
        """Make ``member_ids`` the whole membership of a custom group with its own
        boards (a region, a pilot cohort); returns its size.  An empty list empties it."""
        group_id = cleaned("group_id", group_id, GROUP_LENGTH)
        ids = [checked_id(member_id) for member_id in member_ids]
        with self._runtime.unit(session) as (connection, _):
            return boards.set_group(connection, group_id, ids)

    def rebuild(self, *, check: bool = False, session: Session | None = None) -> RebuildReport:
        """Recompute every board's score rows from the ledger; with ``check``, only
        report rows that differ.  Rows are kept in step by every write, so a check
        finding differences means a bug or a database edited by hand."""
        with self._runtime.unit(session) as (connection, _):
            ruleset = self._runtime.active(connection)
            report = rebuild(connection, ruleset.boards, check=check)
            if not check:
                # Snapshots keep score rows' marks and points.  Discarded last: a
                # writer still busy with a member has written their score rows before
                # their snapshot, so the rebuild has waited for it by now.
                snapshots.discard(connection)
            return report
