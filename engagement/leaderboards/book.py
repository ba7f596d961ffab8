"""Keeping score rows in step with the ledger, inside the ledger's own transaction.

Every writer of the ledger (recording, imports, revocations, replays) holds the row
lock of each member it writes for, so reading a member's score rows and writing them
back cannot lose a concurrent update: nobody else can change them meanwhile.  The
rows are derived data; :mod:`engagement.leaderboards.rebuild` recomputes them from
the ledger and must find the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, exists, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

from engagement.core.facts import Fact
from engagement.core.periods import from_timestamp
from engagement.leaderboards.tables import scores
from engagement.leaderboards.tallies import pending
from engagement.storage.prepared import PreparedCache
from engagement.storage.tables import MANUAL_ENTRY, actions, ledger, members, revocations

if TYPE_CHECKING:
    from engagement.rules.board_clock import BoardClock

SEPARATOR = "\n"


def marks_of(verb: str, channel: str | None, topics: Sequence[str]) -> set[str]:
    """What an action adds to its member's variety: its verb, channel and topics."""
    marks = {f"v:{verb}"}
    if channel:
        marks.add(f"c:{channel}")
    marks.update(f"t:{topic}" for topic in topics)
    return marks


@dataclass(slots=True)
class Change:
    """What happened to one score row in this transaction."""

    points: int = 0
    actions: int = 0
    marks: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Owner:
    """The member fields copied onto their score rows."""

    team: str | None
    visible: bool


class ScoreChanges:
    """Changes to score rows, gathered per (member, period), then written at once."""

    def __init__(self, clock: BoardClock) -> None:
        self.clock = clock
        self.rows: defaultdict[tuple[int, str], Change] = defaultdict(Change)

    def logged(
        self,
        member_pk: int,
        ts: float,
        points: int,
        verb: str,
        channel: str | None,
        topics: Sequence[str],
    ) -> None:
        """A new action at ``ts`` that earned ``points``."""
        marks = marks_of(verb, channel, topics)
        for period in self.clock.periods(ts):
            change = self.rows[member_pk, period]
            change.points += points
            change.actions += 1
            change.marks |= marks

    def adjusted(self, member_pk: int, ts: float, points: int) -> None:
        """An entry at ``ts`` that changes points, not variety: a replay's for an action
        at ``ts``, or an administrator's manual entry written at ``ts``."""
        for period in self.clock.periods(ts):
            self.rows[member_pk, period].points += points

    def __bool__(self) -> bool:
        return bool(self.rows)


Kept = tuple[frozenset[str], int]
"""What a process keeps of one of a member's score rows: its marks and points (no
marks: no row).  A stored row without marks (only manual points) is never kept:
:func:`log_one` hands it to :func:`write`, and after the action it has marks."""

_PREPARED = PreparedCache()
_KEPT_OF_ROW = select(scores.c.marks, scores.c.points).where(
    scores.c.member_pk == bindparam("member_pk"), scores.c.period == bindparam("period")
)
_ADD_POINTS = (
    update(scores)
    .where(scores.c.member_pk == bindparam("member_pk"), scores.c.period == bindparam("period"))
    .values(points=scores.c.points + bindparam("points"), actions=scores.c.actions + 1)
)


def log_one(
    connection: Connection,
    clock: BoardClock,
    member_pk: int,
    owner: Owner,
    fact: Fact,
    known: dict[str, Kept],
) -> None:
    """:meth:`ScoreChanges.logged` and :func:`write` for one new action, the hot path
    of ``record()``.

    ``known`` holds the marks and points of the member's rows as of the member's last
    write (kept with the member's cached history, so it is as current as the lock
    that guards it); it is updated here.  Most actions add no new verb, channel or
    topic to a period already started, and then each row only needs its points
    bumped; the tallies only move when the points cross into another bucket.
    """
    prepared = _PREPARED.get
    periods = clock.periods(fact.ts)
    marks = marks_of(fact.verb, fact.channel, fact.topics)
    unmarked = ScoreChanges(clock)
    for period in periods:
        if period not in known:
            row = prepared("kept", connection, lambda: _KEPT_OF_ROW).first(
                connection, {"member_pk": member_pk, "period": period}
            )
            if row is not None and not row[0]:
                # A row of manual points only, which "no marks: no row" cannot keep.
                unmarked.rows[member_pk, period] = Change(fact.points, 1, set(marks))
                known[period] = (frozenset(marks), int(row[1]) + fact.points)
                continue
            known[period] = (
                (frozenset(row[0].split(SEPARATOR)), int(row[1])) if row else (frozenset(), 0)
            )
    if unmarked:
        write(connection, unmarked, {member_pk: owner})
    bumps, upserts = [], []
    moves = pending(connection)
    for period in periods:
        if (member_pk, period) in unmarked.rows:
            continue
        stored, points = known[period]
        if stored and marks <= stored:
            known[period] = (stored, points + fact.points)
            bumps.append({"member_pk": member_pk, "period": period, "points": fact.points})
            if owner.visible:
                moves.moved(period, "points", points, points + fact.points)
            continue
        merged = stored | marks
        known[period] = (merged, points + fact.points)
        if owner.visible:
            old = (points, len(stored)) if stored else None
            moves.row(period, old, (points + fact.points, len(merged)))
        upserts.append(
            {
                "member_pk": member_pk,
                "period": period,
                "points": fact.points,
                "actions": 1,
                "variety": len(merged),
                "marks": SEPARATOR.join(sorted(merged)),
                "team": owner.team,
                "visible": owner.visible,
            }
        )
    if bumps:
        prepared("bump", connection, lambda: _ADD_POINTS).many(connection, bumps)
    if upserts:
        dialect = connection.dialect.name
        prepared("upsert", connection, lambda: _upsert(dialect), list(upserts[0])).many(
            connection, upserts
        )


