"""Reading boards from the maintained score rows: a few index range scans per call.

Every query runs over one (period, visibility[, team]) range of an index ordered by
score, so reading the top of a board, a member's neighbours or the distinct scores
above them costs the same with a hundred members or a hundred thousand.  Counting
does not: participants and rows ahead are an index range count, so everyone boards
(the large ones) take them from the period's tallies (:mod:`.tallies`) and count only
inside one score bucket; team and group boards count their own ranges.  See
docs/performance.md for what each costs at 100,000 members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, case, func, select

from engagement.exceptions import InvalidInputError, UnknownMemberError
from engagement.leaderboards import tallies
from engagement.leaderboards.standings import METRICS, Display, Metric, Standing
from engagement.leaderboards.tables import group_members, scores
from engagement.storage.tables import members


@dataclass(frozen=True, slots=True)
class Scope:
    """Everyone, one team, or one of the host's groups."""

    team: str | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        if self.team is not None and self.group is not None:
            raise InvalidInputError("scope: give a team or a group, not both")

    @property
    def label(self) -> str:
        if self.team is not None:
            return f"team:{self.team}"
        if self.group is not None:
            return f"group:{self.group}"
        return "everyone"


@dataclass(frozen=True, slots=True)
class Board:
    """One board: a period key, a scope and a metric."""

    period: str
    scope: Scope
    metric: Metric

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InvalidInputError(f"metric: {self.metric!r} is not one of {list(METRICS)}")

    @property
    def kind(self) -> str:
        scope = self.scope
        return "team" if scope.team is not None else "group" if scope.group is not None else "all"

    @property
    def sql(self) -> _Statements:
        """This board's statements (shared by every board of its shape)."""
        return _statements(self.kind, self.metric)

    @property
    def params(self) -> dict[str, Any]:
        """The values of the board's bind parameters."""
        return {"period": self.period, "team": self.scope.team, "group": self.scope.group}


_COLUMNS = (
    scores.c.member_pk,
    members.c.member_id,
    members.c.display_name,
    scores.c.team,
    scores.c.points,
    scores.c.variety,
    scores.c.actions,
    scores.c.visible,
)


class _Statements:
    """Every statement of one board shape (scope kind and metric), built once with
    bind parameters: building a Core statement and its cache key for each call cost
    more than running it (about 0.4 ms against 0.05 ms per statement on SQLite), and a
    board call sends up to nine.

    Parameters: ``period``, ``team``, ``group`` (the board), ``score`` and ``pk`` (the
    member's), ``k``, ``cap``, ``limit``, ``offset``, ``low`` and ``high``.
    """

    def __init__(self, kind: str, metric: Metric) -> None:
        score = scores.c.points if metric == "points" else scores.c.variety
        pk = scores.c.member_pk
        where = [scores.c.period == bindparam("period"), scores.c.visible.is_(True)]
        if kind == "team":
            where.append(scores.c.team == bindparam("team"))
        elif kind == "group":
            where.append(
                pk.in_(
                    select(group_members.c.member_pk).where(
                        group_members.c.group_id == bindparam("group")
                    )
                )
            )
        rows = select(*_COLUMNS).join(members, members.c.id == pk).where(*where)
        self.page = (
            rows.order_by(score.desc(), pk).limit(bindparam("limit")).offset(bindparam("offset"))
        )
        self.participants = select(func.count()).select_from(scores).where(*where)
        # One pass over the board gives both, where counting each apart reads the
        # rows ahead twice.
        self.participants_and_ahead = (
            select(func.count(), func.count(case((score > bindparam("score"), 1))))
            .select_from(scores)
            .where(*where)
        )
        # Inside one tally bucket (everyone boards: the rest come from the tallies).
        self.ahead_below = (
            select(func.count())
            .select_from(scores)
            .where(*where, score > bindparam("score"), score < bindparam("high"))
        )
        higher = select(score).where(*where, score > bindparam("score")).distinct()
        self.distinct_above = select(func.count()).select_from(higher.subquery())
        self.distinct_above_capped = select(func.count()).select_from(
            higher.order_by(score.desc()).limit(bindparam("cap")).subquery()
        )
        # Neighbours: the member's ties (by pk), then the scores beyond, each an index
        # range read.  As one query, ``score > mine OR (score = mine AND pk < me)``
        # cannot seek: the database walks the board from its far end.
        k: BindParameter[int] = bindparam("k")
        self.tied_above = (
            rows.where(score == bindparam("score"), pk < bindparam("pk"))
            .order_by(pk.desc())
            .limit(k)
        )
        self.beyond_above = (
            rows.where(score > bindparam("score")).order_by(score.asc(), pk.desc()).limit(k)
        )
        self.tied_below = (
            rows.where(score == bindparam("score"), pk > bindparam("pk")).order_by(pk).limit(k)
        )
        self.beyond_below = (
            rows.where(score < bindparam("score")).order_by(score.desc(), pk).limit(k)
        )
        self.counts_between = (
            select(score, func.count())
            .where(*where, score >= bindparam("low"), score <= bindparam("high"))
            .group_by(score)
        )


