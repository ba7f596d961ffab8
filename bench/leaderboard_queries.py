"""What :mod:`bench.leaderboards` times: the engine's board reads, the naive queries
a developer would write without score rows, the members to ask about, and the SQL
each engine call sends (with its plan), to explain a time that misses its target.

The naive baseline reads the ledger, the engine's own source of truth: the points of
the period are ``SUM(ledger.points)`` over the ledger joined to the actions whose
``at`` falls in the period (all time needs no join), for members who opted in.  Its
"around me" is what the issue describes: the member's own sum, then the number of
distinct sums above it (a ``GROUP BY`` subquery), which gives the dense rank; it
fetches no neighbours and no participant count, which only flatters it.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import distinct, func, select

from engagement import Engagement
from engagement.leaderboards.tables import scores
from engagement.storage.tables import actions, ledger, members

PERIODS = ("week", "month", "all")
TOP = 20
K = 3

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sample:
    """A member to ask "where do I stand?" for, and why they were picked."""

    member_id: str
    tier: str


TIERS = (
    ("top", 0.20),
    ("middle", 0.25),
    ("tail", 0.25),
    ("not opted in", 0.20),
    ("inactive", 0.10),
)
"""Where on the board the sampled members stand, and how many of each: the top 1 %,
the middle half, the last quarter, members who did not opt in, and opted-in members
without a score row in the period (nothing this week)."""


def period_key(engine: Engagement, period: str, at: datetime) -> str:
    return engine.active_rules().boards.resolve(period, at.timestamp())


def bounds(engine: Engagement, period: str, at: datetime) -> tuple[datetime, datetime] | None:
    """The period's ``[start, end)`` as UTC datetimes; ``None`` for all time."""
    clock = engine.active_rules().boards
    key = clock.resolve(period, at.timestamp())
    start, end = clock.bounds(key)
    if start == float("-inf"):
        return None
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)


def largest_team(engine: Engagement) -> tuple[str, int]:
    with engine.database.connect() as connection:
        team, size = connection.execute(
            select(members.c.team, func.count())
            .group_by(members.c.team)
            .order_by(func.count().desc(), members.c.team)
            .limit(1)
        ).one()
    return str(team), int(size)