def owners(connection: Connection, pks: Iterable[int]) -> dict[int, Owner]:
    """The :class:`Owner` of each member in ``pks``, as :func:`write` needs them."""
    rows = connection.execute(
        select(members.c.id, members.c.team, members.c.opted_in).where(
            members.c.id.in_(sorted(set(pks)))
        )
    )
    return {pk: Owner(team, bool(opted_in)) for pk, team, opted_in in rows}


def write(connection: Connection, changes: ScoreChanges, owners: Mapping[int, Owner]) -> None:
    """Add ``changes`` to the stored rows; ``owners`` gives team and visibility of the
    members whose rows may be new.  The caller holds those members' row locks."""
    if not changes:
        return
    by_member: defaultdict[int, list[str]] = defaultdict(list)
    for member_pk, period in changes.rows:
        by_member[member_pk].append(period)
    stored = dict(_stored(connection, by_member))
    values = []
    moves = pending(connection)
    for (member_pk, period), change in changes.rows.items():
        before = stored.get((member_pk, period))
        marks = (before.marks if before else frozenset()) | change.marks
        owner = owners[member_pk]
        points = (before.points if before else 0) + change.points
        if before is not None and before.visible:
            moves.row(period, (before.points, len(before.marks)), (points, len(marks)))
        elif before is None and owner.visible:
            moves.row(period, None, (points, len(marks)))
        values.append(
            {
                "member_pk": member_pk,
                "period": period,
                "points": change.points,
                "actions": change.actions,
                "variety": len(marks),
                "marks": SEPARATOR.join(sorted(marks)),
                "team": owner.team,
                "visible": owner.visible,
            }
        )
    connection.execute(_upsert(connection.dialect.name), values)


@dataclass(frozen=True, slots=True)
class _Stored:
    marks: frozenset[str]
    points: int
    visible: bool


def _stored(
    connection: Connection, periods_by_member: Mapping[int, list[str]]
) -> Iterator[tuple[tuple[int, str], _Stored]]:
    rows: Iterable[Any]
    if len(periods_by_member) == 1:
        [(member_pk, periods)] = periods_by_member.items()
        rows = connection.execute(_STORED_OF_ONE, {"pk": member_pk, "periods": periods})
    else:
        rows = _stored_of_many(connection, periods_by_member)
    for member_pk, period, marks, points, visible in rows:
        found = frozenset(marks.split(SEPARATOR)) if marks else frozenset()
        yield (member_pk, period), _Stored(found, int(points), bool(visible))


_STORED_COLUMNS = (
    scores.c.member_pk,
    scores.c.period,
    scores.c.marks,
    scores.c.points,
    scores.c.visible,
)
_STORED_OF_ONE = select(*_STORED_COLUMNS).where(
    scores.c.member_pk == bindparam("pk"),
    scores.c.period.in_(bindparam("periods", expanding=True)),
)


def _stored_of_many(
    connection: Connection, periods_by_member: Mapping[int, list[str]]
) -> Iterator[Any]:
    pks = sorted(periods_by_member)
    periods = sorted({p for ps in periods_by_member.values() for p in ps})
    for start in range(0, len(pks), 500):
        yield from connection.execute(
            select(*_STORED_COLUMNS).where(
                scores.c.member_pk.in_(pks[start : start + 500]),
                scores.c.period.in_(periods) if len(periods) <= 500 else true(),
            )
        )


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(scores)
    return statement.on_conflict_do_update(
        index_elements=["member_pk", "period"],
        set_={
            "points": scores.c.points + statement.excluded.points,
            "actions": scores.c.actions + statement.excluded.actions,
            "variety": statement.excluded.variety,
            "marks": statement.excluded.marks,
        },
    )


