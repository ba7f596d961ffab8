"""Member snapshots: what scoring and badges know of a member, stored beside the log.

Rebuilding a member's state from the log costs tens of milliseconds for a year of
activity (every badge indexes every action), which is why each process keeps the
states it has built (:mod:`engagement.storage.history_cache`).  With several
workers, a member's next action usually lands on another process, whose copy is
missing or stale.  So every few actions the state is also written to
``engagement_member_snapshots`` in the action's own transaction, and a process
without a current copy reads the snapshot and the few actions logged since it
(two indexed reads) instead of the member's whole history.

A snapshot is derived data, never a source of truth: it holds the scoring rules'
indexes, the badges' indexes, points and awards, and the score rows' marks, as
they stood at the member's ``event_seq`` under one ruleset version.  Anything that
changes a member's past (a revocation, an erasure, an applied replay, a rebuild of
the boards) deletes the affected snapshots, and a snapshot of another ruleset
version or another format is ignored: the state is then rebuilt from the log, as
it always can be.  ``tests/pipeline/test_snapshots.py`` checks that a restored
state equals the state rebuilt from the log.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from engagement.badges.state import MemberState
from engagement.badges.storage import KnownAwards
from engagement.core.facts import Fact
from engagement.core.history import MemberHistory
from engagement.core.periods import zone
from engagement.core.timeindex import Addition, TimeIndex
from engagement.leaderboards.book import marks_of
from engagement.rules.ruleset import Ruleset
from engagement.storage.history_cache import CachedHistory
from engagement.storage.prepared import PreparedCache
from engagement.storage.rows import HISTORY_COLUMNS, NOT_REVOKED, fact_from_row
from engagement.storage.tables import actions, member_snapshots, members

FORMAT = 4_300 + marshal.version
"""The payload's layout (ours, and marshal's own version): another format is ignored.
4_000: each index packed on its own, held awards kept; 4_100: the personal-words rule
keeps template codes, not fingerprints, in its index; 4_200: badge states keep the
member's comment templates, and kudos received index the thanks given back; 4_300: an
index restored and not read since is stored as read, with the facts added to it."""
EVERY = 16
"""Default number of a member's actions between two snapshots: at most this many
actions are read and re-indexed on top of a snapshot."""
CARRIED = 64
"""At most this many facts added to an unread index are stored beside its packed form
(see :func:`_packed`); past it, the index is unpacked and packed again with them."""
TRIM_STEP = 7 * 86_400.0
"""Seconds: a stored history keeps this much more than the rules' windows read, and
is trimmed again once it holds that much more (so most snapshots write back the
indexes they restored as they read them, without unpacking them)."""


_READ = select(
    member_snapshots.c.ruleset_version,
    member_snapshots.c.seq,
    member_snapshots.c.format,
    member_snapshots.c.state,
).where(member_snapshots.c.member_pk == bindparam("pk"))
_SINCE = (
    select(*HISTORY_COLUMNS, actions.c.tz)
    .where(
        actions.c.member_pk == bindparam("pk"),
        actions.c.member_seq > bindparam("seq"),
        actions.c.member_seq < bindparam("until"),
        NOT_REVOKED,
    )
    .order_by(actions.c.member_seq)
)
_RECEIVED_UPTO = select(func.max(actions.c.id)).where(actions.c.target == bindparam("member"))
_RECEIVED_SINCE = (
    select(*HISTORY_COLUMNS, actions.c.tz, members.c.member_id.label("giver"))
    .join(members, members.c.id == actions.c.member_pk)
    .where(
        actions.c.target == bindparam("member"),
        actions.c.id > bindparam("upto"),
        NOT_REVOKED,
    )
    .order_by(actions.c.id)
)
_PREPARED = PreparedCache()


@dataclass(slots=True)
class Restored:
    """A member's state read from their snapshot and the actions logged since."""

    history: CachedHistory
    badge_points: float | None
    """The badges' running points, ``None`` if the snapshot holds no badge state."""
    badge_indexes: dict[str, TimeIndex]
    awards: KnownAwards | None
    """The awards the snapshot knew (``None`` if it holds no badge state)."""
    since: list[Fact]
    """The member's actions logged after the snapshot, oldest first, with their points."""
    received_since: list[Fact]
    """What colleagues aimed at the member since the snapshot (kudos), oldest first."""


