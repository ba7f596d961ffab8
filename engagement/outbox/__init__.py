"""The transactional outbox: recognition events for receivers in other processes.

An engine made with ``Engagement(..., outbox=True)`` writes one row per event (the
same events as :mod:`engagement.signals`) in the transaction that caused it, so a
committed award always has its message and a rolled-back one never does.
``engine.outbox.drain`` (:meth:`engagement.facades.Outbox.drain`) delivers them at
least once, with retries and dead letters (``engine.outbox.follow`` without end,
for a service); :class:`WebhookReceiver` posts them to Slack, Teams or a service of
the host's, signed so that :func:`verify_signature` can prove them genuine.
"""

from __future__ import annotations

from engagement.outbox.drain import LEASE, Deliver, retry_delay
from engagement.outbox.message import STATUSES, Backlog, DrainReport, OutboxMessage, Status
from engagement.outbox.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    sign,
    verify_signature,
)
from engagement.outbox.tables import outbox
from engagement.outbox.webhook import EVENTS, RECOGNITION, DeliveryError, WebhookReceiver
from engagement.outbox.wording import describe

__all__ = [
    "DELIVERY_HEADER",
    "EVENTS",
    "LEASE",
    "RECOGNITION",
    "SIGNATURE_HEADER",
    "STATUSES",
    "Backlog",
    "Deliver",
    "DeliveryError",
    "DrainReport",
    "OutboxMessage",
    "SignatureError",
    "Status",
    "WebhookReceiver",
    "describe",
    "outbox",
    "retry_delay",
    "sign",
    "verify_signature",
]