_NOT_REVOKED = ~exists().where(revocations.c.action_id == actions.c.id)


def revoked(
    connection: Connection, clock: BoardClock, member_pk: int, ts: float, points: int
) -> None:
    """Take a revoked action at ``ts`` (which earned ``points`` net) off the boards.

    The revocation must already be written: the member's variety in each period is
    recomputed from the actions still standing, since one revoked share may or may not
    have been the only one on its channel.  Rows left without actions are deleted.
    """
    periods = clock.periods(ts)
    remaining = {period: set[str]() for period in periods}
    start = min(clock.bounds(period)[0] for period in periods)
    query = select(actions.c.at, actions.c.verb, actions.c.channel, actions.c.topics).where(
        actions.c.member_pk == member_pk, _NOT_REVOKED
    )
    if start > float("-inf"):
        query = query.where(actions.c.at >= from_timestamp(start))
    wanted = set(periods)
    for at, verb, channel, topics in connection.execute(query):
        for period in clock.periods(at.timestamp()):
            if period in wanted:
                remaining[period] |= marks_of(verb, channel, topics or ())
    stored = _rows(connection, member_pk, periods)
    kept = manual_periods(connection, clock, member_pk, wanted, start)
    connection.execute(
        update(scores)
        .where(scores.c.member_pk == member_pk, scores.c.period == bindparam("p"))
        .values(
            points=scores.c.points - points,
            actions=scores.c.actions - 1,
            variety=bindparam("variety"),
            marks=bindparam("marks"),
        ),
        [
            {"p": period, "variety": len(marks), "marks": SEPARATOR.join(sorted(marks))}
            for period, marks in remaining.items()
        ],
    )
    connection.execute(
        delete(scores).where(
            scores.c.member_pk == member_pk,
            scores.c.period.in_(sorted(wanted - kept)),
            scores.c.actions <= 0,
        )
    )
    moves = pending(connection)
    for period, row in sorted(stored.items()):
        if row.visible:
            emptied = row.actions <= 1 and period not in kept  # the row is deleted
            moves.row(
                period,
                row.scores,
                None if emptied else (row.points - points, len(remaining[period])),
            )


def manual_periods(
    connection: Connection, clock: BoardClock, member_pk: int, wanted: set[str], start: float
) -> set[str]:
    """Those of ``wanted`` (starting at ``start`` or later) in which the member has
    manual entries: their rows stay when the last action in them is revoked."""
    query = select(ledger.c.created_at).where(
        ledger.c.member_pk == member_pk, ledger.c.entry_kind == MANUAL_ENTRY
    )
    if start > float("-inf"):
        query = query.where(ledger.c.created_at >= from_timestamp(start))
    return {
        period
        for (created_at,) in connection.execute(query)
        for period in clock.periods(created_at.timestamp())
        if period in wanted
    }


def member_changed(connection: Connection, member_pk: int, owner: Owner) -> None:
    """Copy a member's new team or consent onto every row: opting out leaves every
    public board at once, in the transaction that records the choice."""
    stored = _rows(connection, member_pk)
    connection.execute(
        update(scores)
        .where(scores.c.member_pk == member_pk)
        .values(team=owner.team, visible=owner.visible)
    )
    moves = pending(connection)
    for period, row in sorted(stored.items()):
        if row.visible != owner.visible:  # a team change moves no everyone tally
            before, after = (None, row.scores) if owner.visible else (row.scores, None)
            moves.row(period, before, after)


class _Row(NamedTuple):
    points: int
    variety: int
    actions: int
    visible: bool

    @property
    def scores(self) -> tuple[int, int]:
        return self.points, self.variety


def _rows(
    connection: Connection, member_pk: int, periods: Sequence[str] | None = None
) -> dict[str, _Row]:
    """The member's score rows by period (all periods if ``periods`` is ``None``), as
    their tallies count them before a change."""
    query = select(
        scores.c.period, scores.c.points, scores.c.variety, scores.c.actions, scores.c.visible
    ).where(scores.c.member_pk == member_pk)
    if periods is not None:
        query = query.where(scores.c.period.in_(list(periods)))
    return {
        period: _Row(int(points), int(variety), int(count), bool(visible))
        for period, points, variety, count, visible in connection.execute(query)
    }