def restore(
    connection: Connection, member_pk: int, member_id: str, seq: int, ruleset: Ruleset
) -> Restored | None:
    """The member's state just before their action ``seq`` (the first being recorded),
    from their snapshot, or ``None`` if there is no usable one.

    What colleagues aimed at the member is read up to now (:attr:`Restored.received_since`).
    """
    prepared = _PREPARED.get
    row = prepared("read", connection, lambda: _READ).first(connection, {"pk": member_pk})
    if row is None or row[0] != ruleset.version or row[2] != FORMAT or row[1] >= seq:
        return None
    try:
        payload = marshal.loads(row[3])
    except (EOFError, ValueError, TypeError):
        return None
    since_start, contents, scoring, boards, badges = payload
    history = MemberHistory(ruleset)
    if set(scoring) != set(history.indexes):
        return None
    for rule_id, packed in scoring.items():
        history.indexes[rule_id] = _index(packed)
    entry = CachedHistory(
        history,
        ruleset.version,
        seq - 1,
        since_start,
        set(contents),
        {period: (frozenset(marks), points) for period, (marks, points) in boards.items()},
        snapshot_seq=row[1],
    )
    later = [
        _fact(r, member_id)
        for r in prepared("since", connection, lambda: _SINCE).mappings(
            connection, {"pk": member_pk, "seq": row[1], "until": seq}
        )
    ]
    clock = ruleset.boards
    for fact in later:
        # Its content does not join ``entry.contents``: the member's earlier actions
        # on that content, from before ``since``, are not in the snapshot.
        history.add(fact)
        marks = marks_of(fact.verb, fact.channel, fact.topics)
        for period in clock.periods(fact.ts):
            known = entry.boards.get(period)
            if known is not None:
                entry.boards[period] = (known[0] | marks, known[1] + fact.points)
    if badges is None:
        return Restored(entry, None, {}, None, later, [])
    badge_points, badge_series, received_upto, awards = badges
    catalogue = ruleset.catalogue
    received = [
        _fact(r, r["giver"])
        for r in prepared("received", connection, lambda: _RECEIVED_SINCE).mappings(
            connection, {"member": member_id, "upto": received_upto}
        )
        if catalogue.received(r["verb"])
    ]
    return Restored(
        entry,
        badge_points,
        {key: _index(packed) for key, packed in badge_series.items()},
        KnownAwards.from_plain(awards),
        later,
        received,
    )


def _fact(row: Mapping[str, Any], member_id: str) -> Fact:
    fact = fact_from_row(row, member_id, zone(row["tz"]))
    fact.points = int(row["points"])
    return fact


def due(entry: CachedHistory, seq: int, every: int) -> bool:
    """Whether the member's snapshot should be written now, at their ``seq``."""
    return every > 0 and (entry.snapshot_seq is None or seq - entry.snapshot_seq >= every)


