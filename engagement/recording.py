"""Writing actions and their awards: one at a time, or in bulk for imports.

Everything here runs inside a transaction the caller owns and never commits.
Idempotency and exactly-once come from the database: the action key is unique and
inserted with ``ON CONFLICT DO NOTHING``.  A member's actions are scored one after
another under a lock on the member's row (its ``event_seq`` counter), so two
processes recording for the same member cannot both miss each other's action.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from .actions import Action, action_row, check_action, fact_from_row
from .database import _insert_if_absent, insert_if_absent
from .exceptions import InvalidActionError, UnknownMemberError
from .facts import Fact, Step
from .history import MemberHistory
from .history_cache import CachedHistory, HistoryCache
from .leaderboards import book as scorebook
from .leaderboards.book import Owner, ScoreChanges
from .members import Person, lock_for_badges, lock_order
from .periods import from_timestamp, zone
from .prepared import PreparedCache
from .rules.ruleset import Ruleset
from .rules.store import ACTIVE_VERSION, RulesetCache
from .scoring import Award, score_and_remember
from .tables import actions, ledger, members, revocations

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)

_PROBE = select(
    ACTIVE_VERSION.label("version"),
    select(actions.c.id).where(actions.c.key == bindparam("key")).scalar_subquery(),
)
_LOCK_MEMBER = (
    update(members)
    .where(members.c.member_id == bindparam("member"))
    .values(event_seq=members.c.event_seq + 1)
    .returning(
        members.c.id,
        members.c.event_seq,
        members.c.timezone,
        members.c.team,
        members.c.locale,
        members.c.badge_seq,
        members.c.opted_in,
    )
)
_NET_POINTS = (
    select(func.coalesce(func.sum(ledger.c.points), 0))
    .where(ledger.c.action_id == actions.c.id)
    .scalar_subquery()
)
_HISTORY_COLUMNS = (
    actions.c.member_pk,
    actions.c.member_seq,
    actions.c.at,
    actions.c.verb,
    actions.c.channel,
    actions.c.content_id,
    actions.c.content_kind,
    actions.c.topics,
    actions.c.target,
    actions.c.words,
    actions.c.own_words,
    actions.c.distinct_own_words,
    actions.c.fingerprint,
    _NET_POINTS.label("points"),
)
_NOT_REVOKED = ~exists().where(revocations.c.action_id == actions.c.id)
_HISTORY = select(*_HISTORY_COLUMNS).where(
    actions.c.member_pk == bindparam("pk"),
    or_(actions.c.at >= bindparam("since"), actions.c.content_id == bindparam("content_id")),
    _NOT_REVOKED,
)
_OLDER_SAME_CONTENT = select(*_HISTORY_COLUMNS).where(
    actions.c.member_pk == bindparam("pk"),
    actions.c.at < bindparam("since"),
    actions.c.content_id == bindparam("content_id"),
    _NOT_REVOKED,
)
_EXISTING_AWARDS = (
    select(
        actions.c.key,
        members.c.member_id,
        actions.c.verb,
        ledger.c.points,
        ledger.c.explanation,
        ledger.c.ruleset_version,
    )
    .join(members, members.c.id == actions.c.member_pk)
    .join(ledger, (ledger.c.action_id == actions.c.id) & (ledger.c.entry_kind == "award"))
    .where(actions.c.key.in_(bindparam("keys", expanding=True)))
)
_INSERT_LEDGER = insert(ledger)


@dataclass(frozen=True, slots=True)
class Recorded:
    """An award, and what to keep once its transaction has committed."""

    award: Award
    member_pk: int | None = None
    history: CachedHistory | None = None
    fact: Fact | None = None
    action_id: int | None = None
    ruleset: Ruleset | None = None
    person: Person | None = None
    """The member as locked, for badge evaluation."""
    target: Person | None = None
    """The colleague the action is aimed at, locked, when badges measure what they
    receive (see :meth:`engagement.badges.service.Recognition.after_action`)."""


_PREPARED = PreparedCache()


def record_one(
    connection: Connection, action: Action, rulesets: RulesetCache, histories: HistoryCache
) -> Recorded:
    """Log ``action`` and award its points, or return the award its key already has."""
    prepared = _PREPARED.get
    probe = prepared("probe", connection, lambda: _PROBE).first(connection, {"key": action.key})
    if probe[1] is not None:
        return Recorded(_same_member(existing_awards(connection, [action.key])[action.key], action))
    ruleset = rulesets.get(connection, probe[0])
    check_action(action, ruleset)
    # Locks are taken in member-id order, so two colleagues thanking each other at
    # the same instant cannot deadlock.
    target = _aimed_at(action, ruleset)
    locked_target = (
        lock_for_badges(connection, target) if target and target < action.member else None
    )
    member = prepared("lock", connection, lambda: _LOCK_MEMBER).first(
        connection, {"member": action.member}
    )
    if member is None:
        raise UnknownMemberError(
            f"member: unknown member {action.member!r}; add it with upsert_member() first",
            key=action.key,
        )
    member_pk, seq, tz_name, team, locale, badge_seq, opted_in = member
    tz_name = tz_name or ruleset.file.timezone
    row = action_row(action, member_pk=member_pk, seq=seq, tz_name=tz_name)
    tz = zone(tz_name)
    fact = fact_from_row(row, action.member, tz)
    entry = _current_history(connection, histories.take(member_pk), fact, member_pk, seq, ruleset)
    steps = score_and_remember(fact, entry.history, ruleset)
    entry.seq = seq
    inserted = prepared(
        "log", connection, lambda: _log_action(connection.dialect.name), list(row)
    ).first(connection, row)
    if inserted is None:  # a concurrent transaction logged the same key first
        return Recorded(_same_member(existing_awards(connection, [action.key])[action.key], action))
    award = Award(action.key, action.member, action.verb, fact.points, steps, ruleset.version)
    entry_row = _award_entry(inserted[0], member_pk, award)
    prepared("award", connection, lambda: _INSERT_LEDGER, list(entry_row)).first(
        connection, entry_row
    )
    scorebook.log_one(
        connection, ruleset.boards, member_pk, Owner(team, bool(opted_in)), fact, entry.boards
    )
    if target and target > action.member:
        locked_target = lock_for_badges(connection, target)
    person = Person(member_pk, action.member, team, locale, seq, badge_seq)
    return Recorded(award, member_pk, entry, fact, inserted[0], ruleset, person, locked_target)


def _aimed_at(action: Action, ruleset: Ruleset) -> str | None:
    """The colleague whose badges the action can move (kudos received), if any."""
    target = action.target
    if target is None or target == action.member or not ruleset.catalogue.received(action.verb):
        return None
    return target


@lru_cache(maxsize=4)
def _log_action(dialect: str) -> Any:
    return _insert_if_absent(dialect, actions, ("key",)).returning(actions.c.id)


def _current_history(
    connection: Connection,
    cached: CachedHistory | None,
    fact: Fact,
    member_pk: int,
    seq: int,
    ruleset: Ruleset,
) -> CachedHistory:
    """The member's history as the database holds it now, from the cache if it can be
    trusted (see :mod:`engagement.history_cache`), else from the database."""
    since = ruleset.lookback(fact)
    start = since if since is not None else math.inf
    if (
        cached is None
        or cached.seq != seq - 1
        or cached.ruleset_version != ruleset.version
        or start < cached.since
    ):
        history = MemberHistory(ruleset)
        rows = connection.execute(
            _HISTORY,
            {"pk": member_pk, "since": _instant(start), "content_id": fact.content_id},
        )
        history.add_all(_history_fact(r._mapping, fact.member, fact.tz) for r in rows)
        contents = {fact.content_id} if fact.content_id is not None else set()
        return CachedHistory(history, ruleset.version, seq - 1, start, contents)
    if fact.content_id is not None and fact.content_id not in cached.contents:
        older = _PREPARED.get("older", connection, lambda: _OLDER_SAME_CONTENT).mappings(
            connection,
            {"pk": member_pk, "since": _instant(cached.since), "content_id": fact.content_id},
        )
        cached.history.add_all(_history_fact(r, fact.member, fact.tz) for r in older)
        cached.contents.add(fact.content_id)
    return cached


def _instant(ts: float) -> datetime:
    return FAR_FUTURE if math.isinf(ts) else from_timestamp(ts)


def _same_member(award: Award, action: Action) -> Award:
    """A key names one action: reusing it for another member is a client bug, not a retry."""
    if award.member != action.member:
        raise InvalidActionError(
            f"key: already recorded for another member ({award.member!r}); "
            "idempotency keys must be unique across the programme",
            key=action.key,
        )
    return award


def _history_fact(row: Mapping[Any, Any], member: str, tz: tzinfo) -> Fact:
    fact = fact_from_row(row, member, tz)
    fact.points = int(row["points"])
    return fact


def _award_entry(action_id: int, member_pk: int, award: Award) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "member_pk": member_pk,
        "entry_kind": "award",
        "points": award.points,
        "rule_id": award.steps[0].rule,
        "ruleset_version": award.ruleset_version,
        "explanation": award.explanation(),
        "created_at": datetime.now(UTC),
    }


def existing_awards(connection: Connection, keys: Sequence[str]) -> dict[str, Award]:
    """Awards already given for ``keys``, marked as duplicates."""
    found: dict[str, Award] = {}
    for start in range(0, len(keys), 500):
        for row in connection.execute(_EXISTING_AWARDS, {"keys": list(keys[start : start + 500])}):
            found[row.key] = Award(
                key=row.key,
                member=row.member_id,
                verb=row.verb,
                points=row.points,
                steps=tuple(Step.from_json(s) for s in row.explanation["steps"]),
                ruleset_version=row.ruleset_version,
                duplicate=True,
            )
    return found


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
    written: list[tuple[Fact, int]] | None = None,
) -> list[Award]:
    """Log ``batch`` in order with as few statements as possible; awards in input order.

    Actions already logged, and repeats of a key within the batch, return the first
    award with ``duplicate=True``.  All checks run before the first write.  Each new
    action's scored fact and row id are appended to ``written``, in logging order.
    """
    for action in batch:
        check_action(action, ruleset)
    keys = list(dict.fromkeys(action.key for action in batch))
    if not keys:
        return []
    locked = _lock_members(
        connection, sorted({action.member for action in batch}), create_members=create_members
    )
    # Read only now: whoever logs a key for one of these members holds that member's
    # lock while doing so, so every such action has committed and is visible here.
    known = existing_awards(connection, keys)
    owners = {key: award.member for key, award in known.items()}
    for action in batch:
        owner = owners.setdefault(action.key, action.member)
        if owner != action.member:
            _same_member(Award(action.key, owner, action.verb, 0), action)
    fresh: list[Action] = []
    seen: set[str] = set(known)
    for action in batch:
        if action.key not in seen:
            seen.add(action.key)
            fresh.append(action)
    counts: dict[str, int] = defaultdict(int)
    for action in fresh:
        counts[action.member] += 1
    people = _reserve_seqs(connection, locked, counts, ruleset)
    histories = _load_histories(connection, fresh, people, ruleset)
    rows: list[dict[str, Any]] = []
    facts: list[Fact] = []
    awards: dict[str, Award] = {}
    for action in fresh:
        person = people[action.member]
        row = action_row(action, member_pk=person.pk, seq=person.next_seq, tz_name=person.tz_name)
        person.next_seq += 1
        fact = fact_from_row(row, action.member, zone(person.tz_name))
        steps = score_and_remember(fact, histories[action.member], ruleset)
        awards[action.key] = Award(
            action.key, action.member, action.verb, fact.points, steps, ruleset.version
        )
        rows.append(row)
        facts.append(fact)
    if rows:
        ids = _log_actions(connection, rows)
        if written is not None:
            written.extend(
                (f, ids[r["key"]]) for f, r in zip(facts, rows, strict=True) if r["key"] in ids
            )
        lost = [row["key"] for row in rows if row["key"] not in ids]
        if lost:  # only a key already logged for a member outside this batch
            for key, award in existing_awards(connection, lost).items():
                _same_member(award, next(a for a in fresh if a.key == key))
                known[key] = award
        connection.execute(
            _INSERT_LEDGER,
            [
                _award_entry(ids[row["key"]], row["member_pk"], awards[row["key"]])
                for row in rows
                if row["key"] in ids
            ],
        )
        changes = ScoreChanges(ruleset.boards)
        for fact, row in zip(facts, rows, strict=True):
            if row["key"] in ids:
                changes.logged(
                    row["member_pk"], fact.ts, fact.points, fact.verb, fact.channel, fact.topics
                )
        scorebook.write(
            connection, changes, {m.pk: Owner(m.team, m.opted_in) for m in locked.values()}
        )
    result: list[Award] = []
    answered: set[str] = set()
    for action in batch:
        award = known.get(action.key) or awards[action.key]
        if action.key in answered and not award.duplicate:
            award = replace(award, duplicate=True)
        answered.add(action.key)
        result.append(award)
    return result


def _log_actions(connection: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert ``rows`` into the action log unless their key is taken; ids by key."""
    statement = insert_if_absent(connection, actions, "key").returning(actions.c.key, actions.c.id)
    return {key: action_id for key, action_id in connection.execute(statement, rows)}


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
    uses (:func:`~engagement.members.lock_order`) so that nobody deadlocks, creating
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


