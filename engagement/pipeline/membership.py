"""Enrolling and updating members, with their score rows kept in step.

A member's team and consent decide which boards show their score rows, so a change
of either moves those rows (and the boards' tallies) in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from engagement.core.limits import member_fields
from engagement.leaderboards import book as scorebook
from engagement.leaderboards.book import Owner
from engagement.storage.members import Member, get_member
from engagement.storage.tables import members

_UNSET: Any = object()


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
    """Create the member or update the fields given; fields not passed are kept.

    Every field is checked (and its text normalised) before anything is written:
    :class:`~engagement.exceptions.InvalidInputError` lists each bad one with its limit.
    """
    given = {
        "display_name": display_name,
        "team": team,
        "opted_in": opted_in,
        "timezone": timezone,
        "locale": locale,
    }
    member_id, changes = member_fields(
        member_id, {name: value for name, value in given.items() if value is not _UNSET}
    )
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
