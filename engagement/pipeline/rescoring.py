"""Scoring every action as of its own time, whatever order the actions arrive in.

A member's actions are scored in their *canonical order*: by when they happened
(``at``), ties broken by idempotency key, never by when they were logged.  Most
actions arrive in that order and are simply scored on top of the member's history.
One that arrives after later actions of its member (a sync from a social network,
an import of last week's file) is scored where it belongs, and the member's later
actions are re-scored: each whose points change gets a ``rescore`` ledger entry (the
ledger stays append-only), and the boards follow.  Revoking an action re-scores the
later ones in the same way, as if it had never happened.

How late is late is the rule file's ``settle_days``: an action that happened more
than that before the member's latest is scored *as of its arrival* instead, after
everything logged so far, and says so; its place is kept in
``engagement_actions.scored_as_of`` so that a replay puts it there again.  The
canonical order is therefore a function of the log alone, which is what keeps
``replay`` a pure function of it:

    ORDER BY coalesce(scored_as_of, at), scored_as_of IS NOT NULL,
             (member_seq when scored_as_of is set), key

Only actions whose points were set under the active ruleset version are re-scored:
the points of older ones stand until a replay is applied (see
:mod:`engagement.pipeline.replay`), and a late action reads them as they are.
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select

from engagement.core.actions import Action
from engagement.core.facts import Fact, Step
from engagement.core.history import MemberHistory
from engagement.core.periods import from_timestamp, zone
from engagement.core.scoring import score_and_remember
from engagement.leaderboards.book import ScoreChanges
from engagement.pipeline.kudos import ThanksBack
from engagement.rules.ruleset import Ruleset
from engagement.storage.rows import HISTORY_COLUMNS, NOT_REVOKED, fact_from_row
from engagement.storage.tables import actions, ledger

DAY = 86_400.0

ORDER_AT = func.coalesce(actions.c.scored_as_of, actions.c.at)
"""Where an action stands in its member's order: when it happened, or where it was
placed on arrival (after the settle window)."""
CANONICAL_ORDER = (
    ORDER_AT,
    actions.c.scored_as_of.is_not(None),
    case((actions.c.scored_as_of.is_(None), 0), else_=actions.c.member_seq),
    actions.c.key,
)
"""A member's actions in the order they are scored (see the module's docstring)."""

_SCORED_UNDER = (
    select(func.max(ledger.c.ruleset_version))
    .where(ledger.c.action_id == actions.c.id, ledger.c.entry_kind != "revocation")
    .scalar_subquery()
)
_LATER_CONTENTS = select(actions.c.content_id).where(
    actions.c.member_pk == bindparam("pk"),
    bindparam("start") <= ORDER_AT,
    actions.c.content_id.is_not(None),
)
_MEMBER_LOG = (
    select(
        *HISTORY_COLUMNS,
        actions.c.id,
        actions.c.key,
        actions.c.tz,
        actions.c.scored_as_of,
        _SCORED_UNDER.label("scored_under"),
    )
    .where(
        actions.c.member_pk == bindparam("pk"),
        # What the rules read for the actions re-scored: their windows, which start
        # no earlier than the first one's, and every earlier action on their contents.
        or_(
            bindparam("since") <= ORDER_AT,
            actions.c.content_id.in_(_LATER_CONTENTS),
            actions.c.content_id == bindparam("content_id"),
        ),
        NOT_REVOKED,
    )
    .order_by(*CANONICAL_ORDER)
)
FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
"""A bound before any action: ``-inf`` as a query parameter."""
_ANYTHING_AFTER = select(
    exists().where(
        actions.c.member_pk == bindparam("pk"),
        or_(
            actions.c.at > bindparam("at"),
            and_(actions.c.at == bindparam("at"), actions.c.key > bindparam("key")),
            actions.c.scored_as_of >= bindparam("at"),
        ),
        NOT_REVOKED,
    )
)


class Place(NamedTuple):
    """An action's place in its member's canonical order (compares as the SQL does)."""

    at: float
    deferred: bool
    seq: int
    key: str

    @classmethod
    def of(cls, at: float, key: str, *, seq: int = 0, scored_as_of: float | None = None) -> Place:
        if scored_as_of is None:
            return cls(at, False, 0, key)
        return cls(scored_as_of, True, seq, key)


@dataclass(frozen=True, slots=True)
class Arrival:
    """How an action about to be logged stands against its member's logged ones."""

    late: bool
    """Actions of the member that happened after it are logged already."""
    scored_as_of: datetime | None = None
    """Set when it is later than the settle window allows: it is then scored as of
    this instant (the member's latest action), after everything logged so far."""

    @property
    def rescores(self) -> bool:
        """Whether logging it re-scores the member's later actions."""
        return self.late and self.scored_as_of is None