@cache
def _statements(kind: str, metric: Metric) -> _Statements:
    return _Statements(kind, metric)


_MEMBER = select(members.c.id, members.c.member_id, members.c.display_name, members.c.team).where(
    members.c.member_id == bindparam("member_id")
)
_OWN_ROW = (
    select(*_COLUMNS)
    .join(members, members.c.id == scores.c.member_pk)
    .where(scores.c.member_pk == bindparam("pk"), scores.c.period == bindparam("period"))
)
_IN_GROUP = select(group_members.c.id).where(
    group_members.c.group_id == bindparam("group"), group_members.c.member_pk == bindparam("pk")
)


def _position(
    connection: Connection, board: Board, score: int, cap: int | None
) -> tuple[int, int, int]:
    """(participants, rows with a higher score, distinct higher scores) for ``score``.

    Everyone boards count participants and most rows ahead from the tallies, and only
    the rows ahead inside the score's own bucket from the index.

    Distinct scores are counted from the top of the board and only up to ``cap``
    (all of them if ``None``): past the rule file's exact ranks only a band is shown.
    """
    params = {**board.params, "score": score, "cap": cap}
    if board.kind == "all":
        bucket = tallies.bucket_of(score)
        total, ahead = tallies.participants_and_above(
            connection, board.period, board.metric, bucket
        )
        high = tallies.bucket_bounds(bucket)[1]
        if score + 1 < high:
            in_bucket = connection.execute(board.sql.ahead_below, {**params, "high": high})
            ahead += int(in_bucket.scalar_one())
    else:
        total, ahead = connection.execute(board.sql.participants_and_ahead, params).one()
    distinct = board.sql.distinct_above if cap is None else board.sql.distinct_above_capped
    return int(total), int(ahead), int(connection.execute(distinct, params).scalar_one())


def _participants(connection: Connection, board: Board) -> int:
    if board.kind == "all":
        return tallies.participants_and_above(connection, board.period, board.metric, 0)[0]
    return int(connection.execute(board.sql.participants, board.params).scalar_one())


def _neighbours(
    connection: Connection, board: Board, score: int, member_pk: int, k: int, *, up: bool
) -> list[Any]:
    """The ``k`` rows next to the member on one side, nearest first."""
    if k == 0:
        return []
    tied, beyond = (
        (board.sql.tied_above, board.sql.beyond_above)
        if up
        else (board.sql.tied_below, board.sql.beyond_below)
    )
    params = {**board.params, "score": score, "pk": member_pk, "k": k}
    rows = list(connection.execute(tied, params))
    if len(rows) < k:
        rows += connection.execute(beyond, {**params, "k": k - len(rows)})
    return rows


def top(
    connection: Connection, board: Board, display: Display, limit: int, offset: int = 0
) -> tuple[int, list[Standing]]:
    """``(participants, the entries from position offset + 1)``, best first."""
    _check_page(limit, offset)
    rows = connection.execute(
        board.sql.page, {**board.params, "limit": limit, "offset": offset}
    ).all()
    if not rows or not offset:
        total = _participants(connection, board)
        distinct_above = ahead = 0
    else:
        cap = None if display.exact_ranks is None else display.exact_ranks + 1
        total, ahead, distinct_above = _position(connection, board, _score(board, rows[0]), cap)
    if not rows:
        return total, []
    rank, entries, previous = distinct_above + 1, [], _score(board, rows[0])
    for position, row in enumerate(rows):
        score = _score(board, row)
        if score != previous:
            rank, ahead, previous = rank + 1, offset + position, score
        entries.append(_standing(row, score, rank, ahead, total, display))
    return total, entries


