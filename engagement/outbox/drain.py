"""Delivering the outbox, at least once, to a receiver in another system.

A drain claims a batch of due messages with a lease and commits, delivers each
outside any transaction (a slow webhook must not hold locks or a PostgreSQL
transaction open), then records each outcome in a short transaction of its own.
A drainer that dies mid-batch leaves its messages to come back when the lease
ends, so a message can be delivered twice, never lost: receivers must be
idempotent, keyed on :attr:`OutboxMessage.id`.

Failures are retried with exponential backoff (30 s, 1 min, 2 min… at most an
hour); after ``max_attempts`` a message is dead-lettered until someone requeues it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from engagement.exceptions import InvalidInputError
from engagement.outbox import store
from engagement.outbox.message import DrainReport, OutboxMessage
from engagement.storage.database import missing_schema

logger = logging.getLogger("engagement.outbox")

Deliver = Callable[[OutboxMessage], None]
"""A receiver: returns once the message is delivered, raises if it was not."""

LEASE = timedelta(minutes=5)
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed delivery before the next."""
    return min(RETRY_MAX, RETRY_FIRST * (1 << min(max(attempts - 1, 0), 16)))


def drain(
    database: Engine,
    deliver: Deliver,
    *,
    limit: int = 100,
    max_attempts: int = 8,
    lease: timedelta = LEASE,
    now: datetime | None = None,
) -> DrainReport:
    """Deliver up to ``limit`` due messages once each; see the module's docstring.

    A delivery only starts within the first half of the lease, so one that starts
    late still has half the lease to finish before another drainer may take its
    message; the rest of the batch is handed back untried.  ``now`` (an aware
    datetime) stands for the clock when deciding what is due and scheduling retries.
    """
    check(deliver, limit, max_attempts, lease, now)
    clock: Callable[[], datetime] = (lambda: now) if now is not None else _utcnow
    start = clock()
    starts_until = time.monotonic() + lease.total_seconds() / 2
    with _transaction(database) as connection:
        claimed = store.claim(connection, start, lease, limit)
    delivered = failed = dead = 0
    for index, message in enumerate(claimed):
        if message.attempts > max_attempts:
            # Claimed that many times without an outcome: its drainers died on it.
            error = f"claimed {message.attempts - 1} times without an outcome"
            dead += _fail(database, message, error, retry_at=None)
            continue
        if time.monotonic() >= starts_until:
            untried = claimed[index:]
            with _transaction(database) as connection:
                store.release(connection, untried, clock())
            return DrainReport(len(claimed), delivered, failed, dead, len(untried))
        try:
            deliver(message)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            logger.warning(
                "outbox message %s (%s), attempt %s/%s: %s",
                message.id,
                message.event,
                message.attempts,
                max_attempts,
                error,
            )
            if message.attempts >= max_attempts:
                dead += _fail(database, message, error, retry_at=None)
            else:
                retry_at = clock() + retry_delay(message.attempts)
                failed += _fail(database, message, error, retry_at=retry_at)
        else:
            with _transaction(database) as connection:
                store.delivered(connection, message.id, clock())
            delivered += 1
    return DrainReport(len(claimed), delivered, failed, dead)


def _fail(
    database: Engine, message: OutboxMessage, error: str, *, retry_at: datetime | None
) -> int:
    with _transaction(database) as connection:
        return int(store.failed(connection, message, error, retry_at=retry_at))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def check(deliver: object, limit: object, max_attempts: object, lease: object, now: object) -> None:
    """Refuse drain arguments that are not what :func:`drain` documents."""
    if not callable(deliver):
        raise InvalidInputError(
            f"deliver: a callable taking an OutboxMessage (e.g. a WebhookReceiver), not {deliver!r}"
        )
    for name, value in (("limit", limit), ("max_attempts", max_attempts)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidInputError(f"{name}: a whole number, 1 or more, not {value!r}")
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise InvalidInputError(f"lease: a positive timedelta, not {lease!r}")
    if now is not None and (not isinstance(now, datetime) or now.tzinfo is None):
        raise InvalidInputError("now: give an aware datetime (with a time zone), or None")


@contextmanager
def _transaction(database: Engine) -> Iterator[Connection]:
    """A short transaction of the drainer's own; missing tables say how to add them."""
    with database.begin() as connection:
        try:
            yield connection
        except Exception as error:
            replacement = missing_schema(connection, error)
            if replacement is not None:
                raise replacement from error
            raise
