"""Members of the programme, identified by the host application's own id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .exceptions import InvalidInputError
from .leaderboards import book as scorebook
from .leaderboards.book import Owner
from .periods import zone
from .tables import members

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


def upsert_member(
    connection: Connection,
    member_id: str,
    *,
    display_name: str | None = _UNSET,
    team: str | None = _UNSET,
    opted_in: bool = _UNSET,
    timezone: str | None = _UNSET,
    locale: str | None = _UNSET,
) -> Member:
    """Create the member or update the fields given; fields not passed are kept."""
    if not isinstance(member_id, str) or not 0 < len(member_id) <= 255:
        raise InvalidInputError("member_id: a non-empty string of at most 255 characters")
    if timezone is not _UNSET and timezone is not None:
        zone(timezone)
    changes = {
        name: value
        for name, value in {
            "display_name": display_name,
            "team": team,
            "opted_in": opted_in,
            "timezone": timezone,
            "locale": locale,
        }.items()
        if value is not _UNSET
    }
    if "opted_in" in changes and not isinstance(changes["opted_in"], bool):
        raise InvalidInputError("opted_in: true or false")
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"member_id": member_id, "created_at": datetime.now(UTC), "event_seq": 0}
    values.setdefault("opted_in", False)
    statement = insert(members).values({**values, **changes})
    if changes:
        # Bumping event_seq tells every process its cached view of the member (team,
        # locale, time zone) is stale.
        statement = statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={**changes, "event_seq": members.c.event_seq + 1},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["member_id"])
    connection.execute(statement)
    found = get_member(connection, member_id)
    assert found is not None
    if "team" in changes or "opted_in" in changes:
        pk = connection.execute(select(members.c.id).where(members.c.member_id == member_id))
        scorebook.member_changed(connection, pk.scalar_one(), Owner(found.team, found.opted_in))
    return found


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
