"""Recording many actions at once: imports and backfills, in as few statements as possible.

The pipeline of :func:`engagement.pipeline.recording.record_one` for a whole batch:
its own lock and read stages (every member locked once, in one order, every key
probed in one query, every member's state read at once), then the same scoring
(:mod:`engagement.pipeline.scorer`) and write (:mod:`engagement.pipeline.persist`)
stages, which insert the rows many at a time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import (
    Connection,
    bindparam,
    or_,
    select,
    update,
)

from engagement.core.actions import Action
from engagement.core.facts import Fact
from engagement.core.history import MemberHistory
from engagement.core.periods import from_timestamp, zone
from engagement.core.scoring import Award
from engagement.exceptions import UnknownMemberError
from engagement.leaderboards.book import SEPARATOR, Owner
from engagement.leaderboards.tables import scores
from engagement.pipeline import arrival, persist, rescoring, snapshots
from engagement.pipeline.kudos import check_targets, colleagues, reciprocal
from engagement.pipeline.persist import Scored
from engagement.pipeline.recording import (
    existing_awards,
    history_fact,
    same_member,
)
from engagement.pipeline.scorer import ReadOnce, Scorer
from engagement.pipeline.snapshots import Restored
from engagement.rules.checks import check_action
from engagement.rules.ruleset import Ruleset
from engagement.storage.database import insert_if_absent
from engagement.storage.history_cache import CachedHistory
from engagement.storage.members import lock_order
from engagement.storage.rows import (
    HISTORY_COLUMNS,
    NOT_REVOKED,
)
from engagement.storage.tables import actions, members


@dataclass(slots=True)
class _Member:
    pk: int
    member_id: str
    tz_name: str
    next_seq: int


def record_batch(
    connection: Connection,
    batch: Sequence[Action],
    ruleset: Ruleset,
    *,
    create_members: bool,
    record_late: Callable[[Action], Award],
    written: list[tuple[Fact, int, str]] | None = None,
    kept: Kept | None = None,
) -> list[Award]:
    """Log ``batch`` in order with as few statements as possible; awards in input order.

    Actions already logged, and repeats of a key within the batch, return the first
    award with ``duplicate=True``.  All checks run before the first write.  Each new
    action's scored fact, row id and key are appended to ``written``, in logging order.
    Members' histories start from their snapshots where they have usable ones; with
    ``kept``, what was restored and each member's history afterwards are kept there
    (for badge evaluation and the members' next snapshots).

    A batch is logged in canonical order (see :mod:`engagement.pipeline.rescoring`),
    whatever its own order.  The actions of a member who already has later actions
    logged (within the settle window) go one by one through ``record_late`` (the
    single-action path, which re-scores the member's later actions) before the rest
    of the batch is written.
    """
    for action in batch:
        check_action(action, ruleset)
    keys = list(dict.fromkeys(action.key for action in batch))
    if not keys:
        return []
    names = {action.member for action in batch}
    if create_members:
        names |= colleagues(batch, ruleset)  # the colleagues an import thanks are created too
    else:
        check_targets(connection, batch, ruleset)
        # Thanks scored on the thanks given back lock both colleagues, as record() does.
        names |= colleagues((a for a in batch if reciprocal(a, ruleset)), ruleset)
    locked = _lock_members(connection, sorted(names), create_members=create_members)
    # Read only now: whoever logs a key for one of these members holds that member's
    # lock while doing so, so every such action has committed and is visible here.
    known = existing_awards(connection, keys)
    owners = {key: award.member for key, award in known.items()}
    for action in batch:
        owner = owners.setdefault(action.key, action.member)
        if owner != action.member:
            same_member(Award(action.key, owner, action.verb, 0), action)
    fresh: list[Action] = []
    seen: set[str] = set(known)
    for action in batch:
        if action.key not in seen:
            seen.add(action.key)
            fresh.append(action)
    arrivals = arrival.arrivals(
        connection, ruleset, fresh, {name: member.pk for name, member in locked.items()}
    )
    late = [action for action in fresh if arrivals[action.key].rescores]
    if late:
        slow = {action.member for action in late}
        late = sorted((a for a in fresh if a.member in slow), key=lambda a: (a.at, a.key))
        fresh = [action for action in fresh if action.member not in slow]
    awards: dict[str, Award] = {}
    for action in late:
        # First: the snapshots of the batch's other members are read below, and must
        # already count what these actions aim at them (kudos).
        awards[action.key] = record_late(action)
    fresh = arrival.canonical(fresh, arrivals)
    counts: dict[str, int] = defaultdict(int)
    for action in fresh:
        counts[action.member] += 1
    people = _reserve_seqs(connection, locked, counts, ruleset)
    kept = kept if kept is not None else Kept()
    histories = _histories(connection, fresh, people, ruleset, kept)
    scorer = Scorer(ruleset, ReadOnce(connection, ruleset, fresh))
    scored: list[Scored] = []
    for action in fresh:
        person = people[action.member]
        row, fact = scorer.logged(
            action, member_pk=person.pk, seq=person.next_seq, tz_name=person.tz_name
        )
        person.next_seq += 1
        award = scorer.score(
            action, row, fact, histories[action.member], arrivals[action.key].scored_as_of
        )
        awards[action.key] = award
        scored.append(Scored(row, fact, award))
    if scored:
        teams = {m.pk: Owner(m.team, m.opted_in) for m in locked.values()}
        ids = persist.write(connection, ruleset, scored, teams)
        kept.latest.update((s.row["member_pk"], s.fact) for s in scored if s.row["key"] in ids)
        if written is not None:
            written.extend(
                (s.fact, ids[s.row["key"]], s.row["key"]) for s in scored if s.row["key"] in ids
            )
        lost = [s.row["key"] for s in scored if s.row["key"] not in ids]
        if lost:  # only a key already logged for a member outside this batch
            kept.entries.clear()  # their histories hold facts that were not logged
            for key, award in existing_awards(connection, lost).items():
                same_member(award, next(a for a in fresh if a.key == key))
                known[key] = award
    result: list[Award] = []
    answered: set[str] = set()
    for action in batch:
        award = known.get(action.key) or awards[action.key]
        if action.key in answered and not award.duplicate:
            award = replace(award, duplicate=True)
        answered.add(action.key)
        result.append(award)
    return result


@dataclass(slots=True)
class _Locked:
    pk: int
    member_id: str
    tz_name: str | None
    seq: int
    team: str | None
    opted_in: bool


def _lock_members(
    connection: Connection, names: list[str], *, create_members: bool
) -> dict[str, _Locked]:
    """Lock the members named in ``names`` (sorted), in the one order every writer
    uses (:func:`~engagement.storage.members.lock_order`) so that nobody deadlocks, creating
    them first if asked; the ones that exist."""
    if create_members:
        now = datetime.now(UTC)
        connection.execute(
            insert_if_absent(connection, members, "member_id"),
            [{"member_id": n, "created_at": now, "event_seq": 0, "opted_in": False} for n in names],
        )
    found: dict[str, _Locked] = {}
    for start in range(0, len(names), 500):
        query = (
            select(
                members.c.id,
                members.c.member_id,
                members.c.timezone,
                members.c.event_seq,
                members.c.team,
                members.c.opted_in,
            )
            .where(members.c.member_id.in_(names[start : start + 500]))
            .order_by(lock_order(connection.dialect.name))
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        for pk, member_id, tz_name, seq, team, opted_in in connection.execute(query):
            found[member_id] = _Locked(pk, member_id, tz_name, seq, team, bool(opted_in))
    return found


def _reserve_seqs(
    connection: Connection, locked: dict[str, _Locked], counts: dict[str, int], ruleset: Ruleset
) -> dict[str, _Member]:
    """Reserve a run of ``event_seq`` numbers for each member with actions to log."""
    names = sorted(counts)
    missing = [n for n in names if n not in locked]
    if missing:
        raise UnknownMemberError(
            f"member: unknown member{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing[:10]))}; add them with upsert_member() "
            "or pass create_members=True"
        )
    if not names:
        return {}
    connection.execute(
        update(members)
        .where(members.c.id == bindparam("pk"))
        .values(event_seq=members.c.event_seq + bindparam("n")),
        [{"pk": locked[n].pk, "n": counts[n]} for n in names],
    )
    return {
        n: _Member(locked[n].pk, n, locked[n].tz_name or ruleset.file.timezone, locked[n].seq + 1)
        for n in names
    }


@dataclass(slots=True)
class Kept:
    """What a batch learnt about its members' states, for what follows it."""

    restored: dict[str, Restored] = field(default_factory=dict)
    """Members' states read from their snapshots, by member id."""
    entries: dict[int, CachedHistory] = field(default_factory=dict)
    """Each member's history after the batch, by member primary key."""
    latest: dict[int, Fact] = field(default_factory=dict)
    """Each member's last action the batch logged, by member primary key."""


def keep_boards(connection: Connection, ruleset: Ruleset, kept: Kept) -> None:
    """Give each member's history after the batch the marks and points of their score
    rows for the periods of their last action, read in one query.

    The batch moves score rows in SQL without keeping what they hold, and a history
    (and the snapshot written from it) without them makes each of the member's next
    actions read its rows one by one, in every process that restores it.
    """
    wanted: dict[int, tuple[str, ...]] = {
        pk: tuple(ruleset.boards.periods(fact.ts)) for pk, fact in kept.latest.items()
    }
    if not wanted:
        return
    periods = sorted({period for found in wanted.values() for period in found})
    pks = sorted(wanted)
    for start in range(0, len(pks), 500):
        rows = connection.execute(
            select(scores.c.member_pk, scores.c.period, scores.c.marks, scores.c.points).where(
                scores.c.member_pk.in_(pks[start : start + 500]),
                scores.c.period.in_(periods),
                scores.c.marks != "",
            )
        )
        for pk, period, marks, points in rows:
            entry = kept.entries.get(pk)
            if entry is not None and period in wanted[pk]:
                entry.boards[period] = (frozenset(marks.split(SEPARATOR)), int(points))


def _histories(
    connection: Connection,
    batch: Sequence[Action],
    people: dict[str, _Member],
    ruleset: Ruleset,
    kept: Kept,
) -> dict[str, MemberHistory]:
    """Each member's history as far back as any of their actions in the batch needs:
    from their snapshot when it reaches back far enough, else from the log."""
    since: dict[str, float] = {}
    contents: dict[str, set[str]] = defaultdict(set)
    for action in batch:
        person = people[action.member]
        ts = action.at.timestamp()
        probe = Fact(seq=0, member=action.member, verb=action.verb, ts=ts, tz=zone(person.tz_name))
        start = ruleset.lookback(probe)
        if start is not None:
            since[action.member] = min(since.get(action.member, ts), start)
        if action.content is not None:
            contents[action.member].add(action.content.id)
    histories: dict[str, MemberHistory] = {}
    for name, person in people.items():
        restored = snapshots.restore(connection, person.pk, name, person.next_seq, ruleset)
        if restored is None:
            continue
        kept.restored[name] = restored
        entry = restored.history
        if since.get(name, math.inf) < entry.since:
            continue  # the batch reaches further back than the snapshot
        rescoring.complete_contents(connection, entry, person.pk, name, contents[name])
        entry.boards.clear()  # the batch moves score rows without keeping their marks
        entry.contents |= contents[name]
        histories[name] = entry.history
        kept.entries[person.pk] = entry
    rest = {name: person for name, person in people.items() if name not in histories}
    loaded = _load_histories(connection, since, contents, rest, ruleset)
    earliest = min((since[name] for name in rest if name in since), default=math.inf)
    all_contents = set().union(*(contents[name] for name in rest)) if rest else set()
    for name, history in loaded.items():
        person = rest[name]
        kept.entries[person.pk] = CachedHistory(
            history, ruleset.version, person.next_seq - 1, earliest, set(all_contents)
        )
    histories.update(loaded)
    return histories


def _load_histories(
    connection: Connection,
    since: dict[str, float],
    contents: dict[str, set[str]],
    people: dict[str, _Member],
    ruleset: Ruleset,
) -> dict[str, MemberHistory]:
    """Histories of ``people`` from the log, as far back as the batch needs."""
    histories = {name: MemberHistory(ruleset) for name in people}
    by_pk = {person.pk: person for person in people.values()}
    earliest = min((since[name] for name in people if name in since), default=None)
    content_ids = set().union(*(contents[name] for name in people)) if people else set()
    pks = sorted(by_pk)
    for start in range(0, len(pks), 500):
        clause = actions.c.at >= from_timestamp(earliest) if earliest is not None else None
        if content_ids:
            by_content = actions.c.content_id.in_(sorted(content_ids))
            clause = by_content if clause is None else or_(clause, by_content)
        if clause is None:
            continue
        query = (
            select(*HISTORY_COLUMNS)
            .where(actions.c.member_pk.in_(pks[start : start + 500]), clause, NOT_REVOKED)
            .order_by(actions.c.member_pk, actions.c.member_seq)
        )
        for row in connection.execute(query):
            person = by_pk[row.member_pk]
            histories[person.member_id].add(
                history_fact(row._mapping, person.member_id, zone(person.tz_name))
            )
    return histories
