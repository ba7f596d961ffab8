"""Actions as rows of the log, and logged rows as the facts scoring reads.

The one place that knows both the table's columns and :class:`~engagement.core.facts.Fact`:
writers build rows here, readers of a member's history select
:data:`HISTORY_COLUMNS` and turn each row back into a fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import exists, func, select

from engagement.core.actions import Action
from engagement.core.facts import Fact
from engagement.core.text import analyse
from engagement.storage.tables import actions, ledger, revocations

NET_POINTS = (
    select(func.coalesce(func.sum(ledger.c.points), 0))
    .where(ledger.c.action_id == actions.c.id)
    .scalar_subquery()
)
HISTORY_COLUMNS = (
    actions.c.member_pk,
    actions.c.member_seq,
    actions.c.at,
    actions.c.verb,
    actions.c.channel,
    actions.c.content_id,
    actions.c.content_kind,
    actions.c.topics,
    actions.c.target,
    actions.c.words,
    actions.c.own_words,
    actions.c.distinct_own_words,
    actions.c.fingerprint,
    actions.c.echo,
    NET_POINTS.label("points"),
)
NOT_REVOKED = ~exists().where(revocations.c.action_id == actions.c.id)


def action_row(action: Action, *, member_pk: int, seq: int, tz_name: str) -> dict[str, Any]:
    """The log row for ``action``, with its text analysis computed once for good.

    Its ``echo`` is left ``None``: it takes a read of other members' actions, which
    the writer does (:func:`engagement.pipeline.echoes.echo_of`)."""
    content = action.content
    analysis = (
        analyse(action.text, content.suggested_text, content.topics)
        if content
        else analyse(action.text, None)
    )
    return {
        "key": action.key,
        "member_pk": member_pk,
        "member_seq": seq,
        "verb": action.verb,
        "at": action.at.astimezone(UTC),
        "tz": tz_name,
        "channel": action.channel,
        "content_id": content.id if content else None,
        "content_kind": content.kind if content else None,
        "topics": list(content.topics) if content else [],
        "suggested_text": content.suggested_text if content else None,
        "text": action.text,
        "target": action.target,
        "metrics": action.metrics.model_dump() if action.metrics else None,
        "words": analysis.words,
        "own_words": analysis.own_words,
        "distinct_own_words": analysis.distinct_own_words,
        "fingerprint": analysis.fingerprint,
        "echo": None,
        "recorded_at": datetime.now(UTC),
        "scored_as_of": None,
    }


def fact_from_row(row: Mapping[Any, Any], member: str, tz: tzinfo) -> Fact:
    """The scoring view of a logged action (a row of :data:`tables.actions` or its dict)."""
    return Fact(
        seq=row["member_seq"],
        member=member,
        verb=row["verb"],
        ts=row["at"].timestamp(),
        tz=tz,
        channel=row["channel"],
        content_id=row["content_id"],
        content_kind=row["content_kind"],
        topics=tuple(row["topics"] or ()),
        target=row["target"],
        words=row["words"],
        own_words=row["own_words"],
        distinct_own_words=row["distinct_own_words"],
        fingerprint=row["fingerprint"],
        echo=row["echo"] or 0,
    )
