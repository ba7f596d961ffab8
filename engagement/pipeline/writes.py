"""The write pipeline: recording, importing and revoking actions.

Every write takes the same way through one unit of work: validate the input, lock
the member(s), read their state, score and evaluate badges (pure), write the action,
its ledger entry, score rows, tallies, badges and outbox rows, then announce after
the commit.  :func:`record` does it for one action, :func:`record_many` for an import
with as few statements as possible, :func:`revoke` for a compensating entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from engagement.core.actions import Action, parse_action
from engagement.core.events import BadgeAwarded
from engagement.core.facts import Fact
from engagement.core.limits import Limits
from engagement.core.scoring import Award
from engagement.exceptions import InvalidInputError
from engagement.pipeline import batch, recording, revocation, snapshots
from engagement.pipeline.outcome import Outcome
from engagement.pipeline.revocation import Revocation
from engagement.pipeline.runtime import Runtime
from engagement.pipeline.snapshots import Restored
from engagement.pipeline.unit import AfterCommit
from engagement.rules.ruleset import Ruleset
from engagement.storage.history_cache import CachedHistory


def record(runtime: Runtime, action: Action | Mapping[str, Any], session: Session | None) -> Award:
    """Log one action and award its points; see :meth:`engagement.Engagement.record`."""
    parsed = parse_action(action, runtime.limits)
    with runtime.unit(session) as (connection, after_commit):
        award, outcome, ruleset = _record_one(runtime, connection, after_commit, parsed)
        if not award.duplicate:
            runtime.announcer.awards(connection, after_commit, [(parsed, award)], ruleset)
            runtime.announcer.outcome(connection, after_commit, outcome)
    return award


def _record_one(
    runtime: Runtime, connection: Connection, after_commit: list[AfterCommit], action: Action
) -> tuple[Award, Outcome, Ruleset | None]:
    """Log, score and recognise one action in the unit; announcing is the caller's."""
    recorded = recording.record_one(connection, action, runtime.rulesets, runtime.histories)
    award = recorded.award
    if award.duplicate:
        return revocation.marked_revoked(connection, [award])[0], Outcome(), recorded.ruleset
    if recorded.history is not None and recorded.member_pk is not None:
        after_commit.append(partial(runtime.histories.put, recorded.member_pk, recorded.history))
    outcome = _recognise(runtime, connection, recorded, after_commit)
    entry, fact, ruleset, pk = recorded.history, recorded.fact, recorded.ruleset, recorded.member_pk
    if entry is not None and fact is not None and ruleset is not None and pk is not None:
        _snapshot(runtime, connection, ruleset, outcome, {pk: (entry, fact)})
    if outcome.awarded:
        award = replace(award, badges=tuple(outcome.awarded))
    return award, outcome, recorded.ruleset


def record_many(
    runtime: Runtime,
    actions: Iterable[Action | Mapping[str, Any]],
    session: Session | None,
    *,
    create_members: bool,
    notify: bool,
) -> list[Award]:
    """Log many actions, all or nothing; see :meth:`engagement.Engagement.record_many`."""
    parsed = _parse_all(actions, runtime.limits)
    with runtime.unit(session) as (connection, after_commit):
        ruleset = runtime.active(connection)
        written: list[tuple[Fact, int, str]] = []
        kept = batch.Kept()
        late = Outcome()

        def record_late(action: Action) -> Award:
            award, outcome, _ = _record_one(runtime, connection, after_commit, action)
            late.awarded += outcome.awarded
            late.levels += outcome.levels
            late.completed += outcome.completed
            return award

        runtime.recognition.lock_batch(connection, ruleset, parsed)
        awards = batch.record_batch(
            connection,
            parsed,
            ruleset,
            create_members=create_members,
            record_late=record_late,
            written=written,
            kept=kept,
        )
        awards, outcome = _recognise_batch(
            runtime, connection, ruleset, awards, written, after_commit, kept.restored
        )
        outcome.awarded += late.awarded
        outcome.levels += late.levels
        outcome.completed += late.completed
        batch.keep_boards(connection, ruleset, kept)
        _snapshot(
            runtime,
            connection,
            ruleset,
            outcome,
            {
                pk: (entry, kept.latest[pk])
                for pk, entry in kept.entries.items()
                if pk in kept.latest
            },
        )
        awards = revocation.marked_revoked(connection, awards)
        if notify:
            runtime.announcer.awards(
                connection, after_commit, zip(parsed, awards, strict=True), ruleset
            )
            runtime.announcer.outcome(connection, after_commit, outcome)
    return awards


