"""What the outbox holds and hands to receivers, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from engagement.core.scoring import Award

Status = Literal["pending", "delivered", "dead"]
STATUSES: tuple[Status, ...] = ("pending", "delivered", "dead")


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One event waiting for, or past, delivery.

    ``id`` is stable across retries and drainers: delivery is at-least-once, so a
    receiver that must not act twice keeps the ids it has handled.  ``event`` is the
    signal's name (``badge-awarded``…) and ``payload`` the signal's payload as JSON
    (see docs/notifications.md).  ``attempts`` counts deliveries started, this one
    included while it is being delivered.  ``names`` maps the ids of the members the
    message mentions to their display names as they are at delivery time (empty when
    inspecting), so a notifier can say "Alice" rather than "u-42".
    """

    id: int
    event: str
    member: str | None
    payload: Mapping[str, Any]
    status: Status
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None = None
    delivered_at: datetime | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, member_id: str | None) -> str:
        """The member's display name, or their id when they have none."""
        if member_id is None:
            return "someone"
        return self.names.get(member_id) or member_id

    @property
    def mentions(self) -> tuple[str, ...]:
        """The members the message is about: its member, and a colleague it names."""
        found = [self.member, self.payload.get("receiver")]
        return tuple(dict.fromkeys(m for m in found if isinstance(m, str)))


@dataclass(frozen=True, slots=True)
class DrainReport:
    """What one :meth:`engine.outbox.drain <engagement.facades.Outbox.drain>` call did.

    ``failed`` messages are scheduled for a retry; ``dead`` ones failed for the last
    time and wait for :meth:`~engagement.facades.Outbox.requeue_dead`.  ``released``
    were claimed but handed back untried because the claim's lease ran out first.
    """

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0


@dataclass(frozen=True, slots=True)
class Backlog:
    """How the outbox stands, for monitoring (:meth:`engine.outbox.backlog
    <engagement.facades.Outbox.backlog>`).

    ``pending`` messages wait for delivery, ``retrying`` of them after a failure;
    ``dead`` ones wait for someone to fix the receiver and requeue them;
    ``delivered`` ones wait to be pruned.  ``oldest_pending`` is when the oldest
    undelivered message was written, ``at`` when this was measured.
    """

    at: datetime
    pending: int = 0
    retrying: int = 0
    dead: int = 0
    delivered: int = 0
    oldest_pending: datetime | None = None

    @property
    def lag(self) -> timedelta:
        """How long the oldest undelivered message has waited (zero when none does):
        the figure to alert on, as receivers see events this late."""
        if self.oldest_pending is None:
            return timedelta(0)
        return max(timedelta(0), self.at - self.oldest_pending)


def payload_json(payload: object) -> dict[str, Any]:
    """A signal's payload as a JSON object, as the outbox stores it."""
    if isinstance(payload, Award):
        return {
            "key": payload.key,
            "member": payload.member,
            "verb": payload.verb,
            "points": payload.points,
            "summary": payload.summary,
            "steps": payload.explanation()["steps"],
            "ruleset_version": payload.ruleset_version,
            "badges": [badge.label for badge in payload.badges],
        }
    if not is_dataclass(payload) or isinstance(payload, type):
        raise TypeError(f"cannot store {payload!r} in the outbox: not a dataclass instance")
    data = asdict(payload)
    data.pop("duplicate", None)  # only new writes are announced
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}