def samples(engine: Engagement, period: str, at: datetime, count: int, seed: int) -> list[Sample]:
    """``count`` members in the mix of :data:`TIERS`, drawn with ``seed``: the same
    data give the same members on every backend and every run."""
    rng = random.Random(f"{seed}:{period}")
    key = period_key(engine, period, at)
    with engine.database.connect() as connection:
        board = [
            member_id
            for (member_id,) in connection.execute(
                select(members.c.member_id)
                .join(scores, scores.c.member_pk == members.c.id)
                .where(scores.c.period == key, scores.c.visible.is_(True))
                .order_by(scores.c.points.desc(), scores.c.member_pk)
            )
        ]
        hidden = [
            member_id
            for (member_id,) in connection.execute(
                select(members.c.member_id).where(members.c.opted_in.is_(False))
            )
        ]
        on_board = select(scores.c.member_pk).where(scores.c.period == key)
        absent = [
            member_id
            for (member_id,) in connection.execute(
                select(members.c.member_id).where(
                    members.c.opted_in.is_(True), members.c.id.not_in(on_board)
                )
            )
        ]
    n = len(board)
    pools = {
        "top": board[: max(1, n // 100)],
        "middle": board[n // 4 : 3 * n // 4],
        "tail": board[3 * n // 4 :],
        "not opted in": hidden,
        "inactive": absent,
    }
    chosen: list[Sample] = []
    for tier, share in TIERS:
        pool = pools[tier]
        if pool:
            wanted = max(1, round(count * share))
            chosen += [Sample(m, tier) for m in rng.choices(pool, k=wanted)]
    rng.shuffle(chosen)
    return chosen


# -- the engine ---------------------------------------------------------------------


def engine_top(engine: Engagement, period: str, at: datetime, team: str | None) -> Any:
    return engine.boards.top(period, at=at, team=team, limit=TOP)


def engine_around(engine: Engagement, period: str, at: datetime, member_id: str) -> Any:
    return engine.boards.standing(member_id, period, at=at, k=K)


# -- the naive baseline ---------------------------------------------------------------


def _period_sums(period: tuple[datetime, datetime] | None, team: str | None) -> sa.Select[Any]:
    """Points per opted-in member in the period, from the ledger."""
    total = func.sum(ledger.c.points).label("total")
    query = select(ledger.c.member_pk, total).join(members, members.c.id == ledger.c.member_pk)
    if period is not None:
        query = query.join(actions, actions.c.id == ledger.c.action_id).where(
            actions.c.at >= period[0], actions.c.at < period[1]
        )
    query = query.where(members.c.opted_in.is_(True))
    if team is not None:
        query = query.where(members.c.team == team)
    return query.group_by(ledger.c.member_pk)


def naive_top(
    database: sa.Engine, period: tuple[datetime, datetime] | None, team: str | None
) -> list[tuple[str, int]]:
    """The top 20: sums per member, highest first (ties by join order, as the engine)."""
    sums = _period_sums(period, team).subquery()
    with database.begin() as connection:
        rows = connection.execute(
            select(members.c.member_id, sums.c.total)
            .join(sums, sums.c.member_pk == members.c.id)
            .order_by(sums.c.total.desc(), sums.c.member_pk)
            .limit(TOP)
        ).all()
    return [(str(member_id), int(total)) for member_id, total in rows]


def naive_around(
    database: sa.Engine, period: tuple[datetime, datetime] | None, member_id: str
) -> tuple[int, int]:
    """(the member's points, dense rank among opted-in members)."""
    mine = select(func.coalesce(func.sum(ledger.c.points), 0)).join(
        members, members.c.id == ledger.c.member_pk
    )
    if period is not None:
        mine = mine.join(actions, actions.c.id == ledger.c.action_id).where(
            actions.c.at >= period[0], actions.c.at < period[1]
        )
    with database.begin() as connection:
        points = int(connection.execute(mine.where(members.c.member_id == member_id)).scalar_one())
        above = _period_sums(period, None).having(func.sum(ledger.c.points) > points).subquery()
        distinct_above = connection.execute(select(func.count(distinct(above.c.total)))).scalar()
    return points, int(distinct_above or 0) + 1


# -- timing -----------------------------------------------------------------------------


def timed(call: Callable[[], T]) -> tuple[int, T]:
    """(nanoseconds the call took, its result)."""
    began = time.perf_counter_ns()
    result = call()
    return time.perf_counter_ns() - began, result


# -- what an engine call sends, and the plans ---------------------------------------


@dataclass(slots=True)
class Statement:
    """One statement an engine call sent, re-run alone: its median time and plan."""

    sql: str
    parameters: Any
    ms: float = 0.0
    rows: int = 0
    plan: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return label(self.sql)


def label(sql: str) -> str:
    """A short name for a statement the leaderboard code sends, from its SQL (the
    shapes of both the original queries and those of the proposed changes)."""
    flat = " ".join(sql.split())
    lowered = flat.lower()
    if "engagement_rulesets" in lowered:
        return "active ruleset version"
    if "engagement_score_tallies" in lowered:
        return "tallies: participants and buckets above"
    if "engagement_scores" not in lowered:
        return "the member" if "engagement_members" in lowered else flat[:60]
    if "count(case" in lowered:
        return "participants and rows ahead"
    if "distinct" in lowered:
        return "rank: distinct scores above"
    if "coalesce(sum(" in lowered:
        return "rank: distinct scores and rows above"
    if "group by" in lowered:
        return "counts per score, neighbours' range"
    if "count(*)" in lowered:
        if "points <" in lowered or "variety <" in lowered:
            return "rows ahead inside the member's bucket"
        return "participants"
    if "limit" in lowered:
        if ".points asc" in lowered or ".variety asc" in lowered:
            return "the k above"
        if ".member_pk desc" in lowered:
            return "ties above"
        if ".points <" in lowered or ".variety <" in lowered:
            return "the k below"
        if ".member_pk >" in lowered:
            return "ties below"
        return "the top rows"
    if ".member_pk =" in lowered:
        return "the member's score row"
    return flat[:60]


@contextmanager
def captured(database: sa.Engine) -> Iterator[list[Statement]]:
    """The statements (with parameters) sent on ``database`` inside the block."""
    sent: list[Statement] = []

    def before(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT"):
            sent.append(Statement(statement, parameters))

    sa.event.listen(database, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        sa.event.remove(database, "before_cursor_execute", before)


def explain(database: sa.Engine, statements: Sequence[Statement], repeat: int = 5) -> None:
    """Time each statement alone (median of ``repeat``, rows fetched) and get its plan:
    ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL."""
    postgres = database.dialect.name == "postgresql"
    with database.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement in statements:
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                cursor.execute(statement.sql, statement.parameters)
                statement.rows = len(cursor.fetchall())
                times.append(time.perf_counter() - began)
            statement.ms = statistics.median(times) * 1000
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            cursor.execute(prefix + statement.sql, statement.parameters)
            found = cursor.fetchall()
            statement.plan = (
                [row[0] for row in found] if postgres else [_sqlite_plan_line(r) for r in found]
            )
        cursor.close()
        connection.rollback()


def _sqlite_plan_line(row: Sequence[Any]) -> str:
    return str(row[3])
