"""``engine.outbox``: delivering the transactional outbox to other systems."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from engagement.exceptions import InvalidInputError
from engagement.outbox import LEASE, Deliver, DrainReport, OutboxMessage, store
from engagement.outbox import drain as draining
from engagement.outbox import follow as following
from engagement.outbox.message import Backlog
from engagement.pipeline.runtime import Runtime


class Outbox:
    """The outbox of an engine built with ``outbox=True`` (see docs/notifications.md)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def drain(
        self,
        deliver: Deliver,
        *,
        limit: int = 100,
        max_attempts: int = 8,
        lease: timedelta = LEASE,
        now: datetime | None = None,
    ) -> DrainReport:
        """Deliver up to ``limit`` due outbox messages to ``deliver``, at least once.

        ``deliver`` returns once a message is delivered and raises if it was not: the
        message is then retried with exponential backoff, and dead-lettered after
        ``max_attempts`` (see :meth:`requeue_dead`).  Messages are claimed for
        ``lease`` and delivered outside any transaction, so several drainers (cron
        jobs, workers) can run at once; a drainer that dies leaves its messages to
        come back after the lease, which is why a receiver can see a message twice
        and must be idempotent on :attr:`OutboxMessage.id`.  Runs in transactions of
        its own (there is no ``session=``).
        """
        return draining.drain(
            self._runtime.database,
            deliver,
            limit=limit,
            max_attempts=max_attempts,
            lease=lease,
            now=now,
        )

    def follow(
        self,
        deliver: Deliver,
        *,
        interval: float = 5.0,
        stop: threading.Event | None = None,
        limit: int = 100,
        max_attempts: int = 8,
        lease: timedelta = LEASE,
        max_polls: int | None = None,
        on_report: Callable[[DrainReport], None] | None = None,
    ) -> tuple[int, DrainReport]:
        """:meth:`drain` again and again, for a long-running service; returns how many
        drains ran and their totals.

        A full batch is followed at once, otherwise the next drain waits ``interval``
        seconds.  Runs until ``stop`` is set (a signal handler of the host's may set
        it: the current batch is finished first) or ``max_polls`` drains ran; errors
        other than failed deliveries (the database gone) propagate, for the service
        manager to restart the process.  ``on_report`` sees each batch's report.
        """
        event = stop if stop is not None else threading.Event()
        if not isinstance(event, threading.Event):
            raise InvalidInputError(f"stop: a threading.Event, or None, not {stop!r}")
        draining.check(deliver, limit, max_attempts, lease, None)
        return following.follow(
            lambda: self.drain(deliver, limit=limit, max_attempts=max_attempts, lease=lease),
            limit=limit,
            interval=interval,
            stop=event,
            max_polls=max_polls,
            on_report=on_report,
        )

    def messages(
        self, status: str | None = None, *, limit: int | None = 100, session: Session | None = None
    ) -> list[OutboxMessage]:
        """Outbox messages, oldest first: all, or those ``pending``, ``delivered`` or
        ``dead`` (dead letters carry their ``last_error``)."""
        with self._runtime.unit(session) as (connection, _):
            return store.messages(connection, status, limit)

    def backlog(self, *, session: Session | None = None) -> Backlog:
        """How many messages are pending, retrying, dead and delivered, and the lag
        of the oldest pending one: what to monitor (docs/operations.md)."""
        with self._runtime.unit(session) as (connection, _):
            return store.backlog(connection, datetime.now(UTC))

    def requeue_dead(
        self, ids: Iterable[int] | None = None, *, session: Session | None = None
    ) -> int:
        """Give dead letters (all, or those with ``ids``) a fresh set of attempts,
        due at once; returns how many.  Fix the receiver first."""
        chosen = None if ids is None else list(ids)
        with self._runtime.unit(session) as (connection, _):
            return store.requeue_dead(connection, chosen, datetime.now(UTC))

    def prune(self, delivered_before: datetime, *, session: Session | None = None) -> int:
        """Delete messages delivered before ``delivered_before``; returns how many.

        Delivered rows are kept for inspection until pruned; pending and dead ones
        are never pruned.
        """
        if not isinstance(delivered_before, datetime) or delivered_before.tzinfo is None:
            raise InvalidInputError("delivered_before: give an aware datetime (with a time zone)")
        with self._runtime.unit(session) as (connection, _):
            return store.prune(connection, delivered_before)