def revoke(runtime: Runtime, key: str, reason: str, session: Session | None) -> Revocation:
    """Revoke an action with a compensating entry; see :meth:`engagement.Engagement.revoke`."""
    key, reason = revocation.checked_request(key, reason)
    with runtime.unit(session) as (connection, after_commit):
        ruleset = runtime.active(connection)
        recognition = runtime.recognition
        target = recognition.lock_before_revocation(connection, ruleset, key)
        result = revocation.revoke(connection, key, reason, ruleset)
        if not result.duplicate:
            outcome = recognition.after_revocation(
                connection, ruleset, key, reason, after_commit, locked_target=target
            )
            runtime.announcer.revocation(connection, after_commit, result)
            runtime.announcer.outcome(connection, after_commit, outcome)
    return result


def _parse_all(actions: object, limits: Limits) -> Sequence[Action]:
    """Every action of an import, parsed before anything is written."""
    if isinstance(actions, str | bytes | Mapping | Action) or not isinstance(actions, Iterable):
        raise InvalidInputError(
            f"actions: a list (or other iterable) of actions, not {type(actions).__name__}; "
            "record one action with record()"
        )
    return [parse_action(action, limits) for action in actions]


def _recognise(
    runtime: Runtime,
    connection: Connection,
    recorded: recording.Recorded,
    after_commit: list[AfterCommit],
) -> Outcome:
    """Evaluate the badges, levels and challenges a freshly recorded action moves."""
    if recorded.fact is None or recorded.ruleset is None or recorded.person is None:
        return Outcome()
    assert recorded.action_id is not None
    return runtime.recognition.after_action(
        connection,
        recorded.ruleset,
        recorded.fact,
        person=recorded.person,
        action_id=recorded.action_id,
        action_key=recorded.award.key,
        after_commit=after_commit,
        target=recorded.target,
        restored=recorded.restored,
        late=recorded.late,
        repointed=recorded.repointed,
    )


def _snapshot(
    runtime: Runtime,
    connection: Connection,
    ruleset: Ruleset,
    outcome: Outcome,
    latest: Mapping[int, tuple[CachedHistory, Fact]],
) -> None:
    """Store the state of each member due a snapshot, for processes without it cached.

    ``latest``: by member primary key, the member's history and the last action just
    logged for them (whose number the history now stands at).
    """
    evaluated = not (ruleset.catalogue.empty and not ruleset.catalogue.levels)
    for member_pk, (entry, fact) in latest.items():
        entry.seq = fact.seq
        if not snapshots.due(entry, entry.seq, runtime.snapshot_every):
            continue
        badges = outcome.states.get(member_pk)
        if badges is None and evaluated:
            continue  # badges were not evaluated: a snapshot without them would mislead
        snapshots.write(connection, member_pk, entry, badges, ruleset, fact)


def _recognise_batch(
    runtime: Runtime,
    connection: Connection,
    ruleset: Ruleset,
    awards: list[Award],
    written: list[tuple[Fact, int, str]],
    after_commit: list[AfterCommit],
    restored: Mapping[str, Restored],
) -> tuple[list[Award], Outcome]:
    """Evaluate what the batch's logged actions (``written``, in logging order) earn;
    the awards with their badges, and the outcome."""
    outcome = runtime.recognition.after_batch(
        connection,
        ruleset,
        written,
        after_commit,
        restored,
    )
    if not outcome.awarded:
        return awards, outcome
    earned: dict[str, list[BadgeAwarded]] = {}
    for badge in outcome.awarded:
        earned.setdefault(badge.action_key or "", []).append(badge)
    return [
        replace(award, badges=tuple(earned[award.key]))
        if not award.duplicate and award.key in earned
        else award
        for award in awards
    ], outcome