IN_ORDER = Arrival(late=False)


def arrival(
    connection: Connection,
    ruleset: Ruleset,
    member_pk: int,
    at: datetime,
    key: str,
    latest: datetime | None,
) -> Arrival:
    """Where an action of ``member_pk`` at ``at`` (key ``key``) arrives, given the
    member's ``latest`` logged ``at`` (read with their lock; ``None``: no action yet).

    The common case (later than everything logged) costs no query; a tie on the
    instant asks the database whether anything sorts after the new action.
    """
    if latest is None or at > latest:
        return IN_ORDER
    if (
        at == latest
        and not connection.execute(
            _ANYTHING_AFTER, {"pk": member_pk, "at": at, "key": key}
        ).scalar()
    ):
        return IN_ORDER
    if (latest - at).total_seconds() > ruleset.file.settle_days * DAY:
        return Arrival(late=True, scored_as_of=latest)
    return Arrival(late=True)


def deferred_step(ruleset: Ruleset, scored_as_of: datetime) -> Step:
    """The explanation an action scored as of its arrival carries."""
    return Step(
        "settle_days",
        "add",
        0,
        f"arrived over {ruleset.file.settle_days} days after later actions: scored as of "
        f"{scored_as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC, earlier points unchanged",
    )


def arrivals(
    connection: Connection,
    ruleset: Ruleset,
    batch: Sequence[Action],
    pks: Mapping[str, int],
) -> dict[str, Arrival]:
    """How each action of ``batch`` (by key) stands against its member's logged ones;
    ``pks``: the members' primary keys, read under their locks."""
    members = sorted({pks[a.member] for a in batch if a.member in pks})
    latest: dict[int, datetime] = {}
    for start in range(0, len(members), 500):
        for pk, at in connection.execute(
            select(actions.c.member_pk, func.max(actions.c.at))
            .where(actions.c.member_pk.in_(members[start : start + 500]))
            .group_by(actions.c.member_pk)
        ):
            latest[pk] = at
    found: dict[str, Arrival] = {}
    for action in batch:
        pk = pks.get(action.member)
        if pk is None or pk not in latest:
            found[action.key] = IN_ORDER
            continue
        found[action.key] = arrival(connection, ruleset, pk, action.at, action.key, latest[pk])
    return found


def canonical(batch: Sequence[Action], arrivals: Mapping[str, Arrival]) -> list[Action]:
    """``batch`` in the order its actions are scored: by time, those scored as of
    their arrival at that instant in the batch's order, ties by key."""

    def place(item: tuple[int, Action]) -> tuple[datetime, bool, int, str]:
        index, action = item
        scored_as_of = arrivals[action.key].scored_as_of
        if scored_as_of is None:
            return (action.at.astimezone(UTC), False, 0, action.key)
        return (scored_as_of, True, index, action.key)

    return [action for _, action in sorted(enumerate(batch), key=place)]


@dataclass(slots=True)
class Rescored:
    """What re-scoring a member's actions from one place on found."""

    history: MemberHistory
    """The member's history afterwards: complete from :attr:`since` on, and for each
    content id in :attr:`contents` whatever the age."""
    since: float = -math.inf
    contents: set[str] = field(default_factory=set)
    steps: tuple[Step, ...] = ()
    """The steps of the new action scored in its place, when one was given."""
    entries: list[dict[str, Any]] = field(default_factory=list)
    """``rescore`` ledger entries for the actions whose points changed."""
    changes: int = 0
    """How many actions changed."""


