"""The engine facade: what a host application holds and calls."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engagement import migrations
from engagement.badges.criteria import CriterionKindRegistry
from engagement.badges.kinds import default_criteria
from engagement.core.actions import Action
from engagement.core.limits import DEFAULT_LIMITS, Limits
from engagement.core.scoring import Award
from engagement.exceptions import InvalidInputError
from engagement.facades import Analytics, Badges, Boards, Ledger, Members, Outbox
from engagement.leaderboards.rebuild import rebuild as rebuild_scores
from engagement.pipeline import replay as replaying
from engagement.pipeline import writes
from engagement.pipeline.revocation import Revocation
from engagement.pipeline.runtime import Runtime
from engagement.pipeline.snapshots import EVERY
from engagement.pipeline.unit import raise_if_not_configured
from engagement.rules import default_registry, load_ruleset, load_ruleset_file
from engagement.rules.kinds import RuleKindRegistry
from engagement.rules.ruleset import Ruleset
from engagement.rules.store import activate, active_version
from engagement.storage.database import create_database_engine
from engagement.storage.tables import metadata

DEFAULT_DATABASE = "sqlite:///engagement.db"


class Engagement:
    """The gamification engine of one programme, over one database.

    Built from a database URL (by default ``sqlite:///engagement.db``, a file in the
    working directory; or ``postgresql+psycopg://…``) or from a host's SQLAlchemy
    :class:`~sqlalchemy.Engine`.  The engine itself keeps the schema, the rules and
    the writes of the action log; the rest is in namespaces: :attr:`members`,
    :attr:`badges`, :attr:`boards`, :attr:`ledger`, :attr:`outbox` and
    :attr:`analytics`.

    Every operation accepts ``session=``: given one, it works inside the caller's
    transaction (it flushes, never commits, and its signals wait for the caller's
    commit); without one, it runs in a transaction of its own.  Errors caused by the
    caller's input raise :class:`engagement.InvalidInputError` (or a subclass) and
    write nothing.

    ``history_cache_size`` bounds how many members' histories this process keeps
    between calls (0 turns the cache off); a process without a member's current
    history reads it from the member's snapshot, written every ``snapshot_every``
    of their actions in the action's own transaction (0 writes none; see
    :mod:`engagement.pipeline.snapshots`).  With ``outbox=True`` every event the
    signals announce is also written to the outbox table, in the same transaction,
    for :meth:`Outbox.drain` to deliver to other systems.  ``limits`` sets what the
    engine accepts where a host may need other bounds than the defaults (topics per
    content, the dates actions may carry; see :class:`engagement.Limits`).
    :meth:`close`, or leaving a ``with`` block, releases the connection pool if the
    engine created it from a URL.
    """

    def __init__(
        self,
        database: str | sa.URL | Engine = DEFAULT_DATABASE,
        *,
        rule_kinds: RuleKindRegistry | None = None,
        criteria_kinds: CriterionKindRegistry | None = None,
        history_cache_size: int = 4096,
        outbox: bool = False,
        snapshot_every: int = EVERY,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        if (
            not isinstance(history_cache_size, int)
            or isinstance(history_cache_size, bool)
            or history_cache_size < 0
        ):
            raise InvalidInputError(
                f"history_cache_size: a number of members, 0 or more, not {history_cache_size!r}"
            )
        if (
            not isinstance(snapshot_every, int)
            or isinstance(snapshot_every, bool)
            or not 0 <= snapshot_every <= 100_000
        ):
            raise InvalidInputError(
                f"snapshot_every: a number of actions from 0 (no snapshots) to 100000, "
                f"not {snapshot_every!r}"
            )
        if not isinstance(outbox, bool):
            raise InvalidInputError(f"outbox: True or False, not {outbox!r}")
        if not isinstance(limits, Limits):
            raise InvalidInputError(f"limits: an engagement.Limits, not {limits!r}")
        self._owns_database = not isinstance(database, Engine)
        self.database = (
            database if isinstance(database, Engine) else create_database_engine(database)
        )
        self.rule_kinds = rule_kinds if rule_kinds is not None else default_registry()
        """Rule kinds; register a host's own on it before loading rules."""
        self.criteria_kinds = criteria_kinds if criteria_kinds is not None else default_criteria()
        """Badge criteria kinds; register a host's own on it before loading rules."""
        self._runtime = runtime = Runtime(
            self.database,
            self.rule_kinds,
            self.criteria_kinds,
            history_cache_size=history_cache_size,
            outbox=outbox,
            snapshot_every=snapshot_every,
            limits=limits,
        )
        self.limits = limits
        """What the engine accepts (see :class:`~engagement.core.limits.Limits`)."""
        self.members = Members(runtime)
        """Enrolment, consent, erasure and export (:class:`~engagement.facades.Members`)."""
        self.badges = Badges(runtime)
        """Badges, levels and challenges (:class:`~engagement.facades.Badges`)."""
        self.boards = Boards(runtime)
        """Leaderboards and standings (:class:`~engagement.facades.Boards`)."""
        self.ledger = Ledger(runtime)
        """Points and ledger entries (:class:`~engagement.facades.Ledger`)."""
        self.outbox = Outbox(runtime)
        """The transactional outbox (:class:`~engagement.facades.Outbox`)."""
        self.analytics = Analytics(runtime)
        """Reach and programme KPIs (:class:`~engagement.facades.Analytics`)."""

    def close(self) -> None:
        """Release the connection pool, if this engine created it.

        A host's own :class:`~sqlalchemy.Engine` is left alone: the host may still use
        it, and disposing it is the host's call.  The cached histories go too.
        """
        self._runtime.clear()
        if self._owns_database:
            self.database.dispose()

    def clear_caches(self) -> None:
        """Forget what this process caches (members' histories and badge states).

        Nothing is lost: each is rebuilt from the database on demand, as another
        process would.  Useful after restoring a backup under a running engine.
        """
        self._runtime.clear()

    def cached_members(self) -> int:
        """How many members' histories this process holds now (for monitoring)."""
        return len(self._runtime.histories)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- schema and rules ---------------------------------------------------------

    def create_schema(self) -> None:
        """Bring the engine's tables (``engagement_*``) to the newest revision.

        "Upgrade to head" (:func:`engagement.migrations.upgrade`, also
        ``engagement upgrade``): an empty database gets every table; one from an
        earlier version runs the migrations since, keeping every row.  Safe to call
        at every start, from several processes at once.
        """
        migrations.upgrade(self.database)

    def drop_schema(self) -> None:
        """Drop the engine's tables, everything in them, and their recorded revision."""
        metadata.drop_all(self.database)
        with self.database.begin() as connection:
            migrations.drop_version_table(connection)

    def load_rules(self, path: str | Path) -> Ruleset:
        """Validate the rule file at ``path`` without activating it.

        Raises :class:`engagement.RuleFileError` listing every problem.
        """
        return load_ruleset_file(path, self.rule_kinds, self.criteria_kinds)

    def load_rules_text(self, text: str, *, source: str = "<rules>") -> Ruleset:
        """Validate rule-file ``text`` (``source`` names it in errors) without activating it."""
        return load_ruleset(text, self.rule_kinds, source=source, criteria=self.criteria_kinds)

    def activate_rules(
        self, rules: str | Path | Ruleset, *, session: Session | None = None
    ) -> Ruleset:
        """Make ``rules`` (a path or a loaded :class:`Ruleset`) the active ruleset.

        A new version is stored and switched to in one transaction; a file with
        problems raises before anything is written.  Actions recorded earlier keep
        the points they were given; use :meth:`replay` to rescore them.
        """
        ruleset = rules if isinstance(rules, Ruleset) else self.load_rules(rules)
        source = str(rules) if not isinstance(rules, Ruleset) else "<rules>"
        runtime = self._runtime
        # The version number only becomes this text's once the transaction commits: a
        # rolled-back activation frees it for another text, which the cache (keyed by
        # version) must then not shadow.  So it is remembered after commit, and on
        # rollback every compiled version (also one read back inside the doomed
        # transaction) is dropped, to be recompiled from the database on demand.
        with runtime.unit(session, on_rollback=[runtime.forget_rulesets]) as (
            connection,
            after_commit,
        ):
            version = active_version(connection)
            previous = runtime.rulesets.get(connection, version) if version is not None else None
            stored = activate(connection, ruleset, source)
            if previous is None or previous.boards.signature != stored.boards.signature:
                # The boards' weeks or seasons moved: every score row is re-cut.
                rebuild_scores(connection, stored.boards)
            after_commit.append(partial(runtime.rulesets.remember, stored))
        return stored

    def active_rules(self, *, session: Session | None = None) -> Ruleset:
        """The active ruleset; :class:`engagement.NotConfiguredError` if there is none."""
        with self._runtime.unit(session) as (connection, _):
            return self._runtime.active(connection)

    # -- writing the action log -----------------------------------------------------

    def record(
        self, action: Action | Mapping[str, Any], *, session: Session | None = None
    ) -> Award:
        """Log one action and award its points; idempotent by ``action.key``.

        Recording a key again, even concurrently from another process, awards
        nothing new and returns the first award with ``duplicate=True``.
        """
        return writes.record(self._runtime, action, session)

    def record_many(
        self,
        actions: Iterable[Action | Mapping[str, Any]],
        *,
        session: Session | None = None,
        create_members: bool = False,
        notify: bool = False,
    ) -> list[Award]:
        """Log many actions in order, all or nothing, much faster than :meth:`record`.

        Made for imports and backfills, which is why signals and outbox messages are
        only sent with ``notify=True``.  With ``create_members``, unknown members are created
        (not opted in).  Every action is validated before anything is written.
        """
        return writes.record_many(
            self._runtime, actions, session, create_members=create_members, notify=notify
        )

    def revoke(self, key: str, reason: str, *, session: Session | None = None) -> Revocation:
        """Revoke the action logged under ``key`` with a compensating ledger entry.

        Revoking twice writes nothing more and returns the first revocation with
        ``duplicate=True``.  Raises :class:`engagement.UnknownActionError` for a key
        never recorded.
        """
        return writes.revoke(self._runtime, key, reason, session)

    def replay(
        self, *, apply: bool = False, rules: Ruleset | None = None, session: Session | None = None
    ) -> replaying.ReplayReport:
        """Rescore the whole log under the active ruleset (or ``rules``).

        Without ``apply`` it only reports differences with the ledger; with it, it
        appends an adjustment entry per differing action, so the ledger then equals
        the replay while keeping its history.  Only the active ruleset can be applied
        (:class:`engagement.InvalidInputError` otherwise): the ledger must agree with
        what later actions, scored under the active rules, will be given.
        """
        with self._runtime.unit(session) as (connection, _):
            ruleset = rules if rules is not None else self._runtime.active(connection)
            return replaying.replay(connection, ruleset, apply=apply)

    def replayed_awards(self, *, rules: Ruleset | None = None) -> Iterator[Award]:
        """The award each logged action gets when the log is replayed, member by member."""
        with self.database.connect() as connection:
            try:
                ruleset = rules if rules is not None else self._runtime.active(connection)
                for replayed in replaying.replay_awards(connection, ruleset):
                    yield replayed.award
            except Exception as error:
                raise_if_not_configured(connection, error)
                raise
