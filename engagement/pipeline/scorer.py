"""The scoring stage of the write pipeline: an action, under its member's lock, becomes
its log row, its fact and its award.

``record()`` and ``record_many()`` both go through :class:`Scorer`; they differ only in
how they read what colleagues did before an action (:class:`Judgements`): one action
asks the database directly (two indexed reads at most), a batch reads everything its
actions need once and counts its own actions as it goes, so that an import judges
each action exactly as if the actions had been recorded one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from engagement.core.actions import Action
from engagement.core.facts import Fact, Step
from engagement.core.history import MemberHistory
from engagement.core.periods import zone
from engagement.core.scoring import Award, score_and_remember
from engagement.pipeline.arrival import deferred_step
from engagement.pipeline.echoes import BatchEchoes, echo_of
from engagement.pipeline.kudos import ThanksBack, read_returned, reciprocal
from engagement.rules.ruleset import Ruleset
from engagement.storage.rows import action_row, fact_from_row


class Judgements(Protocol):
    """What scoring reads about colleagues at logging time: whether an action's words
    echo a colleague's comment on the same item, and whether thanks were given back."""

    def measure(self, row: dict[str, Any]) -> None:
        """Set ``row["echo"]`` on the log row about to be written."""

    def set_returned(self, fact: Fact) -> None:
        """Set ``fact.returned``: the thanks its colleague gave its member near it."""

    def add(self, fact: Fact) -> None:
        """Count ``fact``, just scored, among what the next actions meet."""


class AskTheLog:
    """:class:`Judgements` for one action: the database answers, as logged so far."""

    def __init__(self, connection: Connection, ruleset: Ruleset) -> None:
        self._connection = connection
        self._ruleset = ruleset

    def measure(self, row: dict[str, Any]) -> None:
        row["echo"] = echo_of(self._connection, row)

    def set_returned(self, fact: Fact) -> None:
        read_returned(self._connection, fact, self._ruleset)

    def add(self, fact: Fact) -> None:
        """Nothing: the next action is scored in its own call, and asks the log."""


class ReadOnce:
    """:class:`Judgements` for a batch: what was logged before it, read once, then the
    batch's own actions as they are scored."""

    def __init__(self, connection: Connection, ruleset: Ruleset, batch: Iterable[Action]) -> None:
        batch = list(batch)
        self._echoes = BatchEchoes(
            connection, (a.content.id for a in batch if a.content and a.text)
        )
        self._thanks = ThanksBack(ruleset)
        if self._thanks:
            self._thanks.read(connection, (a.member for a in batch if reciprocal(a, ruleset)))

    def measure(self, row: dict[str, Any]) -> None:
        self._echoes.measure(row)

    def set_returned(self, fact: Fact) -> None:
        if self._thanks:
            self._thanks.set_returned(fact)

    def add(self, fact: Fact) -> None:
        if self._thanks:
            self._thanks.add(fact)


class Scorer:
    """Scores actions under one ruleset, judging them with ``judgements``."""

    def __init__(self, ruleset: Ruleset, judgements: Judgements) -> None:
        self.ruleset = ruleset
        self._judgements = judgements

    def logged(
        self, action: Action, *, member_pk: int, seq: int, tz_name: str
    ) -> tuple[dict[str, Any], Fact]:
        """The action's log row (numbered ``seq`` among its member's) and its fact, with
        what colleagues did before it measured."""
        row = action_row(action, member_pk=member_pk, seq=seq, tz_name=tz_name)
        self._judgements.measure(row)
        fact = fact_from_row(row, action.member, zone(tz_name))
        self._judgements.set_returned(fact)
        return row, fact

    def score(
        self,
        action: Action,
        row: dict[str, Any],
        fact: Fact,
        history: MemberHistory,
        scored_as_of: datetime | None = None,
    ) -> Award:
        """Score ``fact`` against ``history`` (which then remembers it); with
        ``scored_as_of``, the action arrived too late to be scored in its place and is
        scored as of then (see :mod:`engagement.pipeline.rescoring`)."""
        steps = score_and_remember(fact, history, self.ruleset)
        if scored_as_of is not None:
            row["scored_as_of"] = scored_as_of
            steps = (*steps, deferred_step(self.ruleset, scored_as_of))
        return self.award(action, fact, steps)

    def award(self, action: Action, fact: Fact, steps: tuple[Step, ...]) -> Award:
        """The award of ``fact``, already scored in ``steps``."""
        self._judgements.add(fact)
        return Award(
            action.key, action.member, action.verb, fact.points, steps, self.ruleset.version
        )