def _load_histories(
    connection: Connection,
    batch: Iterable[Action],
    people: dict[str, _Member],
    ruleset: Ruleset,
) -> dict[str, MemberHistory]:
    """Each member's history as far back as any of their actions in the batch needs."""
    since: dict[str, float] = {}
    content_ids: set[str] = set()
    for action in batch:
        person = people[action.member]
        ts = action.at.timestamp()
        probe = Fact(seq=0, member=action.member, verb=action.verb, ts=ts, tz=zone(person.tz_name))
        start = ruleset.lookback(probe)
        if start is not None:
            since[action.member] = min(since.get(action.member, ts), start)
        if action.content is not None:
            content_ids.add(action.content.id)
    histories = {name: MemberHistory(ruleset) for name in people}
    by_pk = {person.pk: person for person in people.values()}
    earliest = min(since.values(), default=None)
    pks = sorted(by_pk)
    for start in range(0, len(pks), 500):
        clause = actions.c.at >= from_timestamp(earliest) if earliest is not None else None
        if content_ids:
            by_content = actions.c.content_id.in_(sorted(content_ids))
            clause = by_content if clause is None else or_(clause, by_content)
        if clause is None:
            continue
        query = (
            select(*_HISTORY_COLUMNS)
            .where(actions.c.member_pk.in_(pks[start : start + 500]), clause, _NOT_REVOKED)
            .order_by(actions.c.member_pk, actions.c.member_seq)
        )
        for row in connection.execute(query):
            person = by_pk[row.member_pk]
            histories[person.member_id].add(
                _history_fact(row._mapping, person.member_id, zone(person.tz_name))
            )
    return histories
