"""The engine's namespaces: what a host reads and manages beside recording.

:class:`engagement.Engagement` keeps construction, the schema, the rules and the
writes of the action log (``record``, ``record_many``, ``revoke``, ``replay``); each
other concern has a facade of its own, reached as an attribute of the engine:
``engine.members``, ``engine.badges``, ``engine.boards``, ``engine.ledger``,
``engine.outbox`` and ``engine.analytics``.
"""

from __future__ import annotations

from engagement.facades.analytics import Analytics
from engagement.facades.badges import Badges
from engagement.facades.boards import Boards
from engagement.facades.ledger import Ledger, LedgerEntry
from engagement.facades.members import Members
from engagement.facades.outbox import Outbox

__all__ = [
    "Analytics",
    "Badges",
    "Boards",
    "Ledger",
    "LedgerEntry",
    "Members",
    "Outbox",
]
