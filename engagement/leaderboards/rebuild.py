"""Recomputing every score row from the ledger and the action log.

Score rows are derived data, maintained by every writer of the ledger.  This is how
they are proven right (``check``: compare without writing) and how they heal: after
a restore, an upgrade from a version without leaderboards, or a rule file whose
boards' clock (time zone, week start, seasons) changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, exists, func, insert, select, text, update

from engagement.leaderboards import tallies
from engagement.leaderboards.book import SEPARATOR, marks_of
from engagement.leaderboards.tables import scores
from engagement.storage.tables import MANUAL_ENTRY, actions, ledger, members, revocations

if TYPE_CHECKING:
    from engagement.rules.board_clock import BoardClock

Row = tuple[int, int, int, str]
"""(points, actions, variety, marks) of one (member, period)."""


@dataclass(slots=True)
class RebuildReport:
    """What a rebuild found: rows expected and stored, and those that differed;
    tallies (per-bucket counts of each period's public rows) that disagreed with the
    stored rows."""

    rows: int = 0
    stored: int = 0
    differences: int = 0
    tally_differences: int = 0
    applied: bool = False
    examples: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return self.differences == 0 and self.tally_differences == 0


def rebuild(connection: Connection, clock: BoardClock, *, check: bool = False) -> RebuildReport:
    """Recompute the score rows; unless ``check``, replace the stored ones with them.

    On PostgreSQL the score table is locked against writers first, so an action
    committing meanwhile either is read here or waits and adds itself afterwards.
    """
    if connection.dialect.name == "postgresql" and not check:
        connection.execute(
            text(
                "LOCK TABLE engagement_scores, engagement_score_tallies IN SHARE ROW EXCLUSIVE MODE"
            )
        )
    expected = dict(_expected(connection, clock))
    report = RebuildReport(rows=len(expected), applied=not check)
    stored = {
        (pk, period): (points, count, variety, marks)
        for pk, period, points, count, variety, marks in connection.execute(
            select(
                scores.c.member_pk,
                scores.c.period,
                scores.c.points,
                scores.c.actions,
                scores.c.variety,
                scores.c.marks,
            )
        )
    }
    report.stored = len(stored)
    for key in sorted(expected.keys() | stored.keys()):
        if expected.get(key) != stored.get(key):
            report.differences += 1
            if len(report.examples) < 20:
                report.examples.append(
                    f"member #{key[0]} {key[1]}: stored {_brief(stored.get(key))}, "
                    f"ledger says {_brief(expected.get(key))}"
                )
    # The tallies derive from the stored rows, so they are checked against those.
    for problem in tallies.differences(connection):
        report.tally_differences += 1
        if len(report.examples) < 20:
            report.examples.append(problem)
    if check:
        return report
    owners = {
        pk: (team, bool(opted_in))
        for pk, team, opted_in in connection.execute(
            select(members.c.id, members.c.team, members.c.opted_in)
        )
    }
    connection.execute(delete(scores))
    # Processes keep members' score marks with their cached histories: a new
    # event_seq tells them to read the rebuilt rows.
    connection.execute(update(members).values(event_seq=members.c.event_seq + 1))
    batch: list[dict[str, Any]] = []
    for (pk, period), (points, count, variety, marks) in expected.items():
        team, visible = owners[pk]
        batch.append(
            {
                "member_pk": pk,
                "period": period,
                "points": points,
                "actions": count,
                "variety": variety,
                "marks": marks,
                "team": team,
                "visible": visible,
            }
        )
        if len(batch) >= 5000:
            connection.execute(insert(scores), batch)
            batch.clear()
    if batch:
        connection.execute(insert(scores), batch)
    tallies.recount(connection)
    return report


def _expected(connection: Connection, clock: BoardClock) -> Iterator[tuple[tuple[int, str], Row]]:
    """Every (member, period) row the log implies, member by member: the actions'
    net points in the periods of their ``at``, and manual entries' points in the
    periods of their ``created_at``."""
    manual: defaultdict[int, list[tuple[float, int]]] = defaultdict(list)
    for member_pk, created_at, points in connection.execute(
        select(ledger.c.member_pk, ledger.c.created_at, ledger.c.points).where(
            ledger.c.entry_kind == MANUAL_ENTRY
        )
    ):
        manual[member_pk].append((created_at.timestamp(), int(points)))
    net = (
        select(ledger.c.action_id, func.sum(ledger.c.points).label("points"))
        .where(ledger.c.action_id.is_not(None))
        .group_by(ledger.c.action_id)
        .subquery()
    )
    revoked = exists().where(revocations.c.action_id == actions.c.id)
    rows = connection.execute(
        select(
            actions.c.member_pk,
            actions.c.at,
            actions.c.verb,
            actions.c.channel,
            actions.c.topics,
            func.coalesce(net.c.points, 0),
            revoked,
        )
        .outerjoin(net, net.c.action_id == actions.c.id)
        .order_by(actions.c.member_pk)
        .execution_options(yield_per=10_000)
    )
    current: int | None = None
    totals: defaultdict[str, list[Any]] = _totals()
    for member_pk, at, verb, channel, topics, points, is_revoked in rows:
        if member_pk != current:
            yield from _flush(current, totals, clock, manual.pop(current or 0, []))
            current, totals = member_pk, _totals()
        marks = None if is_revoked else marks_of(verb, channel, topics or ())
        for period in clock.periods(at.timestamp()):
            total = totals[period]
            total[0] += int(points)
            if marks is not None:
                total[1] += 1
                total[2] |= marks
    yield from _flush(current, totals, clock, manual.pop(current or 0, []))
    for member_pk, entries in manual.items():  # members with manual points only
        yield from _flush(member_pk, _totals(), clock, entries)


def _totals() -> defaultdict[str, list[Any]]:
    """Per period: points, actions not revoked, marks, and whether manual entries fall in it."""
    return defaultdict(lambda: [0, 0, set(), False])


def _flush(
    member_pk: int | None,
    totals: dict[str, list[Any]],
    clock: BoardClock,
    manual: list[tuple[float, int]],
) -> Iterator[tuple[tuple[int, str], Row]]:
    if member_pk is None:
        return
    for ts, points in manual:
        for period in clock.periods(ts):
            total = totals[period]
            total[0] += points
            total[3] = True
    for period, (points, count, marks, adjusted) in totals.items():
        # A period whose only actions were revoked has no row, unless manual
        # entries fall in it.
        if count > 0 or adjusted:
            yield (member_pk, period), (points, count, len(marks), SEPARATOR.join(sorted(marks)))


def _brief(row: Row | None) -> str:
    if row is None:
        return "no row"
    return f"{row[0]} points, {row[1]} actions, variety {row[2]}"