def write(
    connection: Connection,
    member_pk: int,
    entry: CachedHistory,
    badges: MemberState | None,
    ruleset: Ruleset,
    latest: Fact,
) -> None:
    """Store ``entry`` (and the member's badge state) as the member's snapshot.

    ``entry`` is first trimmed to what the rules can still read for actions from
    ``latest`` (the action just recorded) on (:func:`trim`).

    A state whose indexes hold keys marshal cannot write (a host's own rule kind may
    use any hashable) is simply not snapshotted: the member is then rebuilt from the
    log when a process lacks their state, as before snapshots existed.
    """
    if ruleset.version is None:
        return
    trim(entry, ruleset, latest)
    received_upto = 0
    awards = None
    if badges is not None:
        awards = KnownAwards.of(connection, badges).to_plain()
        # Under the member's lock nothing aimed at them is being logged (the writers
        # of such actions take it first), so every action up to this id is in
        # ``badges`` and every later one will come after the snapshot.
        upto = _PREPARED.get("upto", connection, lambda: _RECEIVED_UPTO).first(
            connection, {"member": badges.member_id}
        )
        received_upto = int(upto[0] or 0)
    try:
        state = marshal.dumps(
            (
                entry.since,
                sorted(entry.contents),
                {rule_id: _packed(index) for rule_id, index in entry.history.indexes.items()},
                {
                    period: (sorted(marks), points)
                    for period, (marks, points) in entry.boards.items()
                },
                None
                if badges is None
                else (
                    badges.points,
                    {key: _packed(index) for key, index in badges.indexes.items()},
                    received_upto,
                    awards,
                ),
            )
        )
    except ValueError:
        return
    row = {
        "member_pk": member_pk,
        "ruleset_version": ruleset.version,
        "seq": entry.seq,
        "format": FORMAT,
        "state": state,
        "written_at": datetime.now(UTC),
    }
    _PREPARED.get("write", connection, lambda: _upsert(connection.dialect.name), list(row)).first(
        connection, row
    )
    entry.snapshot_seq = entry.seq


def trim(entry: CachedHistory, ruleset: Ruleset, latest: Fact) -> None:
    """Forget what no rule reads any more: facts older than the earliest window the
    rules read for ``latest``, less :data:`TRIM_STEP`.

    A member's history otherwise grows for as long as a process keeps it, and so does
    every snapshot, while the rules read a few weeks (a month for variety, 90 days for
    reused words).  An action older than that (a late arrival) finds the history
    incomplete for its windows (``entry.since``) and is scored from the log, as always.
    """
    starts = {
        rule.id: start for rule in ruleset.rules if (start := rule.lookback(latest)) is not None
    }
    if not starts:
        return
    horizon = min(starts.values()) - TRIM_STEP
    if horizon - entry.since < TRIM_STEP:
        return
    entry.history.prune(horizon, starts)
    entry.since = horizon


Stored = bytes | tuple[bytes, list[Addition]]
"""An index in the payload: packed, or packed with the facts added since it was."""


def _packed(index: TimeIndex) -> Stored:
    """An index for the payload, packed on its own so that a restore unpacks only the
    indexes an action uses (:meth:`TimeIndex.deferred`).  marshal writes a repeated
    float (the 1s of counts) as a reference, and reads the lists back with no Python
    loop per key, which matters for indexes with a key per content or colleague.

    An index unchanged since it was last packed is not packed again
    (:meth:`TimeIndex.pack`).  One restored and not read since is written back as it
    was read, with the facts added to it meanwhile (a restore adds the member's
    actions since the snapshot to every index their goals feed, but an action reads
    only a few): so a snapshot written by a process that restored the member unpacks
    only what the action read.  Unpacking the others to merge a few additions was two
    thirds of the cost of writing such a snapshot (docs/performance.md).
    """
    unread = index.unread()
    if unread is None or len(unread[1]) > CARRIED:
        return index.pack(marshal.dumps)
    packed, added = unread
    return (packed, added) if added else packed


def _index(stored: Stored) -> TimeIndex:
    if isinstance(stored, bytes):
        return TimeIndex.deferred(stored, marshal.loads)
    packed, added = stored
    return TimeIndex.deferred(packed, marshal.loads, added)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(member_snapshots)
    return statement.on_conflict_do_update(
        index_elements=["member_pk"],
        set_={
            column: statement.excluded[column]
            for column in ("ruleset_version", "seq", "format", "state", "written_at")
        },
    )


def discard(connection: Connection, member_pks: Iterable[int] | None = None) -> None:
    """Delete the snapshots of ``member_pks`` (all of them with ``None``): their past
    changed, so what was derived from it must be derived again."""
    statement = delete(member_snapshots)
    if member_pks is not None:
        chosen = sorted(set(member_pks))
        if not chosen:
            return
        statement = statement.where(member_snapshots.c.member_pk.in_(chosen))
    connection.execute(statement)
