"""Turning what a write did into events, and announcing them once it commits.

One list of events feeds both ways out: blinker signals, sent after the commit
(see :mod:`engagement.signals`), and, for an engine with an outbox, rows written
in the same transaction (see :mod:`engagement.outbox`).  An engine without an
outbox and without receivers builds nothing, so recording pays nothing for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

from blinker import NamedSignal
from sqlalchemy import Connection

from engagement import signals
from engagement.core.actions import Action
from engagement.core.scoring import Award
from engagement.outbox import store
from engagement.outbox.message import payload_json
from engagement.pipeline.adjustment import Adjustment
from engagement.pipeline.kudos import kudos_in
from engagement.pipeline.outcome import Outcome
from engagement.pipeline.revocation import Revocation
from engagement.rules.ruleset import Ruleset

logger = logging.getLogger("engagement")

AfterCommit = Callable[[], None]


class Event(NamedTuple):
    """One thing to announce: sent as ``signal`` with ``{keyword: payload}``."""

    signal: NamedSignal
    keyword: str
    payload: Any
    member: str


_ACTION_SIGNALS = (signals.action_recorded, signals.points_awarded, signals.kudos_given)
_OUTCOME_SIGNALS = (
    signals.badge_awarded,
    signals.badge_revoked,
    signals.level_reached,
    signals.challenge_completed,
)


class Announcer:
    """Announces an engine's events: by signal always, by outbox row if ``outbox``."""

    def __init__(self, *, outbox: bool) -> None:
        self.outbox = outbox

    def awards(
        self,
        connection: Connection,
        after_commit: list[AfterCommit],
        recorded: Iterable[tuple[Action, Award]],
        ruleset: Ruleset | None,
    ) -> None:
        """Announce new awards (duplicates are skipped) and the kudos they carry."""
        if self.outbox or _heard(_ACTION_SIGNALS):
            events = [
                event
                for action, award in recorded
                if not award.duplicate
                for event in award_events(action, award, ruleset)
            ]
            self.announce(connection, after_commit, events)

    def outcome(
        self, connection: Connection, after_commit: list[AfterCommit], outcome: Outcome
    ) -> None:
        if outcome and (self.outbox or _heard(_OUTCOME_SIGNALS)):
            self.announce(connection, after_commit, list(outcome_events(outcome)))

    def revocation(
        self, connection: Connection, after_commit: list[AfterCommit], revocation: Revocation
    ) -> None:
        event = Event(signals.action_revoked, "revocation", revocation, revocation.member)
        self.announce(connection, after_commit, [event])

    def adjustment(
        self, connection: Connection, after_commit: list[AfterCommit], adjustment: Adjustment
    ) -> None:
        event = Event(signals.points_adjusted, "adjustment", adjustment, adjustment.member)
        self.announce(connection, after_commit, [event])

    def announce(
        self, connection: Connection, after_commit: list[AfterCommit], events: Sequence[Event]
    ) -> None:
        """Queue each event's signal for after the commit; write its outbox row now."""
        rows: list[dict[str, Any]] = []
        now = datetime.now(UTC)
        for event in events:
            if event.signal.receivers:
                after_commit.append(partial(send, event.signal, **{event.keyword: event.payload}))
            if self.outbox:
                rows.append(
                    store.new_row(event.signal.name, event.member, payload_json(event.payload), now)
                )
        if rows:
            store.write(connection, rows)


def award_events(action: Action, award: Award, ruleset: Ruleset | None) -> Iterator[Event]:
    yield Event(signals.action_recorded, "award", award, award.member)
    if award.points > 0:
        yield Event(signals.points_awarded, "award", award, award.member)
    kudos = kudos_in(action, ruleset) if ruleset is not None else None
    if kudos is not None:
        yield Event(signals.kudos_given, "kudos", kudos, kudos.giver)


def outcome_events(outcome: Outcome) -> Iterator[Event]:
    for badge in outcome.awarded:
        yield Event(signals.badge_awarded, "badge", badge, badge.member)
    for revoked in outcome.revoked:
        yield Event(signals.badge_revoked, "badge", revoked, revoked.member)
    for level in outcome.levels:
        yield Event(signals.level_reached, "level", level, level.member)
    for completion in outcome.completed:
        yield Event(signals.challenge_completed, "completion", completion, completion.member)


def send(signal: NamedSignal, **payload: Any) -> None:
    """Send ``signal`` to each receiver in turn; one that raises is logged and skipped."""
    for receiver in signal.receivers_for(None):
        try:
            receiver(None, **payload)
        except Exception:
            logger.exception("receiver %r of signal %r failed", receiver, signal.name)


def _heard(chosen: Iterable[NamedSignal]) -> bool:
    return any(signal.receivers for signal in chosen)
