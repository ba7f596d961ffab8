"""The transactional outbox: recognition events for receivers in other processes.

An engine made with ``Engagement(..., outbox=True)`` writes one row per event (the
same events as :mod:`engagement.signals`) in the transaction that caused it, so a
committed award always has its message and a rolled-back one never does.
:meth:`engagement.Engagement.drain_outbox` delivers them at least once, with
retries and dead letters.
"""

from __future__ import annotations

from .drain import LEASE, Deliver, retry_delay
from .message import STATUSES, DrainReport, OutboxMessage, Status
from .tables import outbox

__all__ = [
    "LEASE",
    "STATUSES",
    "Deliver",
    "DrainReport",
    "OutboxMessage",
    "Status",
    "outbox",
    "retry_delay",
]
