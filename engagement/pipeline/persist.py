"""The write stage of the pipeline: scored actions into the log, the ledger and the
score rows, for one action or a whole batch.

Everything here runs under the members' locks, inside a transaction the caller owns.
A key already logged (by a concurrent transaction, or earlier) is simply not written:
``INSERT … ON CONFLICT DO NOTHING`` on the action key is what makes a retry harmless,
and the caller answers with the award the key already has.

One action costs one round trip for the action and its award entry on PostgreSQL
(a statement each costs a round trip on a server; on SQLite it costs nothing more),
and its score rows are bumped from the marks the member's cached history keeps
(:func:`engagement.leaderboards.book.log_one`).  A batch inserts many rows per
statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.dialects import postgresql

from engagement.core.facts import Fact
from engagement.core.scoring import Award
from engagement.leaderboards import book as scorebook
from engagement.leaderboards.book import Kept, Owner, ScoreChanges
from engagement.rules.ruleset import Ruleset
from engagement.storage.database import insert_if_absent_on
from engagement.storage.prepared import PreparedCache
from engagement.storage.tables import actions, ledger

INSERT_LEDGER = insert(ledger)
_PREPARED = PreparedCache()


class Scored(NamedTuple):
    """An action ready to be written: its log row, its fact and its award."""

    row: dict[str, Any]
    fact: Fact
    award: Award


def write(
    connection: Connection,
    ruleset: Ruleset,
    scored: Sequence[Scored],
    owners: Mapping[int, Owner],
    *,
    marks: dict[str, Kept] | None = None,
) -> dict[str, int]:
    """Log ``scored`` (in order) with their award entries and score rows; the new
    actions' ids by key (a key already taken is missing).

    ``owners`` gives the team and visibility of every member with an action here;
    ``marks``, for a single action, its member's score-row marks as last written.
    """
    ids = _log(connection, scored)
    logged = [(s.row["member_pk"], s.fact) for s in scored if s.row["key"] in ids]
    if marks is not None and len(logged) == 1:
        member_pk, fact = logged[0]
        scorebook.log_one(connection, ruleset.boards, member_pk, owners[member_pk], fact, marks)
        return ids
    changes = ScoreChanges(ruleset.boards)
    for member_pk, fact in logged:
        changes.logged(member_pk, fact.ts, fact.points, fact.verb, fact.channel, fact.topics)
    scorebook.write(connection, changes, owners)
    return ids


def compensate(
    connection: Connection,
    entries: Sequence[Mapping[str, Any]],
    changes: ScoreChanges | None = None,
    owners: Mapping[int, Owner] | None = None,
) -> None:
    """Append compensating ledger ``entries`` (a re-score, a replay's adjustments) and
    move the score rows by ``changes``: the ledger is append-only, so a correction is
    a new entry, never an update.  ``owners`` (read if not given) as for :func:`write`.
    """
    if entries:
        connection.execute(INSERT_LEDGER, entries)
    if changes:
        if owners is None:
            owners = scorebook.owners(connection, {member_pk for member_pk, _ in changes.rows})
        scorebook.write(connection, changes, owners)


def award_entry(action_id: int, member_pk: int, award: Award) -> dict[str, Any]:
    """The ledger entry that awards ``award`` for the logged action ``action_id``."""
    return {
        "action_id": action_id,
        "member_pk": member_pk,
        "entry_kind": "award",
        "points": award.points,
        "rule_id": award.steps[0].rule,
        "ruleset_version": award.ruleset_version,
        "explanation": award.explanation(),
        "created_at": datetime.now(UTC),
    }


def _log(connection: Connection, scored: Sequence[Scored]) -> dict[str, int]:
    """Insert each row unless its key is taken, and the award entry of each inserted."""
    if not scored:
        return {}
    if len(scored) == 1:
        row, _, award = scored[0]
        action_id = _log_one(connection, row, award)
        return {} if action_id is None else {row["key"]: action_id}
    statement = insert_if_absent_on(connection.dialect.name, actions, ("key",)).returning(
        actions.c.key, actions.c.id
    )
    ids = {
        key: action_id for key, action_id in connection.execute(statement, [s.row for s in scored])
    }
    entries = [
        award_entry(ids[s.row["key"]], s.row["member_pk"], s.award)
        for s in scored
        if s.row["key"] in ids
    ]
    if entries:
        connection.execute(INSERT_LEDGER, entries)
    return ids


def _log_one(connection: Connection, row: dict[str, Any], award: Award) -> int | None:
    prepared = _PREPARED.get
    entry = award_entry(0, row["member_pk"], award)
    if connection.dialect.name == "postgresql":
        params = {**row, **{f"entry_{name}": value for name, value in entry.items()}}
        inserted = prepared("log_and_award", connection, lambda: _log_and_award(list(row))).first(
            connection, params
        )
        return None if inserted is None else int(inserted[0])
    inserted = prepared(
        "log", connection, lambda: _log_action(connection.dialect.name), list(row)
    ).first(connection, row)
    if inserted is None:
        return None
    entry["action_id"] = inserted[0]
    prepared("award", connection, lambda: INSERT_LEDGER, list(entry)).first(connection, entry)
    return int(inserted[0])


@lru_cache(maxsize=4)
def _log_action(dialect: str) -> Any:
    return insert_if_absent_on(dialect, actions, ("key",)).returning(actions.c.id)


_ENTRY_COLUMNS = (
    "member_pk",
    "entry_kind",
    "points",
    "rule_id",
    "ruleset_version",
    "explanation",
    "created_at",
)


def _log_and_award(columns: Sequence[str]) -> Any:
    """PostgreSQL: log the action unless its key is taken and, if it was logged, write
    its award entry; the new action's id, or no row.  Binds: the action row's
    ``columns``, and the entry's columns prefixed ``entry_``."""
    logged = (
        postgresql.insert(actions)
        .values({name: bindparam(name, type_=actions.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(actions.c.id)
        .cte("logged")
    )
    entry = select(
        logged.c.id,
        *(
            bindparam(f"entry_{name}", type_=ledger.c[name].type).label(name)
            for name in _ENTRY_COLUMNS
        ),
    )
    return (
        insert(ledger)
        .from_select(["action_id", *_ENTRY_COLUMNS], entry)
        .returning(ledger.c.action_id)
    )
