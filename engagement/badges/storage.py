"""Reading members' badge states from the database and writing what they earn.

Every write is insert-if-absent against a unique key, under the member's row lock
taken by the caller: two processes evaluating the same member cannot both award.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.sql.dml import ReturningInsert

from engagement.badges.catalogue import Catalogue
from engagement.badges.evaluation import NewAward
from engagement.badges.state import HeldAward, MemberState
from engagement.badges.tables import badge_awards, badge_revocations, challenge_completions
from engagement.core.facts import Fact
from engagement.core.history import TimeIndex
from engagement.core.periods import from_timestamp, zone
from engagement.storage.database import insert_if_absent_on
from engagement.storage.members import Person
from engagement.storage.prepared import PreparedCache
from engagement.storage.rows import HISTORY_COLUMNS, NOT_REVOKED, fact_from_row
from engagement.storage.tables import actions, members

_CHUNK = 500


_AWARDS = (
    select(
        badge_awards.c.id,
        badge_awards.c.member_pk,
        badge_awards.c.badge_id,
        badge_awards.c.tier,
        badge_awards.c.period_key,
        badge_awards.c.source,
        badge_awards.c.period_start,
        badge_awards.c.period_end,
        badge_revocations.c.id.label("revoked"),
        badge_revocations.c.source.label("revoked_by"),
    )
    .outerjoin(badge_revocations, badge_revocations.c.award_id == badge_awards.c.id)
    .order_by(badge_awards.c.id)
)
"""Awards with their revocation, if any, oldest first; filter by member."""


def load_states(
    connection: Connection,
    people: Sequence[Person],
    catalogue: Catalogue,
    default_tz: str,
    *,
    before: Mapping[str, int] | None = None,
    ruleset_version: int | None = None,
) -> dict[int, MemberState]:
    """Each member's state as the database holds it now (their rows locked).

    With ``before`` (member id to sequence number), each member's actions from that
    number on are left out, on both sides of a kudos: the state before a batch.
    """
    before = before or {}
    states = {
        p.pk: MemberState(
            p.pk,
            p.member_id,
            p.team,
            p.locale,
            p.seq,
            p.badge_seq,
            catalogue,
            ruleset_version=ruleset_version,
        )
        for p in people
    }
    for chunk in _chunks(sorted(states)):
        query = (
            select(*HISTORY_COLUMNS, actions.c.tz)
            .where(actions.c.member_pk.in_(chunk), NOT_REVOKED)
            .order_by(actions.c.member_pk, actions.c.member_seq)
        )
        for row in connection.execute(query).mappings():
            state = states[row["member_pk"]]
            if row["member_seq"] >= before.get(state.member_id, math.inf):
                continue
            fact = fact_from_row(row, state.member_id, zone(row["tz"] or default_tz))
            fact.points = int(row["points"])
            state.add_own(fact)
    _load_received(connection, states, catalogue, default_tz, before)
    _load_awards(connection, states)
    return states


def _load_received(
    connection: Connection,
    states: dict[int, MemberState],
    catalogue: Catalogue,
    default_tz: str,
    before: Mapping[str, int],
) -> None:
    """Add to each state the actions colleagues aimed at the member (kudos received)."""
    by_id = {state.member_id: pk for pk, state in states.items()}
    received_verbs = sorted({verb for verb in catalogue.words.labels if catalogue.received(verb)})
    if received_verbs:
        for chunk_ids in _chunks(sorted(by_id)):
            query = (
                select(*HISTORY_COLUMNS, actions.c.tz, members.c.member_id.label("giver"))
                .join(members, members.c.id == actions.c.member_pk)
                .where(
                    actions.c.target.in_(chunk_ids),
                    actions.c.verb.in_(received_verbs),
                    NOT_REVOKED,
                )
                .order_by(actions.c.id)
            )
            for row in connection.execute(query).mappings():
                if row["member_seq"] >= before.get(row["giver"], math.inf):
                    continue
                fact = fact_from_row(row, row["giver"], zone(row["tz"] or default_tz))
                states[by_id[row["target"]]].add_received(fact)


def restore_state(
    connection: Connection,
    person: Person,
    catalogue: Catalogue,
    default_tz: str,
    *,
    ruleset_version: int | None,
    points: float,
    indexes: Mapping[str, TimeIndex],
    since: Iterable[Fact],
    received_since: Iterable[Fact],
) -> MemberState:
    """``person``'s state from a snapshot of its ``indexes`` and ``points``, brought
    up to date with the facts the member logged ``since`` it and those colleagues
    aimed at them (``received_since``); the awards held are read afresh.

    The state is not :attr:`~MemberState.complete`: it holds the indexes of every
    fact but only the facts logged since the snapshot.
    """
    state = MemberState(
        person.pk,
        person.member_id,
        person.team,
        person.locale,
        person.seq,
        person.badge_seq,
        catalogue,
        ruleset_version=ruleset_version,
        complete=False,
    )
    state.indexes.update(indexes)
    state.points = points
    for fact in since:
        state.add_own(fact)
    for fact in received_since:
        state.add_received(fact)
    _load_awards_of(connection, state)
    return state


_AWARDS_OF = _AWARDS.where(badge_awards.c.member_pk == bindparam("pk"))
_COMPLETED_OF = select(challenge_completions.c.challenge_id).where(
    challenge_completions.c.member_pk == bindparam("pk")
)
_PREPARED = PreparedCache()


def _load_awards_of(connection: Connection, state: MemberState) -> None:
    """:func:`_load_awards` for one member, with prepared statements (the hot path of
    a state restored from a snapshot)."""
    prepared = _PREPARED.get
    params = {"pk": state.member_pk}
    for row in prepared("awards", connection, lambda: _AWARDS_OF).mappings(connection, params):
        _hold(state, row)
    for row in prepared("completed", connection, lambda: _COMPLETED_OF).mappings(
        connection, params
    ):
        state.completed.add(row["challenge_id"])


def _hold(state: MemberState, row: Mapping[Any, Any]) -> None:
    """Add one award row (with its revocation, if any) to ``state``."""
    start, end = row["period_start"], row["period_end"]
    held = HeldAward(
        row["id"],
        row["badge_id"],
        row["tier"],
        row["period_key"],
        row["source"],
        start.timestamp() if start else -math.inf,
        end.timestamp() if end else math.inf,
    )
    state.hold(held)
    if row["revoked"] is not None:
        state.release(held.key)
        if row["revoked_by"] == "manual":
            state.blocked.add((held.badge_id, held.period_key))


def _load_awards(connection: Connection, states: dict[int, MemberState]) -> None:
    for chunk in _chunks(sorted(states)):
        query = _AWARDS.where(badge_awards.c.member_pk.in_(chunk))
        for row in connection.execute(query).mappings():
            _hold(states[row["member_pk"]], row)
        done = select(challenge_completions.c.member_pk, challenge_completions.c.challenge_id)
        for member_pk, challenge_id in connection.execute(
            done.where(challenge_completions.c.member_pk.in_(chunk))
        ):
            states[member_pk].completed.add(challenge_id)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def write_award(
    connection: Connection,
    state: MemberState,
    award: NewAward,
    *,
    action_id: int | None,
    ruleset_version: int | None,
    source: str = "criteria",
    reason: str | None = None,
) -> HeldAward | None:
    """Insert the award unless its key exists; ``None`` if another writer got there."""
    key = (award.badge.id, award.tier.name, award.period_key)
    attempt = state.issued.get(key, 0)
    row = {
        "member_pk": state.member_pk,
        "badge_id": award.badge.id,
        "tier": award.tier.name,
        "period_key": award.period_key,
        "attempt": attempt,
        "source": source,
        "reason": reason,
        "action_id": action_id,
        "period_start": _bound(award.start),
        "period_end": _bound(award.end),
        "ruleset_version": ruleset_version,
        "awarded_at": datetime.now(UTC),
    }
    award_id = connection.execute(_insert_award(connection.dialect.name), row).scalar()
    if award_id is None:
        return None
    held = HeldAward(
        award_id, award.badge.id, award.tier.name, award.period_key, source, award.start, award.end
    )
    state.hold(held)
    return held


def write_revocation(
    connection: Connection, state: MemberState, held: HeldAward, *, source: str, reason: str
) -> bool:
    """Record that ``held`` is revoked; ``False`` if it already was."""
    statement = _insert_revocation(connection.dialect.name)
    row = {
        "award_id": held.id,
        "source": source,
        "reason": reason,
        "revoked_at": datetime.now(UTC),
    }
    revoked = connection.execute(statement, row).scalar() is not None
    state.release(held.key)
    if source == "manual":
        state.blocked.add((held.badge_id, held.period_key))
    return revoked


def write_completion(
    connection: Connection,
    state: MemberState,
    challenge_id: str,
    *,
    action_id: int | None,
    ruleset_version: int | None,
) -> bool:
    """Record the member's completion of a challenge, once; ``False`` if it was."""
    statement = _insert_completion(connection.dialect.name)
    row = {
        "challenge_id": challenge_id,
        "member_pk": state.member_pk,
        "team": state.team,
        "action_id": action_id,
        "ruleset_version": ruleset_version,
        "completed_at": datetime.now(UTC),
    }
    done = connection.execute(statement, row).scalar() is not None
    state.completed.add(challenge_id)
    return done


