"""What the engine and its facades share: the database, caches and announcer."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from engagement.badges.criteria import CriterionKindRegistry
from engagement.core.limits import DEFAULT_LIMITS, Limits
from engagement.pipeline.announcing import Announcer
from engagement.pipeline.recognition import Recognition
from engagement.pipeline.snapshots import EVERY
from engagement.pipeline.unit import AfterCommit, Transactions, Unit
from engagement.rules.kinds import RuleKindRegistry
from engagement.rules.ruleset import Ruleset
from engagement.rules.store import RulesetCache
from engagement.storage.history_cache import HistoryCache


class Runtime:
    """One engine's state in this process.

    Everything cached here is an optimisation: each cache is trusted only when the
    database proves it current, so several processes can share one database.
    """

    def __init__(
        self,
        database: Engine,
        rule_kinds: RuleKindRegistry,
        criteria_kinds: CriterionKindRegistry,
        *,
        history_cache_size: int,
        outbox: bool,
        snapshot_every: int = EVERY,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.database = database
        self.rule_kinds = rule_kinds
        self.criteria_kinds = criteria_kinds
        self.transactions = Transactions(database)
        self.rulesets = RulesetCache(rule_kinds, criteria_kinds)
        self.histories = HistoryCache(history_cache_size)
        self.recognition = Recognition(history_cache_size)
        self.announcer = Announcer(outbox=outbox)
        self.snapshot_every = snapshot_every
        """Actions between two snapshots of a member's state (0: none written)."""
        self.limits = limits

    def unit(
        self, session: Session | None, *, on_rollback: Iterable[AfterCommit] = ()
    ) -> AbstractContextManager[Unit]:
        """See :meth:`engagement.pipeline.unit.Transactions.unit`."""
        return self.transactions.unit(session, on_rollback=on_rollback)

    def active(self, connection: Connection) -> Ruleset:
        """The active ruleset, compiled once per version in this process."""
        return self.rulesets.active(connection)

    def forget_rulesets(self) -> None:
        """Drop every compiled ruleset (after a rolled-back activation)."""
        self.rulesets = RulesetCache(self.rule_kinds, self.criteria_kinds)

    def clear(self) -> None:
        """Forget every cached member history and badge state."""
        self.histories.clear()
        self.recognition.clear()