def around(
    connection: Connection, board: Board, display: Display, member_id: str, k: int
) -> tuple[int, Standing, list[Standing], list[Standing]]:
    """``(participants, the member, the k above, the k below)`` on ``board``."""
    if k < 0 or k > 100:
        raise InvalidInputError(f"k: between 0 and 100 neighbours each side, not {k}")
    me = connection.execute(_MEMBER, {"member_id": member_id}).first()
    if me is None:
        raise UnknownMemberError(f"member: unknown member {member_id!r}")
    own = connection.execute(_OWN_ROW, {"pk": me.id, "period": board.period}).first()
    public = own is not None and _on_board(connection, board, own)
    mine = _score(board, own) if own is not None else 0
    # Distinct scores above need counting only until the member and their k
    # neighbours above are past the exact ranks: beyond, ranks are not shown.
    cap = None if display.exact_ranks is None else display.exact_ranks + k + 1
    on_board, ahead, distinct_above = _position(connection, board, mine, cap)
    total = on_board + (0 if public else 1)
    rank = distinct_above + 1
    above = _neighbours(connection, board, mine, me.id, k, up=True)[::-1]
    below = _neighbours(connection, board, mine, me.id, k, up=False)
    counts = _counts_between(connection, board, [_score(board, r) for r in above + below], mine)
    if not public:
        counts[mine] = counts.get(mine, 0) + 1  # the member, where they would stand
    if own is not None:
        myself = _standing(own, mine, rank, ahead, total, display, public=public, you=True)
    else:
        myself = Standing(
            me.member_id, me.display_name, me.team, 0, 0, 0, 0,
            display.rank(rank), display.top_percent(ahead, total),
            display.band(display.top_percent(ahead, total)), public=False, you=True,
        )  # fmt: skip
    return (
        total,
        myself,
        _walk(board, above[::-1], mine, rank, ahead, counts, total, display, up=True)[::-1],
        _walk(board, below, mine, rank, ahead, counts, total, display, up=False),
    )


def _on_board(connection: Connection, board: Board, row: Any) -> bool:
    if not row.visible:
        return False
    if board.scope.team is not None:
        return bool(row.team == board.scope.team)
    if board.scope.group is not None:
        found = connection.execute(_IN_GROUP, {"group": board.scope.group, "pk": row.member_pk})
        return found.first() is not None
    return True


def _counts_between(
    connection: Connection, board: Board, neighbours: Sequence[int], mine: int
) -> dict[int, int]:
    """Rows per score from the lowest to the highest score shown around ``mine``."""
    low, high = min([mine, *neighbours]), max([mine, *neighbours])
    rows = connection.execute(board.sql.counts_between, {**board.params, "low": low, "high": high})
    return {int(score): int(n) for score, n in rows}


def _walk(
    board: Board,
    rows: Sequence[Any],
    mine: int,
    rank: int,
    ahead: int,
    counts: dict[int, int],
    total: int,
    display: Display,
    *,
    up: bool,
) -> list[Standing]:
    """Standings of neighbours, walking away from the member: ranks change by one per
    distinct score (the rows are contiguous in board order), rows ahead by the counts."""
    entries, previous = [], mine
    for row in rows:
        score = _score(board, row)
        if score != previous:
            if up:
                rank, ahead = rank - 1, ahead - counts.get(score, 0)
            else:
                rank, ahead = rank + 1, ahead + counts.get(previous, 0)
            previous = score
        entries.append(_standing(row, score, rank, ahead, total, display))
    return entries


def _standing(
    row: Any,
    score: int,
    rank: int,
    ahead: int,
    total: int,
    display: Display,
    *,
    public: bool = True,
    you: bool = False,
) -> Standing:
    top_percent = display.top_percent(ahead, total)
    return Standing(
        member=row.member_id,
        display_name=row.display_name,
        team=row.team,
        score=score,
        points=int(row.points),
        variety=int(row.variety),
        actions=int(row.actions),
        rank=display.rank(rank),
        top_percent=top_percent,
        band=display.band(top_percent),
        public=public,
        you=you,
    )


def _score(board: Board, row: Any) -> int:
    return int(row.points if board.metric == "points" else row.variety)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= 1000:
        raise InvalidInputError(f"limit: between 1 and 1000 entries, not {limit}")
    if offset < 0:
        raise InvalidInputError(f"offset: 0 or more, not {offset}")
