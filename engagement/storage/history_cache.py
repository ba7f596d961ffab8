"""Members' histories kept between ``record()`` calls, in this process.

Rebuilding a member's history from the database costs far more than scoring, so
each process keeps the histories it has built.  An entry is only trusted when it is
provably current: a member's ``event_seq`` is bumped, under the member's row lock,
by every action, revocation and rescoring, and entries are stored only after their
transaction commits.  So an entry stored at sequence *n* is exactly the database's
state when the lock hands out *n + 1*; any other number means someone else wrote,
and the history is reloaded.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from engagement.core.history import MemberHistory


@dataclass(slots=True)
class CachedHistory:
    """A member's history, complete from ``since`` on (and, for each content id in
    ``contents``, complete whatever the age), as of the member's ``seq``."""

    history: MemberHistory
    ruleset_version: int | None
    seq: int
    since: float
    contents: set[str] = field(default_factory=set)
    boards: dict[str, tuple[frozenset[str], int]] = field(default_factory=dict)
    """The variety marks and points of the member's score rows read or written so
    far, by period (no marks: no row); see :func:`engagement.leaderboards.book.log_one`."""
    snapshot_seq: int | None = None
    """The ``seq`` of the member's stored snapshot as far as this entry knows (``None``:
    none usable), so that a new one is written every few actions."""


T = TypeVar("T")


class MemberCache(Generic[T]):
    """A bounded LRU of per-member entries by member primary key.

    Entries are *taken* out while a transaction works on them and *put* back only
    after it commits, so a failed or rolled-back transaction simply loses its entry.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, T] = OrderedDict()

    def take(self, member_pk: int) -> T | None:
        return self._entries.pop(member_pk, None)

    def put(self, member_pk: int, entry: T) -> None:
        self._entries[member_pk] = entry
        self._entries.move_to_end(member_pk)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


HistoryCache = MemberCache[CachedHistory]
