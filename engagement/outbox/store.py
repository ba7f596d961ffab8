"""The outbox's SQL: writing events, claiming them, recording how delivery went.

Every function runs inside a transaction its caller owns.  A claim is a lease: it
pushes the message's ``next_attempt_at`` past the lease's end and counts the
attempt, and the attempt count it leaves is the claim's token, so a drainer whose
lease has run out cannot overwrite the schedule of the drainer that took over.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, case, delete, func, insert, select, update

from engagement.exceptions import InvalidInputError
from engagement.outbox.message import STATUSES, Backlog, OutboxMessage, Status
from engagement.outbox.tables import outbox
from engagement.storage.tables import members

_INSERT = insert(outbox)
_ERROR_LENGTH = 2000


def new_row(
    event: str, member: str | None, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The row announcing one event, due at once."""
    return {
        "event": event,
        "member_id": member,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def write(connection: Connection, rows: list[dict[str, Any]]) -> None:
    connection.execute(_INSERT, rows)


def claim(
    connection: Connection, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Take up to ``limit`` due pending messages, oldest first, until ``now + lease``.

    On PostgreSQL the rows are locked with ``SKIP LOCKED``, so drainers claiming at
    the same moment take different messages instead of queueing; SQLite's single
    writer serialises claims by itself.
    """
    query = (
        select(outbox)
        .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = connection.execute(query).mappings().all()
    if not rows:
        return []
    until = now + lease
    connection.execute(
        update(outbox)
        .where(outbox.c.id.in_([row["id"] for row in rows]))
        .values(attempts=outbox.c.attempts + 1, next_attempt_at=until)
    )
    claimed = [_message(row, attempts=row["attempts"] + 1, next_attempt_at=until) for row in rows]
    names = display_names(connection, {m for message in claimed for m in message.mentions})
    return [
        replace(message, names={m: names[m] for m in message.mentions if m in names})
        for message in claimed
    ]


def display_names(connection: Connection, member_ids: Collection[str]) -> dict[str, str]:
    """Display names of the members among ``member_ids`` who have one."""
    if not member_ids:
        return {}
    rows = connection.execute(
        select(members.c.member_id, members.c.display_name).where(
            members.c.member_id.in_(sorted(member_ids)), members.c.display_name.is_not(None)
        )
    )
    return {member_id: name for member_id, name in rows}


def delivered(connection: Connection, message_id: int, now: datetime) -> None:
    """Mark a message delivered, whoever holds its claim now: it was delivered."""
    connection.execute(
        update(outbox)
        .where(outbox.c.id == message_id, outbox.c.status == "pending")
        .values(status="delivered", delivered_at=now, next_attempt_at=now)
    )


def failed(
    connection: Connection,
    message: OutboxMessage,
    error: str,
    *,
    retry_at: datetime | None,
) -> bool:
    """Record a failed delivery: retry at ``retry_at``, or dead-letter it (``None``).

    Only while the caller's claim still holds (same attempt count); returns whether
    it did.
    """
    values: dict[str, Any] = {"last_error": error[:_ERROR_LENGTH]}
    if retry_at is None:
        values["status"] = "dead"
    else:
        values["next_attempt_at"] = retry_at
    result = connection.execute(
        update(outbox)
        .where(
            outbox.c.id == message.id,
            outbox.c.status == "pending",
            outbox.c.attempts == message.attempts,
        )
        .values(**values)
    )
    return bool(result.rowcount)


def release(connection: Connection, claimed: Iterable[OutboxMessage], now: datetime) -> None:
    """Hand back claimed messages that were never tried: due at once, attempt uncounted."""
    for message in claimed:
        connection.execute(
            update(outbox)
            .where(
                outbox.c.id == message.id,
                outbox.c.status == "pending",
                outbox.c.attempts == message.attempts,
            )
            .values(attempts=message.attempts - 1, next_attempt_at=now)
        )


def messages(connection: Connection, status: str | None, limit: int | None) -> list[OutboxMessage]:
    """Messages in ``status`` (every status when ``None``), oldest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"status: one of {', '.join(STATUSES)} (or None for all), not {status!r}"
        )
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidInputError(f"limit: a number of messages, 1 or more, not {limit!r}")
    query = select(outbox).order_by(outbox.c.id).limit(limit)
    if status is not None:
        query = query.where(outbox.c.status == status)
    return [_message(row) for row in connection.execute(query).mappings()]


def backlog(connection: Connection, now: datetime) -> Backlog:
    """Counts by status and the oldest pending message, in one grouped query."""
    rows = connection.execute(
        select(
            outbox.c.status,
            func.count(),
            func.sum(case((outbox.c.attempts > 0, 1), else_=0)),
            func.min(outbox.c.created_at),
        ).group_by(outbox.c.status)
    ).all()
    found = {status: (count, retrying, oldest) for status, count, retrying, oldest in rows}
    pending, retrying, oldest = found.get("pending", (0, 0, None))
    return Backlog(
        at=now,
        pending=int(pending),
        retrying=int(retrying or 0),
        dead=int(found.get("dead", (0,))[0]),
        delivered=int(found.get("delivered", (0,))[0]),
        oldest_pending=oldest,
    )


def requeue_dead(connection: Connection, ids: Collection[int] | None, now: datetime) -> int:
    """Make dead letters (all, or those in ``ids``) pending and due now, with their
    attempts reset; returns how many.  ``last_error`` is kept until the next try."""
    query = update(outbox).where(outbox.c.status == "dead")
    if ids is not None:
        query = query.where(outbox.c.id.in_(list(ids)))
    result = connection.execute(query.values(status="pending", attempts=0, next_attempt_at=now))
    return int(result.rowcount)


def prune(connection: Connection, delivered_before: datetime) -> int:
    """Delete messages delivered before ``delivered_before``; returns how many.

    The newest message is always kept: SQLite numbers a new row after the highest id
    left, so deleting it would hand its id to the next message, which receivers
    would then drop as a repeat.
    """
    newest = select(func.max(outbox.c.id)).scalar_subquery()
    result = connection.execute(
        delete(outbox).where(
            outbox.c.status == "delivered",
            outbox.c.delivered_at < delivered_before,
            outbox.c.id < newest,
        )
    )
    return int(result.rowcount)


def _message(row: RowMapping, **changes: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "id": row["id"],
        "event": row["event"],
        "member": row["member_id"],
        "payload": row["payload"],
        "status": _status(row["status"]),
        "attempts": row["attempts"],
        "created_at": row["created_at"],
        "next_attempt_at": row["next_attempt_at"],
        "last_error": row["last_error"],
        "delivered_at": row["delivered_at"],
    }
    fields.update(changes)
    return OutboxMessage(**fields)


def _status(value: str) -> Status:
    for status in STATUSES:
        if value == status:
            return status
    raise ValueError(f"engagement_outbox holds an unknown status {value!r}")
