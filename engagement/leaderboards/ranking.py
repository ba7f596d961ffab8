"""Reading boards from the maintained score rows: a few index range scans per call.

Every query runs over one (period, visibility[, team]) range of an index ordered by
score, so reading the top of a board costs the same with a hundred members or a
hundred thousand, apart from counting its participants; placing a member counts the
board's rows once (participants and rows ahead in one pass), and finds neighbours
and distinct scores above by seeking in the index, never by walking the board from
one end (see docs/performance.md for what that costs at 100,000 members).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, case, func, select

from ..exceptions import InvalidInputError, UnknownMemberError
from ..tables import members
from .standings import METRICS, Display, Metric, Standing
from .tables import group_members, scores


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
    def score(self) -> ColumnElement[int]:
        return scores.c.points if self.metric == "points" else scores.c.variety

    def where(self) -> list[ColumnElement[bool]]:
        clauses = [scores.c.period == self.period, scores.c.visible.is_(True)]
        if self.scope.team is not None:
            clauses.append(scores.c.team == self.scope.team)
        if self.scope.group is not None:
            clauses.append(
                scores.c.member_pk.in_(
                    select(group_members.c.member_pk).where(
                        group_members.c.group_id == self.scope.group
                    )
                )
            )
        return clauses


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


def _rows(board: Board) -> Select[Any]:
    return select(*_COLUMNS).join(members, members.c.id == scores.c.member_pk).where(*board.where())


def participants(connection: Connection, board: Board) -> int:
    return int(
        connection.execute(select(func.count()).select_from(scores).where(*board.where())).scalar()
        or 0
    )


def _ahead(connection: Connection, board: Board, score: int) -> tuple[int, int]:
    """(distinct scores above ``score``, rows above it): one pass over the rows ahead."""
    above = (
        select(board.score.label("score"), func.count().label("n"))
        .where(*board.where(), board.score > score)
        .group_by(board.score)
        .subquery()
    )
    distinct_scores, rows = connection.execute(
        select(func.count(), func.coalesce(func.sum(above.c.n), 0))
    ).one()
    return int(distinct_scores), int(rows)


def _participants_and_ahead(connection: Connection, board: Board, score: int) -> tuple[int, int]:
    """(rows on the board, rows with a higher score): one pass over the board's range
    of an index, where counting each separately would read the rows ahead twice."""
    total, ahead = connection.execute(
        select(func.count(), func.count(case((board.score > score, 1)))).where(*board.where())
    ).one()
    return int(total), int(ahead)


def _distinct_above(connection: Connection, board: Board, score: int, cap: int | None) -> int:
    """Distinct scores above ``score``, counted up to ``cap`` (all of them if ``None``),
    reading from the top of the board: ranks past ``cap`` are not shown."""
    higher = select(board.score).where(*board.where(), board.score > score).distinct()
    if cap is not None:
        higher = higher.order_by(board.score.desc()).limit(cap)
    return int(connection.execute(select(func.count()).select_from(higher.subquery())).scalar_one())


def _neighbours(
    connection: Connection, board: Board, score: int, member_pk: int, k: int, *, up: bool
) -> list[Any]:
    """The ``k`` rows next to the member on one side, nearest first.

    Two index range reads, the member's ties then the scores beyond: as one query with
    ``score > mine OR (score = mine AND pk < me)`` the database cannot seek, and walks
    the board from its far end, past every row on that side.
    """
    if k == 0:
        return []
    if up:
        tied = _rows(board).where(board.score == score, scores.c.member_pk < member_pk)
        tied = tied.order_by(scores.c.member_pk.desc())
        beyond = _rows(board).where(board.score > score)
        beyond = beyond.order_by(board.score.asc(), scores.c.member_pk.desc())
    else:
        tied = _rows(board).where(board.score == score, scores.c.member_pk > member_pk)
        tied = tied.order_by(scores.c.member_pk.asc())
        beyond = _rows(board).where(board.score < score)
        beyond = beyond.order_by(board.score.desc(), scores.c.member_pk.asc())
    rows = list(connection.execute(tied.limit(k)))
    if len(rows) < k:
        rows += connection.execute(beyond.limit(k - len(rows)))
    return rows


def top(
    connection: Connection, board: Board, display: Display, limit: int, offset: int = 0
) -> tuple[int, list[Standing]]:
    """``(participants, the entries from position offset + 1)``, best first."""
    _check_page(limit, offset)
    rows = connection.execute(
        _rows(board).order_by(board.score.desc(), scores.c.member_pk).limit(limit).offset(offset)
    ).all()
    total = participants(connection, board)
    if not rows:
        return total, []
    first = _score(board, rows[0])
    distinct_above, ahead = _ahead(connection, board, first) if offset else (0, 0)
    rank, entries, previous = distinct_above + 1, [], first
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
    me = connection.execute(
        select(members.c.id, members.c.member_id, members.c.display_name, members.c.team).where(
            members.c.member_id == member_id
        )
    ).first()
    if me is None:
        raise UnknownMemberError(f"member: unknown member {member_id!r}")
    own = connection.execute(
        select(*_COLUMNS)
        .join(members, members.c.id == scores.c.member_pk)
        .where(scores.c.member_pk == me.id, scores.c.period == board.period)
    ).first()
    public = own is not None and _on_board(connection, board, own)
    mine = _score(board, own) if own is not None else 0
    on_board, ahead = _participants_and_ahead(connection, board, mine)
    total = on_board + (0 if public else 1)
    # Past the rule file's exact ranks only a band is shown, so counting distinct
    # scores can stop once the member and their k neighbours above are out of reach.
    cap = None if display.exact_ranks is None else display.exact_ranks + k + 1
    rank = _distinct_above(connection, board, mine, cap) + 1
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
        found = connection.execute(
            select(group_members.c.id).where(
                group_members.c.group_id == board.scope.group,
                group_members.c.member_pk == row.member_pk,
            )
        ).first()
        return found is not None
    return True


def _counts_between(
    connection: Connection, board: Board, neighbours: Sequence[int], mine: int
) -> dict[int, int]:
    """Rows per score from the lowest to the highest score shown around ``mine``."""
    low, high = min([mine, *neighbours]), max([mine, *neighbours])
    rows = connection.execute(
        select(board.score, func.count())
        .where(*board.where(), board.score >= low, board.score <= high)
        .group_by(board.score)
    )
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
