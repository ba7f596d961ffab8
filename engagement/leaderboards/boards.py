"""The leaderboard operations the engine facade offers, over one connection."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, select

from engagement.badges.i18n import pick
from engagement.exceptions import InvalidInputError, UnknownMemberError
from engagement.leaderboards import ranking
from engagement.leaderboards.ranking import Board, Scope
from engagement.leaderboards.standings import Display, Leaderboard, Metric, Neighbourhood
from engagement.leaderboards.tables import group_members
from engagement.storage.database import insert_if_absent
from engagement.storage.tables import members

if TYPE_CHECKING:
    from engagement.rules.ruleset import Ruleset


def _board(ruleset: Ruleset, period: str, at: float, scope: Scope, metric: Metric) -> Board:
    return Board(ruleset.boards.resolve(period, at), scope, metric)


def _display(ruleset: Ruleset, *, reveal: bool = False) -> Display:
    spec = ruleset.file.leaderboards
    return Display(None if reveal else spec.exact_ranks, tuple(spec.bands))


def _frame(
    ruleset: Ruleset, key: str, locale: str | None
) -> tuple[str | None, datetime | None, datetime | None]:
    """The period's display name (seasons) and its bounds as datetimes."""
    clock = ruleset.boards
    start, end = clock.bounds(key)
    season = clock.season_name(key)
    name = pick(season.name, locale, ruleset.file.default_locale) if season else None
    finite = start > float("-inf")
    return (
        name,
        datetime.fromtimestamp(start, clock.tz) if finite else None,
        datetime.fromtimestamp(end, clock.tz) if finite else None,
    )


def leaderboard(
    connection: Connection,
    ruleset: Ruleset,
    period: str,
    at: float,
    scope: Scope,
    metric: Metric,
    limit: int,
    offset: int,
    locale: str | None,
    *,
    reveal: bool = False,
) -> Leaderboard:
    board = _board(ruleset, period, at, scope, metric)
    display = _display(ruleset, reveal=reveal)
    total, entries = ranking.top(connection, board, display, limit, offset)
    return Leaderboard(
        board.period, *_frame(ruleset, board.period, locale), metric, scope.label, total,
        tuple(entries),
    )  # fmt: skip


def neighbourhood(
    connection: Connection,
    ruleset: Ruleset,
    member_id: str,
    period: str,
    at: float,
    scope: Scope,
    metric: Metric,
    k: int,
    locale: str | None,
) -> Neighbourhood:
    board = _board(ruleset, period, at, scope, metric)
    total, me, above, below = ranking.around(connection, board, _display(ruleset), member_id, k)
    return Neighbourhood(
        board.period, *_frame(ruleset, board.period, locale), metric, scope.label, total, me,
        tuple(above), tuple(below),
    )  # fmt: skip


def set_group(connection: Connection, group_id: str, member_ids: Iterable[str]) -> int:
    """Make ``member_ids`` the members of group ``group_id`` (a host's own grouping:
    a region, a pilot cohort); the number of members.  An empty list deletes it."""
    if not isinstance(group_id, str) or not 0 < len(group_id) <= 128:
        raise InvalidInputError("group_id: a non-empty string of at most 128 characters")
    wanted = sorted(set(member_ids))
    found = (
        dict(
            connection.execute(
                select(members.c.member_id, members.c.id).where(members.c.member_id.in_(wanted))
            ).all()
        )
        if wanted
        else {}
    )
    missing = [m for m in wanted if m not in found]
    if missing:
        raise UnknownMemberError(
            f"members: unknown member(s) {', '.join(map(repr, missing[:10]))}; "
            "add them with upsert_member() first"
        )
    connection.execute(delete(group_members).where(group_members.c.group_id == group_id))
    if found:
        connection.execute(
            insert_if_absent(connection, group_members, "group_id", "member_pk"),
            [{"group_id": group_id, "member_pk": pk} for pk in found.values()],
        )
    return len(found)
