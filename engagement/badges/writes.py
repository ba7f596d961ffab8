"""Writing what members earn: awards, their revocations, challenge completions.

Every write is insert-if-absent against a unique key, under the member's row lock
taken by the caller: two processes evaluating the same member cannot both award.
The in-memory state is updated with each row, so it stays what a reload would read.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.dml import ReturningInsert

from engagement.badges.evaluation import NewAward
from engagement.badges.state import HeldAward, MemberState
from engagement.badges.tables import badge_awards, badge_revocations, challenge_completions
from engagement.core.periods import from_timestamp
from engagement.storage.database import insert_if_absent_on


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
