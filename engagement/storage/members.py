"""Members of the programme, identified by the host application's own id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, select, update

from engagement.storage.tables import members

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class Member:
    """A member as the engine knows them.

    ``opted_in`` is false until the member chooses to appear on public boards:
    participation is voluntary, and the engine never assumes consent.
    """

    member_id: str
    display_name: str | None
    team: str | None
    opted_in: bool
    timezone: str | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class Person:
    """A member's row as badge evaluation needs it.

    ``seq`` is the member's ``event_seq`` (their own actions and revocations) and
    ``badge_seq`` counts what others did to their badges (kudos received, HR grants);
    together they tell whether a cached badge state is current.
    """

    pk: int
    member_id: str
    team: str | None
    locale: str | None
    seq: int
    badge_seq: int


PERSON_COLUMNS = (
    members.c.id,
    members.c.member_id,
    members.c.team,
    members.c.locale,
    members.c.event_seq,
    members.c.badge_seq,
)
_LOCK_FOR_BADGES = (
    update(members)
    .where(members.c.member_id == bindparam("member"))
    .values(badge_seq=members.c.badge_seq + 1)
    .returning(*PERSON_COLUMNS)
)


def lock_order(dialect: str) -> ColumnElement[str]:
    """The order every writer locks member rows in: member ids by code point, as
    Python compares them (``COLLATE "C"`` on PostgreSQL, whose default collation may
    sort otherwise).  One global order is what keeps concurrent writers from
    deadlocking."""
    if dialect == "postgresql":
        return members.c.member_id.collate("C")
    return members.c.member_id


def lock_for_badges(connection: Connection, member_id: str) -> Person | None:
    """Lock the member's row for the transaction to change their badges from the
    outside (kudos they receive, a grant).  Bumps ``badge_seq``, not ``event_seq``:
    other processes' badge states for the member go stale, their scoring histories
    (which such changes do not touch) stay valid."""
    row = connection.execute(_LOCK_FOR_BADGES, {"member": member_id}).first()
    return Person(*row) if row is not None else None


def missing_members(connection: Connection, member_ids: Sequence[str]) -> list[str]:
    """Those of ``member_ids`` that name no member, in the order given."""
    found: set[str] = set()
    for start in range(0, len(member_ids), 500):
        chunk = list(member_ids[start : start + 500])
        found.update(
            connection.execute(
                select(members.c.member_id).where(members.c.member_id.in_(chunk))
            ).scalars()
        )
    return [member_id for member_id in member_ids if member_id not in found]


def get_member(connection: Connection, member_id: str) -> Member | None:
    row = connection.execute(
        select(
            members.c.member_id,
            members.c.display_name,
            members.c.team,
            members.c.opted_in,
            members.c.timezone,
            members.c.locale,
        ).where(members.c.member_id == member_id)
    ).first()
    return Member(*row) if row else None
