"""Comments copied from a colleague: each action's ``echo``, measured when it is logged.

A member who pastes a colleague's comment on the same item writes words that are not
their own, yet their history holds nothing like them.  So when an action with own
words and a content item is logged, the writer reads the fingerprints of the other
members' comments on that item written earlier (one indexed read, on
``(content_id, at)``) and stores how close the nearest one is (``echo``: template
digits in common, :func:`engagement.core.text.echo`).  Rules then compare it with
their ``template_similarity``, like any other fact of the action.

The measure is stored, not recomputed: a member's facts must read the same from the
log whatever happened since (a replay, a history rebuilt in another process), and two
actions logged at the same instant by two processes cannot both wait for each other.
Only comments logged before an action count, and only those written before it: a
late import of the original does not turn it into the copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from engagement.core.text import echo
from engagement.storage.prepared import PreparedCache
from engagement.storage.tables import actions

_OTHERS = select(actions.c.fingerprint).where(
    actions.c.content_id == bindparam("content_id"),
    actions.c.at < bindparam("at"),
    actions.c.member_pk != bindparam("pk"),
    actions.c.fingerprint.is_not(None),
)
_OTHERS_OF_CONTENTS = select(
    actions.c.content_id, actions.c.member_pk, actions.c.at, actions.c.fingerprint
).where(
    actions.c.content_id.in_(bindparam("ids", expanding=True)),
    actions.c.fingerprint.is_not(None),
)
_PREPARED = PreparedCache()


def measured(row: Mapping[str, Any]) -> bool:
    """Whether the log row carries own words about a content item: only those have an
    echo, and only those cost the read."""
    return row["fingerprint"] is not None and row["content_id"] is not None


def echo_of(connection: Connection, row: Mapping[str, Any]) -> int | None:
    """The ``echo`` of the log row about to be written (``None`` if not measured)."""
    if not measured(row):
        return None
    found = _PREPARED.get("others", connection, lambda: _OTHERS).mappings(
        connection, {"content_id": row["content_id"], "at": row["at"], "pk": row["member_pk"]}
    )
    return echo(row["fingerprint"], (r["fingerprint"] for r in found)) or None


class BatchEchoes:
    """Echoes for a batch logged in order: the comments logged before it (one read per
    500 content items) and those of the batch itself, as each row is measured."""

    def __init__(self, connection: Connection, content_ids: Iterable[str]) -> None:
        """``content_ids``: the items the batch's actions with a text are about."""
        self._seen: dict[str, list[tuple[int, float, str]]] = defaultdict(list)
        ids = sorted(set(content_ids))
        for start in range(0, len(ids), 500):
            for content_id, pk, at, fingerprint in connection.execute(
                _OTHERS_OF_CONTENTS, {"ids": ids[start : start + 500]}
            ):
                self._seen[content_id].append((pk, at.timestamp(), fingerprint))

    def measure(self, row: dict[str, Any]) -> None:
        """Set ``row["echo"]``, then count the row among the comments logged before the
        next ones."""
        if not measured(row):
            return
        pk, ts = row["member_pk"], row["at"].timestamp()
        seen = self._seen[row["content_id"]]
        row["echo"] = echo(row["fingerprint"], _earlier(seen, pk, ts)) or None
        seen.append((pk, ts, row["fingerprint"]))


def _earlier(seen: Sequence[tuple[int, float, str]], pk: int, ts: float) -> Iterable[str]:
    return (fingerprint for other, at, fingerprint in seen if other != pk and at < ts)