# Statements are built once per dialect: building one costs more than running it.
@lru_cache(maxsize=4)
def _insert_award(dialect: str) -> ReturningInsert[Any]:
    unique = ("member_pk", "badge_id", "tier", "period_key", "attempt")
    return insert_if_absent_on(dialect, badge_awards, unique).returning(badge_awards.c.id)


@lru_cache(maxsize=4)
def _insert_revocation(dialect: str) -> ReturningInsert[Any]:
    return insert_if_absent_on(dialect, badge_revocations, ("award_id",)).returning(
        badge_revocations.c.id
    )


@lru_cache(maxsize=4)
def _insert_completion(dialect: str) -> ReturningInsert[Any]:
    unique = ("challenge_id", "member_pk")
    return insert_if_absent_on(dialect, challenge_completions, unique).returning(
        challenge_completions.c.id
    )


def _bound(ts: float) -> datetime | None:
    return None if math.isinf(ts) else from_timestamp(ts)


def awards_of(connection: Connection, member_pk: int) -> list[Any]:
    """The member's award rows with their revocation, oldest first (for exports)."""
    query = (
        select(
            badge_awards,
            badge_revocations.c.reason.label("revoked_reason"),
            badge_revocations.c.revoked_at,
        )
        .outerjoin(badge_revocations, badge_revocations.c.award_id == badge_awards.c.id)
        .where(badge_awards.c.member_pk == member_pk)
        .order_by(badge_awards.c.id)
    )
    return list(connection.execute(query))
