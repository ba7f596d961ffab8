"""Where an action stands among its member's actions: the canonical order.

A member's actions are scored in their *canonical order*: by when they happened
(``at``), ties broken by idempotency key, never by when they were logged.  Most
actions arrive in that order and are simply scored on top of the member's history.
One that arrives after later actions of its member (a sync from a social network,
an import of last week's file) is scored where it belongs, and the member's later
actions are re-scored: each whose points change gets a ``rescore`` ledger entry (the
ledger stays append-only), and the boards follow.  Revoking an action re-scores the
later ones in the same way, as if it had never happened
(:mod:`engagement.pipeline.rescoring`).

How late is late is the rule file's ``settle_days``: an action that happened more
than that before the member's latest is scored *as of its arrival* instead, after
everything logged so far, and says so; its place is kept in
``engagement_actions.scored_as_of`` so that a replay puts it there again.  The
canonical order is therefore a function of the log alone, which is what keeps
``replay`` a pure function of it:

    ORDER BY coalesce(scored_as_of, at), scored_as_of IS NOT NULL,
             (member_seq when scored_as_of is set), key
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select

from engagement.core.actions import Action
from engagement.core.facts import Step
from engagement.rules.ruleset import Ruleset
from engagement.storage.rows import NOT_REVOKED
from engagement.storage.tables import actions

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
