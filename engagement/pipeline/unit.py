"""Units of work: one transaction, and what waits for its commit.

Every engine operation runs in a *unit*: a connection inside a transaction, plus a
list of work to run once that transaction has committed (signals, cache refills).
Without a caller's session the unit is a transaction of the engine's own; with one,
it works inside the caller's transaction, never commits it, and its after-commit
work waits for the caller's commit (or is dropped, with the ``on_rollback`` work
run, if the caller rolls back).  So receivers never see rolled-back work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, SessionTransaction

from engagement.exceptions import InvalidInputError
from engagement.leaderboards import tallies
from engagement.storage.database import missing_schema

AfterCommit = Callable[[], None]
"""Work that must wait until the transaction commits: signals, cache refills."""
Unit = tuple[Connection, list[AfterCommit]]
"""A connection in a transaction, and the work to run once it commits."""

_PENDING = "engagement.after_commit"
_ON_ROLLBACK = "engagement.after_rollback"


class Transactions:
    """Opens units of work on one database (see the module's docstring)."""

    def __init__(self, database: Engine) -> None:
        self.database = database

    @contextmanager
    def unit(
        self, session: Session | None, *, on_rollback: Iterable[AfterCommit] = ()
    ) -> Iterator[Unit]:
        """A connection in a transaction, and a list of work to run once it commits.

        ``on_rollback`` runs if the work fails or the caller's session does not commit.
        A statement that fails because the engine's tables are missing raises
        :class:`engagement.NotConfiguredError`; that check runs only on failure.
        """
        after_commit: list[AfterCommit] = []
        if session is None:
            try:
                with self.database.begin() as connection:
                    tallies.discard(connection)
                    try:
                        yield connection, after_commit
                        tallies.flush(connection)
                    except Exception as error:
                        tallies.discard(connection)
                        raise_if_not_configured(connection, error)
                        raise
            except BaseException:
                run(list(on_rollback))
                raise
            run(after_commit)
            return
        connection = session.connection()
        tallies.discard(connection)
        try:
            yield connection, after_commit
            # The host's session may write more before it commits; the tallies still
            # come after every member lock the engine took.
            tallies.flush(connection)
        except Exception as error:
            tallies.discard(connection)
            run(list(on_rollback))
            raise_if_not_configured(connection, error)
            raise
        if after_commit or on_rollback:
            _defer_until_commit(session, after_commit, list(on_rollback))


def raise_if_not_configured(connection: Connection, error: Exception) -> None:
    """Raise :class:`NotConfiguredError` from ``error`` if the engine's tables are missing."""
    replacement = missing_schema(connection, error)
    if replacement is not None:
        raise replacement from error


def instant(at: datetime | None) -> float:
    """POSIX seconds of ``at`` (an aware datetime), or of now."""
    if at is None:
        return time.time()
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidInputError("at: give an aware datetime (with a time zone)")
    return at.timestamp()


def run(work: list[AfterCommit]) -> None:
    for each in work:
        each()


def _defer_until_commit(
    session: Session, after_commit: list[AfterCommit], on_rollback: list[AfterCommit]
) -> None:
    """Run ``after_commit`` when ``session`` commits, or ``on_rollback`` when its
    transaction ends otherwise (rolled back, or closed without a commit)."""
    pending: list[AfterCommit] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        session.info[_ON_ROLLBACK] = []

        def _after_commit(committed: Session) -> None:
            ready = list(committed.info.get(_PENDING, ()))
            committed.info[_PENDING] = []
            committed.info[_ON_ROLLBACK] = []
            run(ready)

        def _after_transaction_end(ended: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is not None:  # a savepoint or subtransaction
                return
            undo = list(ended.info.get(_ON_ROLLBACK, ()))  # empty after a commit
            ended.info[_PENDING] = []
            ended.info[_ON_ROLLBACK] = []
            run(undo)

        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_transaction_end", _after_transaction_end)
    pending.extend(after_commit)
    session.info[_ON_ROLLBACK].extend(on_rollback)
