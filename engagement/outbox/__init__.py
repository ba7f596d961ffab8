"""The transactional outbox: recognition events for receivers in other processes.

An engine made with ``Engagement(..., outbox=True)`` writes one row per event (the
same events as :mod:`engagement.signals`) in the transaction that caused it, so a
committed award always has its message and a rolled-back one never does.
:meth:`engagement.Engagement.drain_outbox` delivers them at least once, with
retries and dead letters; :class:`WebhookReceiver` posts them to Slack or Teams.
"""

from __future__ import annotations

from .drain import LEASE, Deliver, retry_delay
from .message import STATUSES, DrainReport, OutboxMessage, Status
from .tables import outbox
from .webhook import EVENTS, RECOGNITION, DeliveryError, WebhookReceiver
from .wording import describe

__all__ = [
    "EVENTS",
    "LEASE",
    "RECOGNITION",
    "STATUSES",
    "Deliver",
    "DeliveryError",
    "DrainReport",
    "OutboxMessage",
    "Status",
    "WebhookReceiver",
    "describe",
    "outbox",
    "retry_delay",
]
