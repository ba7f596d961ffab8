"""``engine.ledger``: reading the append-only points ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.core.limits import member_id as checked_id
from engagement.exceptions import InvalidInputError
from engagement.pipeline import adjustment
from engagement.pipeline.adjustment import Adjustment
from engagement.pipeline.runtime import Runtime
from engagement.storage.tables import actions, ledger, members


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of the append-only points ledger."""

    key: str
    """The action's key, or for a ``manual`` entry the adjustment's own."""
    member: str
    entry_kind: str
    points: int
    rule_id: str
    ruleset_version: int
    explanation: dict[str, Any]
    created_at: datetime


_ENTRIES = (
    select(
        actions.c.key,
        members.c.member_id,
        ledger.c.entry_kind,
        ledger.c.points,
        ledger.c.rule_id,
        ledger.c.ruleset_version,
        ledger.c.explanation,
        ledger.c.created_at,
    )
    .outerjoin(actions, actions.c.id == ledger.c.action_id)
    .join(members, members.c.id == ledger.c.member_pk)
    .order_by(ledger.c.id)
)


def _entry(row: Any) -> LedgerEntry:
    key, *rest = row
    if key is None:  # a manual entry: its key is in its explanation
        explanation = row.explanation if isinstance(row.explanation, dict) else {}
        key = str(explanation.get("key") or "")
    return LedgerEntry(key, *rest)


class Ledger:
    """Points as the ledger holds them: awards, adjustments and revocations."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def adjust(
        self,
        member_id: str,
        points: int,
        *,
        reason: str,
        key: str,
        by: str | None = None,
        session: Session | None = None,
    ) -> Adjustment:
        """Add (or, negative, take away) ``points`` by hand, with a ``reason`` the member
        sees on their ledger; ``by`` names who did it, for audit.

        ``points`` is a whole number from -10,000 to 10,000 other than 0; ``reason``
        1 to 500 characters (stripped).  ``key`` makes it idempotent: the same key for
        the member again returns the first adjustment (``duplicate`` set) and writes
        nothing; with other points, reason or ``by`` it raises
        :class:`~engagement.exceptions.KeyConflictError`.  An unknown member raises
        :class:`~engagement.exceptions.UnknownMemberError`, bad input
        :class:`~engagement.exceptions.InvalidInputError` naming the field; nothing
        is written then.

        The entry counts in the member's total, level and leaderboards (in the
        periods holding the moment it is written), never in scoring caps or badges,
        which measure actions.  Sends :data:`engagement.signals.points_adjusted`.
        """
        member_id, points, reason, key, by = adjustment.checked_request(
            member_id, points, reason, key, by
        )
        runtime = self._runtime
        with runtime.unit(session) as (connection, after_commit):
            ruleset = runtime.active(connection)
            written, person = adjustment.adjust(
                connection,
                ruleset.boards,
                ruleset.version or 0,
                member_id,
                points,
                reason,
                key=key,
                by=by,
            )
            if person is not None:
                outcome = adjustment.level_after(
                    runtime.recognition, connection, ruleset, person, points, after_commit
                )
                runtime.announcer.adjustment(connection, after_commit, written)
                runtime.announcer.outcome(connection, after_commit, outcome)
            return written

    def points(self, member_id: str, *, session: Session | None = None) -> int:
        """The member's current total: awards, adjustments and revocations."""
        member_id = checked_id(member_id)
        with self._runtime.unit(session) as (connection, _):
            return int(
                connection.execute(
                    select(func.coalesce(func.sum(ledger.c.points), 0))
                    .join(members, members.c.id == ledger.c.member_pk)
                    .where(members.c.member_id == member_id)
                ).scalar_one()
            )

    def totals(self, *, session: Session | None = None) -> dict[str, int]:
        """Every member's current total, members without points included."""
        with self._runtime.unit(session) as (connection, _):
            rows = connection.execute(
                select(members.c.member_id, func.coalesce(func.sum(ledger.c.points), 0))
                .outerjoin(ledger, ledger.c.member_pk == members.c.id)
                .group_by(members.c.member_id)
            )
            return {member: int(points) for member, points in rows}

    def entries(
        self, member_id: str | None = None, *, session: Session | None = None
    ) -> list[LedgerEntry]:
        """Ledger entries in the order they were written, for one member or all."""
        if member_id is not None:
            member_id = checked_id(member_id)
        query = _ENTRIES if member_id is None else _ENTRIES.where(members.c.member_id == member_id)
        with self._runtime.unit(session) as (connection, _):
            return [_entry(row) for row in connection.execute(query)]

    def page(
        self,
        member_id: str,
        *,
        limit: int = 50,
        offset: int = 0,
        session: Session | None = None,
    ) -> tuple[list[LedgerEntry], int]:
        """One page of the member's entries, newest first, and how many there are.

        For pages members read (the API's "my ledger"): the whole ledger of a busy
        member is thousands of rows.
        """
        member_id = checked_id(member_id)
        for name, value, low in (("limit", limit, 1), ("offset", offset, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InvalidInputError(f"{name}: a whole number from {low}, not {value!r}")
        mine = members.c.member_id == member_id
        query = _ENTRIES.where(mine).order_by(None).order_by(ledger.c.id.desc())
        with self._runtime.unit(session) as (connection, _):
            total = connection.execute(
                select(func.count())
                .select_from(ledger)
                .join(members, members.c.id == ledger.c.member_pk)
                .where(mine)
            ).scalar_one()
            rows = connection.execute(query.limit(limit).offset(offset))
            return [_entry(row) for row in rows], int(total)
