"""Recomputing the ledger from the action log: the proof that it is a pure function.

Replay folds each member's log in its canonical order (when each action happened,
see :mod:`engagement.pipeline.rescoring`; revoked actions left out, as if they never
happened) through the same scoring code that ``record()`` uses.  It reads one
member at a time, so memory stays bounded by the largest member's history, not by
the log.

Applying a replay appends ``adjustment`` entries, at most one per action and ruleset
version (the ledger's unique key).  That is why only the active ruleset can be
applied: once applied, every action's net points equal its replay under that
version, later actions are scored under it too, and a second apply has nothing left
to write.  Going back to older rules means activating them again, as a new version.
Manual entries (an administrator's) derive from no action and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select, update

from engagement.core.facts import Fact, Step
from engagement.core.history import MemberHistory
from engagement.core.periods import zone
from engagement.core.scoring import Award, score_and_remember
from engagement.exceptions import EngagementError, InvalidInputError
from engagement.leaderboards.book import ScoreChanges
from engagement.pipeline import persist, snapshots
from engagement.pipeline.arrival import CANONICAL_ORDER
from engagement.pipeline.kudos import ThanksBack
from engagement.rules.ruleset import Ruleset
from engagement.storage.members import lock_order
from engagement.storage.tables import actions, ledger, members, revocations, rulesets

_LOG_COLUMNS = (
    actions.c.id,
    actions.c.key,
    actions.c.member_pk,
    actions.c.member_seq,
    actions.c.at,
    actions.c.tz,
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
    actions.c.echo,
)


class ReplayedAward(NamedTuple):
    action_id: int
    member_pk: int
    revoked: bool
    award: Award
    ts: float


def replay_awards(
    connection: Connection, ruleset: Ruleset, *, names: Mapping[int, str] | None = None
) -> Iterator[ReplayedAward]:
    """The award every logged action would get under ``ruleset``, member by member.

    ``names`` (member primary key to id) limits the replay to those members; by
    default, every member that exists when the replay starts.  Actions of members
    created meanwhile are left out rather than replayed from a partial view.
    """
    if names is None:
        names = {
            pk: name for pk, name in connection.execute(select(members.c.id, members.c.member_id))
        }
    verbs = ruleset.verbs
    revoked = set(connection.execute(select(revocations.c.action_id)).scalars())
    # yield_per on the statement, not the connection: on the connection it would also
    # apply to the adjustment inserts that follow (a server-side cursor on an INSERT).
    rows = connection.execute(
        select(*_LOG_COLUMNS)
        .order_by(actions.c.member_pk, *CANONICAL_ORDER)
        .execution_options(yield_per=5000)
    )
    current_pk: int | None = None
    history = MemberHistory(ruleset)
    thanks: ThanksBack | None = None
    reciprocal = bool(ThanksBack(ruleset))
    member = ""
    version = ruleset.version
    for (
        action_id, key, member_pk, seq, at, tz_name, verb, channel, content_id, content_kind,
        topics, target, words, own_words, distinct_own_words, fingerprint, echo,
    ) in rows:  # fmt: skip
        if member_pk != current_pk:
            if member_pk not in names:
                continue
            current_pk, member = member_pk, names[member_pk]
            history = MemberHistory(ruleset)
            thanks = None
        fact = Fact(
            seq, member, verb, at.timestamp(), zone(tz_name), channel, content_id,
            content_kind, tuple(topics or ()), target, words, own_words, distinct_own_words,
            fingerprint, echo=echo or 0,
        )  # fmt: skip
        if action_id in revoked:  # as if it never happened (see pipeline.rescoring)
            fact.points = 0
            yield ReplayedAward(
                action_id, member_pk, True, Award(key, member, verb, 0, (), version), fact.ts
            )
            continue
        if reciprocal and target is not None and target != member:
            if thanks is None:  # the thanks the member received, read once
                thanks = ThanksBack(ruleset)
                thanks.read(connection, [member])
            thanks.set_returned(fact, logged_before=action_id)
        steps = (
            score_and_remember(fact, history, ruleset) if verb in verbs else _retired(fact, history)
        )
        yield ReplayedAward(
            action_id, member_pk, False,
            Award(key, member, verb, fact.points, steps, version), fact.ts,
        )  # fmt: skip


def _retired(fact: Fact, history: MemberHistory) -> tuple[Step, ...]:
    """An action whose verb the ruleset no longer defines earns nothing, and says why.

    It stays in the history, where no rule remembers it (rules only remember the
    verbs they know), so the member's later actions are scored as they would be.
    """
    fact.points = 0
    history.add(fact)
    return (Step(f"verbs.{fact.verb}", "add", 0, "verb no longer in the rules"),)


@dataclass(slots=True)
class ReplayReport:
    """What a replay found: how many awards differ from the ledger, by how much."""

    actions: int = 0
    changed: int = 0
    points_before: int = 0
    points_after: int = 0
    applied: bool = False
    examples: list[tuple[str, int, int]] = field(default_factory=list)


def replay(connection: Connection, ruleset: Ruleset, *, apply: bool) -> ReplayReport:
    """Compare the ledger with a replay under ``ruleset``; with ``apply``, append an
    ``adjustment`` entry for each action whose points differ (revoked ones stay at 0).

    Applying locks every member first (see :func:`lock_members`), so that no action or
    revocation can commit between reading the log and writing what it implies.
    """
    names: Mapping[int, str] | None = None
    applied: set[int] = set()
    if apply:
        _check_appliable(connection, ruleset)
        names = lock_members(connection)
        # Adjustments change points the snapshots derived state from.
        snapshots.discard(connection)
        applied = set(
            connection.execute(
                select(ledger.c.action_id).where(
                    ledger.c.entry_kind == "adjustment",
                    ledger.c.ruleset_version == ruleset.version,
                )
            ).scalars()
        )
    net: dict[int, int] = {
        action_id: int(points)
        for action_id, points in connection.execute(
            select(ledger.c.action_id, func.sum(ledger.c.points))
            # Manual entries belong to no action: a replay leaves them as they are.
            .where(ledger.c.entry_kind != "revocation", ledger.c.action_id.is_not(None))
            .group_by(ledger.c.action_id)
        )
    }
    report = ReplayReport(applied=apply)
    adjustments: list[dict[str, Any]] = []
    adjusted: set[int] = set()
    boards = ScoreChanges(ruleset.boards)
    now = datetime.now(UTC)
    for replayed in replay_awards(connection, ruleset, names=names):
        report.actions += 1
        if replayed.revoked:
            continue
        before = int(net.get(replayed.action_id, 0))
        after = replayed.award.points
        report.points_before += before
        report.points_after += after
        if before == after:
            continue
        report.changed += 1
        if len(report.examples) < 20:
            report.examples.append((replayed.award.key, before, after))
        if apply:
            if replayed.action_id in applied:
                raise EngagementError(
                    f"action {replayed.award.key!r} was already adjusted under ruleset "
                    f"version {ruleset.version} and now replays to {after} instead of "
                    f"{before}: the scoring code changed since; activate the rules as a "
                    "new version (a changed file) to rescore"
                )
            adjusted.add(replayed.member_pk)
            boards.adjusted(replayed.member_pk, replayed.ts, after - before)
            explanation = replayed.award.explanation()
            explanation["previous"] = before
            adjustments.append(
                {
                    "action_id": replayed.action_id,
                    "member_pk": replayed.member_pk,
                    "entry_kind": "adjustment",
                    "points": after - before,
                    "rule_id": "replay",
                    "ruleset_version": ruleset.version,
                    "explanation": explanation,
                    "created_at": now,
                }
            )
        if len(adjustments) >= 5000:
            persist.compensate(connection, adjustments)
            adjustments.clear()
    persist.compensate(connection, adjustments, boards)
    if adjusted:
        # Rescoring changes what later actions of these members see (caps): bumping
        # their counter tells every process that its cached histories are stale.
        connection.execute(
            update(members)
            .where(members.c.id.in_(sorted(adjusted)))
            .values(event_seq=members.c.event_seq + 1)
        )
    return report


def lock_members(connection: Connection) -> dict[int, str]:
    """Lock every member's row, in the order every writer uses; their primary keys
    and ids.

    Actions, revocations and batches take the same row locks (in the same order,
    :func:`~engagement.storage.members.lock_order`, so nobody deadlocks), so once this
    returns, the locked members' logs and ledger entries stay as read until the
    transaction ends.  On PostgreSQL that is
    ``SELECT … FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already serialises writers.
    A member created afterwards is not locked, and the replay leaves it out.
    """
    query = select(members.c.id, members.c.member_id).order_by(lock_order(connection.dialect.name))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return {pk: name for pk, name in connection.execute(query)}


def _check_appliable(connection: Connection, ruleset: Ruleset) -> None:
    """Refuse to apply anything but the active ruleset (see the module's docstring)."""
    if ruleset.version is None:
        raise InvalidInputError(
            "rules: these rules were never activated; replay(apply=True) rescored under "
            "the active ruleset only: activate_rules() them first"
        )
    active = connection.execute(
        select(rulesets.c.version, rulesets.c.content_hash).where(rulesets.c.active.is_(True))
    ).first()
    if active is None or (active.version, active.content_hash) != (
        ruleset.version,
        ruleset.content_hash,
    ):
        raise InvalidInputError(
            f"rules: version {ruleset.version} is not the active ruleset; replay(apply=True) "
            "rescored under the active ruleset only: activate_rules() them again "
            "(they become a new version) first"
        )