def rescore(
    connection: Connection,
    ruleset: Ruleset,
    member_pk: int,
    member_id: str,
    *,
    start: Place,
    because: str,
    boards: ScoreChanges,
    new: tuple[Fact, str] | None = None,
) -> Rescored:
    """Score ``member_pk``'s logged actions from ``start`` on in canonical order, with
    ``new`` (a fact about to be logged and its key) in its place, and return the
    ledger entries that bring each action's points to that scoring.

    Actions before ``start`` keep their points (the history reads them as they
    are); ``because`` says why in each entry ("an earlier share arrived late");
    ``boards`` gathers the points the score rows move by.  The caller holds the
    member's lock and writes the entries.
    """
    version = ruleset.version
    verbs = ruleset.verbs
    first = new[0] if new is not None else None
    since = _lookback(ruleset, start, first)
    log: list[tuple[Place, Fact, Any]] = []
    contents: set[str] = set()
    rows = connection.execute(
        _MEMBER_LOG,
        {
            "pk": member_pk,
            "since": FAR_PAST if since == -math.inf else from_timestamp(since),
            "start": from_timestamp(start.at),
            "content_id": first.content_id if first is not None else None,
        },
    )
    for row in rows:
        fact = _fact(row._mapping, member_id)
        scored_as_of = row.scored_as_of.timestamp() if row.scored_as_of is not None else None
        place = Place.of(fact.ts, row.key, seq=fact.seq, scored_as_of=scored_as_of)
        log.append((place, fact, row))
        if fact.content_id is not None and place >= start:
            contents.add(fact.content_id)
    if first is not None and first.content_id is not None:
        contents.add(first.content_id)
    if new is not None:
        insort(log, (Place.of(new[0].ts, new[1]), new[0], None), key=lambda item: item[0])
    history = MemberHistory(ruleset)
    result = Rescored(history, since, contents)
    now = datetime.now(UTC)
    thanks: ThanksBack | None = None
    for place, fact, row in log:
        if row is None:
            result.steps = score_and_remember(fact, history, ruleset)
            continue
        if place < start or row.scored_under != version or fact.verb not in verbs:
            history.add(fact)  # its points stand: as logged, or under older rules
            continue
        if fact.target is not None and fact.target != member_id:
            if thanks is None:  # the thanks back, as replay reads them
                thanks = ThanksBack(ruleset)
                thanks.read(connection, [member_id])
            thanks.set_returned(fact, logged_before=row.id)
        before = fact.points
        steps = score_and_remember(fact, history, ruleset)
        after = int(fact.points)
        if after == before:
            continue
        result.changes += 1
        boards.adjusted(member_pk, fact.ts, after - before)
        result.entries.append(
            {
                "action_id": row.id,
                "member_pk": member_pk,
                "entry_kind": "rescore",
                "points": after - before,
                "rule_id": "rescore",
                "ruleset_version": version,
                "explanation": {
                    "points": after - before,
                    "previous": before,
                    "now": after,
                    "reason": f"re-scored: {because}",
                    "rescored": [step.to_json() for step in steps],
                },
                "created_at": now,
            }
        )
    return result


def _lookback(ruleset: Ruleset, start: Place, first: Fact | None) -> float:
    """The earliest instant the rules read when re-scoring from ``start`` on (``-inf``:
    from the beginning).

    A window ends at the fact it scores, so a later fact never reads further back
    than an earlier one of the same verb: the first fact, probed as every verb,
    bounds them all.  Without one (a revocation, rare) everything is read.
    """
    if first is None:
        return -math.inf
    starts = [
        lookback
        for verb in ruleset.verbs
        if (lookback := ruleset.lookback(replace(first, verb=verb, ts=start.at))) is not None
    ]
    return min([*starts, start.at])


def _fact(row: Mapping[Any, Any], member_id: str) -> Fact:
    fact = fact_from_row(row, member_id, zone(row["tz"]))
    fact.points = int(row["points"])
    return fact
