"""How many public members each period's board holds, per score bucket.

A database index answers "the 20 best" or "the 3 just above me" with a seek, but not
"how many are ahead of me": that is a count of every row in between, and at 60,000
members it cost 6 to 20 ms per call (docs/performance.md).  So each period keeps a
small histogram of its public score rows, in buckets a quarter of an octave wide
(exact below 16): participants are the sum of at most a few dozen rows, and members
ahead are the buckets above plus an index range count inside the member's own
bucket.

The histogram is written by the same writers, in the same transaction as the score
rows.  A member's points move to another bucket only now and then (a quarter-octave
is 19 % of their score), so long periods rarely change a tally.  Unlike score rows,
tallies are shared between members: on PostgreSQL a transaction that has moved one
holds its row lock until it commits.  So moves are gathered on the connection
(:func:`pending`) and written by :func:`flush` just before the commit, after every
member lock the transaction takes, and in key order: a writer holding a tally never
waits for a member, and two writers never wait for each other's tallies crosswise.

Tallies cover the everyone boards; team and group boards count their own, smaller,
ranges.  :func:`recount` rebuilds them from the score rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

from engagement.leaderboards.standings import METRICS, Metric
from engagement.leaderboards.tables import scores, tallies
from engagement.storage.prepared import PreparedCache

EXACT_BELOW = 16
"""Scores under this have a bucket each: boards of a week are mostly small scores."""
_STEPS = (1000, 1189, 1414, 1682)
"""2 ** (k / 4) in thousandths, so every platform computes the same edges."""
_EDGES = tuple((EXACT_BELOW << (k // 4)) * _STEPS[k % 4] // 1000 for k in range(4 * 58))


def bucket_of(score: int) -> int:
    """The bucket that holds ``score``: the score itself below 16, then one per
    quarter octave (16, 19, 22, 26, 32, 38, …)."""
    if score < EXACT_BELOW:
        return score
    return EXACT_BELOW - 1 + bisect_right(_EDGES, score)


def bucket_bounds(bucket: int) -> tuple[int, int]:
    """``(lowest score, first score of the next bucket)`` of ``bucket``."""
    if bucket < EXACT_BELOW:
        return bucket, bucket + 1
    index = bucket - EXACT_BELOW
    return _EDGES[index], _EDGES[index + 1]


Key = tuple[str, Metric, int]


class TallyMoves:
    """Public score rows entering, leaving or changing bucket in one transaction."""

    def __init__(self) -> None:
        self.deltas: Counter[Key] = Counter()

    def moved(self, period: str, metric: Metric, old: int | None, new: int | None) -> None:
        """A public row's ``metric`` went from ``old`` to ``new`` (``None``: no row)."""
        before = None if old is None else bucket_of(old)
        after = None if new is None else bucket_of(new)
        if before == after:
            return
        if before is not None:
            self.deltas[period, metric, before] -= 1
        if after is not None:
            self.deltas[period, metric, after] += 1

    def row(self, period: str, old: tuple[int, int] | None, new: tuple[int, int] | None) -> None:
        """A public row's (points, variety) went from ``old`` to ``new``."""
        self.moved(period, "points", old and old[0], new and new[0])
        self.moved(period, "variety", old and old[1], new and new[1])

    def write(self, connection: Connection) -> None:
        """Add the moves to the tallies, in key order."""
        rows = [
            {"period": period, "metric": metric, "bucket": bucket, "members": delta}
            for (period, metric, bucket), delta in sorted(self.deltas.items())
            if delta
        ]
        if rows:
            dialect = connection.dialect.name
            _PREPARED.get(f"add:{dialect}", connection, lambda: _add(dialect), list(rows[0])).many(
                connection, rows
            )
        self.deltas.clear()


_PENDING = "engagement.tally_moves"


def pending(connection: Connection) -> TallyMoves:
    """The moves gathered in ``connection``'s current transaction, for :func:`flush`."""
    moves = connection.info.get(_PENDING)
    if moves is None:
        moves = connection.info[_PENDING] = TallyMoves()
    return moves


def flush(connection: Connection) -> None:
    """Write the transaction's pending moves: the last thing before its commit."""
    moves = connection.info.get(_PENDING)
    if moves is not None:
        moves.write(connection)


def discard(connection: Connection) -> None:
    """Forget pending moves (the transaction rolled back, or a new one starts: the
    dictionary they live in belongs to the pooled connection, not the transaction)."""
    moves = connection.info.get(_PENDING)
    if moves is not None:
        moves.deltas.clear()


_PREPARED = PreparedCache()


@lru_cache(maxsize=4)
def _add(dialect: str) -> Insert:
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(tallies)
    return statement.on_conflict_do_update(
        index_elements=["period", "metric", "bucket"],
        set_={"members": tallies.c.members + statement.excluded.members},
    )


# -- reading ---------------------------------------------------------------------------

_POSITION = select(
    func.coalesce(func.sum(tallies.c.members), 0),
    func.coalesce(func.sum(tallies.c.members).filter(tallies.c.bucket > bindparam("bucket")), 0),
).where(tallies.c.period == bindparam("period"), tallies.c.metric == bindparam("metric"))


def participants_and_above(
    connection: Connection, period: str, metric: Metric, bucket: int
) -> tuple[int, int]:
    """(public rows of the period, those in buckets above ``bucket``)."""
    total, above = connection.execute(
        _POSITION, {"period": period, "metric": metric, "bucket": bucket}
    ).one()
    return int(total), int(above)


# -- rebuilding and checking -------------------------------------------------------------


def expected(connection: Connection) -> Counter[Key]:
    """The tallies the score rows imply."""
    counts: Counter[Key] = Counter()
    for metric in METRICS:
        column = scores.c.points if metric == "points" else scores.c.variety
        rows = connection.execute(
            select(scores.c.period, column, func.count())
            .where(scores.c.visible.is_(True))
            .group_by(scores.c.period, column)
        )
        for period, score, count in rows:
            counts[period, metric, bucket_of(int(score))] += int(count)
    return counts


def stored(connection: Connection) -> Counter[Key]:
    rows = connection.execute(
        select(tallies.c.period, tallies.c.metric, tallies.c.bucket, tallies.c.members).where(
            tallies.c.members != 0
        )
    )
    return Counter({(period, metric, bucket): count for period, metric, bucket, count in rows})


def differences(connection: Connection) -> list[str]:
    """Tallies that disagree with the score rows, described."""
    want, have = expected(connection), stored(connection)
    return [
        f"tally {period} {metric} bucket {bucket}: stored {have[key]}, score rows say {want[key]}"
        for key in sorted(want.keys() | have.keys())
        if want[key] != have[key]
        for period, metric, bucket in [key]
    ]


def recount(connection: Connection) -> None:
    """Replace every tally with what the score rows imply (moves pending in this
    transaction included: they are already in the rows)."""
    discard(connection)
    connection.execute(delete(tallies))
    rows: list[Mapping[str, Any]] = [
        {"period": period, "metric": metric, "bucket": bucket, "members": count}
        for (period, metric, bucket), count in sorted(expected(connection).items())
    ]
    for start in range(0, len(rows), 5000):
        connection.execute(insert(tallies), rows[start : start + 5000])
