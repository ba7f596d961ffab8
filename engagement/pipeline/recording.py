"""Recording one action: the single-action lock and read stages of the pipeline.

Everything here runs inside a transaction the caller owns and never commits.
Idempotency and exactly-once come from the database: the action key is unique and
inserted with ``ON CONFLICT DO NOTHING``.  A member's actions are scored one after
another under a lock on the member's row (its ``event_seq`` counter), so two
processes recording for the same member cannot both miss each other's action.

The member's state comes from this process's cache when it is provably current,
else from their snapshot, else from the log; scoring and writing are the stages
every write shares (:mod:`engagement.pipeline.scorer`, :mod:`engagement.pipeline.persist`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    or_,
    select,
    update,
)

from engagement.core.actions import Action
from engagement.core.facts import Fact, Step
from engagement.core.history import MemberHistory
from engagement.core.scoring import Award
from engagement.exceptions import InvalidActionError, UnknownMemberError
from engagement.leaderboards.book import Owner, ScoreChanges
from engagement.pipeline import arrival, persist, rescoring, snapshots
from engagement.pipeline.arrival import Place
from engagement.pipeline.kudos import check_targets, reciprocal
from engagement.pipeline.persist import Scored
from engagement.pipeline.rescoring import Rescored
from engagement.pipeline.scorer import AskTheLog, Scorer
from engagement.pipeline.snapshots import Restored
from engagement.rules.checks import check_action
from engagement.rules.ruleset import Ruleset
from engagement.rules.store import ACTIVE_VERSION, RulesetCache
from engagement.storage.history_cache import CachedHistory, HistoryCache
from engagement.storage.members import Person, lock_for_badges
from engagement.storage.prepared import PreparedCache
from engagement.storage.rows import (
    HISTORY_COLUMNS,
    NOT_REVOKED,
    fact_from_row,
)
from engagement.storage.tables import actions, ledger, members

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
_LATEST = select(func.max(actions.c.at)).where(actions.c.member_pk == bindparam("pk"))
"""When the member's latest logged action happened.  Its own statement, after the
lock: on PostgreSQL a subquery of the locking UPDATE would read the snapshot taken
before the lock was granted, missing what its holder just committed."""
_HISTORY = select(*HISTORY_COLUMNS).where(
    actions.c.member_pk == bindparam("pk"),
    or_(actions.c.at >= bindparam("since"), actions.c.content_id == bindparam("content_id")),
    NOT_REVOKED,
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
    receive (see :meth:`engagement.pipeline.recognition.Recognition.after_action`)."""
    restored: Restored | None = None
    """The member's state as read from their snapshot, when no cached one was current:
    badge evaluation starts from it too."""
    late: bool = False
    """The action arrived after later ones of its member (within the settle window):
    badges are evaluated on the member's whole history."""
    repointed: tuple[tuple[int, int], ...] = ()
    """``(seq, points now)`` of the later actions its arrival re-scored: the badge
    state follows (see :meth:`engagement.badges.state.MemberState.repoint`)."""


_PREPARED = PreparedCache()


def record_one(
    connection: Connection, action: Action, rulesets: RulesetCache, histories: HistoryCache
) -> Recorded:
    """Log ``action`` and award its points, or return the award its key already has."""
    prepared = _PREPARED.get
    probe = prepared("probe", connection, lambda: _PROBE).first(connection, {"key": action.key})
    if probe[1] is not None:
        return Recorded(same_member(existing_awards(connection, [action.key])[action.key], action))
    ruleset = rulesets.get(connection, probe[0])
    check_action(action, ruleset)
    check_targets(connection, (action,), ruleset)
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
    latest = prepared("latest", connection, lambda: _LATEST).first(connection, {"pk": member_pk})[0]
    if target and target > action.member:
        # Before the action is logged: whatever is aimed at a member is logged under
        # their lock, which is what lets their snapshot say what it has received.
        locked_target = lock_for_badges(connection, target)
    tz_name = tz_name or ruleset.file.timezone
    scorer = Scorer(ruleset, AskTheLog(connection, ruleset))
    row, fact = scorer.logged(action, member_pk=member_pk, seq=seq, tz_name=tz_name)
    cached = histories.take(member_pk)
    restored = None
    if not _current(cached, seq, ruleset):
        restored = snapshots.restore(connection, member_pk, action.member, seq, ruleset)
        cached = restored.history if restored is not None else None
    placed = arrival.arrival(connection, ruleset, member_pk, row["at"], action.key, _utc(latest))
    rescored: Rescored | None = None
    boards = ScoreChanges(ruleset.boards)
    if placed.rescores:
        # Scored in its place among the member's actions, the later ones re-scored.
        rescored, entry = _rescore_late(
            connection, ruleset, action, fact, member_pk, seq, cached, boards
        )
        award = scorer.award(action, fact, rescored.steps)
    else:
        entry = _current_history(connection, cached, fact, member_pk, seq, ruleset)
        award = scorer.score(action, row, fact, entry.history, placed.scored_as_of)
    entry.seq = seq
    owner = Owner(team, bool(opted_in))
    ids = persist.write(
        connection, ruleset, [Scored(row, fact, award)], {member_pk: owner}, marks=entry.boards
    )
    if action.key not in ids:  # a concurrent transaction logged the same key first
        return Recorded(same_member(existing_awards(connection, [action.key])[action.key], action))
    if rescored is not None and rescored.entries:
        persist.compensate(connection, rescored.entries, boards, {member_pk: owner})
        for (_, period), change in boards.rows.items():  # the rows' points moved
            known = entry.boards.get(period)
            if known is not None:
                entry.boards[period] = (known[0], known[1] + change.points)
        # What the snapshot derived from the member's past no longer holds (with
        # no points changed, it does: it and the actions since give this state).
        snapshots.discard(connection, [member_pk])
        entry.snapshot_seq = None  # so that a new one is written now
    person = Person(member_pk, action.member, team, locale, seq, badge_seq)
    if not ruleset.catalogue.received(action.verb):
        locked_target = None  # locked for the thanks back only: no badge to evaluate
    return Recorded(
        award,
        member_pk,
        entry,
        fact,
        ids[action.key],
        ruleset,
        person,
        locked_target,
        restored,
        late=rescored is not None,
        repointed=tuple(rescored.repointed) if rescored is not None else (),
    )


def _rescore_late(
    connection: Connection,
    ruleset: Ruleset,
    action: Action,
    fact: Fact,
    member_pk: int,
    seq: int,
    current: CachedHistory | None,
    boards: ScoreChanges,
) -> tuple[Rescored, CachedHistory]:
    """Score ``fact``, which arrived after later actions of its member, in its place,
    re-scoring those: on the member's ``current`` history when it can serve (see
    :func:`rescoring.rescore_on`), else on one rebuilt from the log.  The scoring and
    the member's history afterwards."""
    start = Place.of(fact.ts, action.key)
    because = f"an earlier {action.verb} arrived late"
    new = (fact, action.key)
    if current is not None:
        rescored = rescoring.rescore_on(
            connection,
            ruleset,
            member_pk,
            action.member,
            current,
            start=start,
            because=because,
            boards=boards,
            new=new,
        )
        if rescored is not None:
            return rescored, current
    rescored = rescoring.rescore(
        connection,
        ruleset,
        member_pk,
        action.member,
        start=start,
        because=because,
        boards=boards,
        new=new,
    )
    entry = CachedHistory(rescored.history, ruleset.version, seq, rescored.since, rescored.contents)
    return rescored, entry


def _aimed_at(action: Action, ruleset: Ruleset) -> str | None:
    """The colleague to lock with the member: one whose badges the action can move
    (kudos received), or whose thanks back it is scored on; ``None`` if neither."""
    target = action.target
    if target is None or target == action.member:
        return None
    if ruleset.catalogue.received(action.verb) or reciprocal(action, ruleset):
        return target
    return None


def _current(cached: CachedHistory | None, seq: int, ruleset: Ruleset) -> bool:
    """Whether ``cached`` is the member's history just before their action ``seq``."""
    return (
        cached is not None and cached.seq == seq - 1 and cached.ruleset_version == ruleset.version
    )


def _current_history(
    connection: Connection,
    cached: CachedHistory | None,
    fact: Fact,
    member_pk: int,
    seq: int,
    ruleset: Ruleset,
) -> CachedHistory:
    """The member's history as the database holds it now, from the cache if it can be
    trusted (see :mod:`engagement.storage.history_cache`), else from the database."""
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
            {"pk": member_pk, "since": rescoring.bound(start), "content_id": fact.content_id},
        )
        history.add_all(history_fact(r._mapping, fact.member, fact.tz) for r in rows)
        contents = {fact.content_id} if fact.content_id is not None else set()
        return CachedHistory(history, ruleset.version, seq - 1, start, contents)
    rescoring.complete_contents(connection, cached, member_pk, fact.member, [fact.content_id])
    return cached


def _utc(value: datetime | str | None) -> datetime | None:
    """An instant the lock returned straight from the driver: aware on PostgreSQL,
    naive UTC text on SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def same_member(award: Award, action: Action) -> Award:
    """A key names one action: reusing it for another member is a client bug, not a retry."""
    if award.member != action.member:
        raise InvalidActionError(
            "key: already recorded for another member; "
            "idempotency keys must be unique across the programme",
            key=action.key,
        )
    return award


def history_fact(row: Mapping[Any, Any], member: str, tz: tzinfo) -> Fact:
    fact = fact_from_row(row, member, tz)
    fact.points = int(row["points"])
    return fact


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
