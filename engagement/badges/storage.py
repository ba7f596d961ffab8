"""Reading members' badge states from the database and writing what they earn.

Every write is insert-if-absent against a unique key, under the member's row lock
taken by the caller: two processes evaluating the same member cannot both award.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select

from engagement.badges.catalogue import Catalogue
from engagement.badges.state import AwardKey, HeldAward, MemberState
from engagement.badges.tables import badge_awards, badge_revocations, challenge_completions
from engagement.core.facts import Fact
from engagement.core.periods import zone
from engagement.core.timeindex import TimeIndex
from engagement.storage.members import Person
from engagement.storage.prepared import PreparedCache
from engagement.storage.rows import HISTORY_COLUMNS, NOT_REVOKED, fact_from_row
from engagement.storage.tables import MANUAL_ENTRY, actions, ledger, members

_CHUNK = 500


_AWARDS = (
    select(
        badge_awards.c.id,
        badge_awards.c.member_pk,
        badge_awards.c.badge_id,
        badge_awards.c.tier,
        badge_awards.c.period_key,
        badge_awards.c.source,
        badge_awards.c.period_start,
        badge_awards.c.period_end,
        badge_revocations.c.id.label("revoked"),
        badge_revocations.c.source.label("revoked_by"),
    )
    .outerjoin(badge_revocations, badge_revocations.c.award_id == badge_awards.c.id)
    .order_by(badge_awards.c.id)
)
"""Awards with their revocation, if any, oldest first; filter by member."""


_MANUAL_POINTS = (
    select(ledger.c.member_pk, func.sum(ledger.c.points))
    .where(
        ledger.c.member_pk.in_(bindparam("pks", expanding=True)),
        ledger.c.entry_kind == MANUAL_ENTRY,
    )
    .group_by(ledger.c.member_pk)
)


def load_states(
    connection: Connection,
    people: Sequence[Person],
    catalogue: Catalogue,
    default_tz: str,
    *,
    before: Mapping[str, int] | None = None,
    ruleset_version: int | None = None,
) -> dict[int, MemberState]:
    """Each member's state as the database holds it now (their rows locked).

    With ``before`` (member id to sequence number), each member's actions from that
    number on are left out, on both sides of a kudos: the state before a batch.
    """
    before = before or {}
    states = {
        p.pk: MemberState(
            p.pk,
            p.member_id,
            p.team,
            p.locale,
            p.seq,
            p.badge_seq,
            catalogue,
            ruleset_version=ruleset_version,
        )
        for p in people
    }
    for chunk in _chunks(sorted(states)):
        query = (
            select(*HISTORY_COLUMNS, actions.c.tz)
            .where(actions.c.member_pk.in_(chunk), NOT_REVOKED)
            .order_by(actions.c.member_pk, actions.c.member_seq)
        )
        for row in connection.execute(query).mappings():
            state = states[row["member_pk"]]
            if row["member_seq"] >= before.get(state.member_id, math.inf):
                continue
            fact = fact_from_row(row, state.member_id, zone(row["tz"] or default_tz))
            fact.points = int(row["points"])
            state.add_own(fact)
        # Levels follow the member's total: an administrator's manual points count.
        for member_pk, points in connection.execute(_MANUAL_POINTS, {"pks": chunk}):
            states[member_pk].points += int(points)
    _load_received(connection, states, catalogue, default_tz, before)
    _load_awards(connection, states)
    return states


def _load_received(
    connection: Connection,
    states: dict[int, MemberState],
    catalogue: Catalogue,
    default_tz: str,
    before: Mapping[str, int],
) -> None:
    """Add to each state the actions colleagues aimed at the member (kudos received)."""
    by_id = {state.member_id: pk for pk, state in states.items()}
    received_verbs = sorted({verb for verb in catalogue.words.labels if catalogue.received(verb)})
    if received_verbs:
        for chunk_ids in _chunks(sorted(by_id)):
            query = (
                select(*HISTORY_COLUMNS, actions.c.tz, members.c.member_id.label("giver"))
                .join(members, members.c.id == actions.c.member_pk)
                .where(
                    actions.c.target.in_(chunk_ids),
                    actions.c.verb.in_(received_verbs),
                    NOT_REVOKED,
                )
                .order_by(actions.c.id)
            )
            for row in connection.execute(query).mappings():
                if row["member_seq"] >= before.get(row["giver"], math.inf):
                    continue
                fact = fact_from_row(row, row["giver"], zone(row["tz"] or default_tz))
                states[by_id[row["target"]]].add_received(fact)


@dataclass(frozen=True, slots=True)
class KnownAwards:
    """A member's awards as a snapshot keeps them, with the ids up to which it knows
    the award, revocation and completion rows.

    Every row of these tables about a member is written under the member's row lock,
    as is the snapshot, so rows with a higher id are exactly those written after it:
    a restore reads only those (usually none) instead of every award of the member's
    history, a number repeat badges keep growing.
    """

    held: tuple[HeldAward, ...]
    issued: tuple[tuple[AwardKey, int], ...]
    completed: tuple[str, ...]
    blocked: tuple[tuple[str, str], ...]
    awards_upto: int
    revocations_upto: int
    completions_upto: int

    @classmethod
    def of(cls, connection: Connection, state: MemberState) -> KnownAwards:
        """What ``state`` holds, with the ids the database has reached for its member:
        ``state`` must be current and the member locked."""
        upto = _PREPARED.get("upto", connection, lambda: _UPTO).first(
            connection, {"pk": state.member_pk}
        )
        return cls(
            tuple(state.held.values()),
            tuple(state.issued.items()),
            tuple(sorted(state.completed)),
            tuple(sorted(state.blocked)),
            *(int(each or 0) for each in upto),
        )

    def to_plain(self) -> tuple[Any, ...]:
        """The same as plain tuples, for a snapshot's payload (see :meth:`from_plain`)."""
        return (
            tuple(
                (a.id, a.badge_id, a.tier, a.period_key, a.source, a.period_start, a.period_end)
                for a in self.held
            ),
            self.issued,
            self.completed,
            self.blocked,
            self.awards_upto,
            self.revocations_upto,
            self.completions_upto,
        )

    @classmethod
    def from_plain(cls, plain: Sequence[Any]) -> KnownAwards:
        held, issued, completed, blocked, awards_upto, revocations_upto, completions_upto = plain
        return cls(
            tuple(HeldAward(*award) for award in held),
            tuple((tuple(key), count) for key, count in issued),
            tuple(completed),
            tuple((badge_id, period_key) for badge_id, period_key in blocked),
            awards_upto,
            revocations_upto,
            completions_upto,
        )


_UPTO = select(
    select(func.max(badge_awards.c.id))
    .where(badge_awards.c.member_pk == bindparam("pk"))
    .scalar_subquery(),
    select(func.max(badge_revocations.c.id))
    .join(badge_awards, badge_awards.c.id == badge_revocations.c.award_id)
    .where(badge_awards.c.member_pk == bindparam("pk"))
    .scalar_subquery(),
    select(func.max(challenge_completions.c.id))
    .where(challenge_completions.c.member_pk == bindparam("pk"))
    .scalar_subquery(),
)


def restore_state(
    connection: Connection,
    person: Person,
    catalogue: Catalogue,
    default_tz: str,
    *,
    ruleset_version: int | None,
    points: float,
    indexes: Mapping[str, TimeIndex],
    since: Iterable[Fact],
    received_since: Iterable[Fact],
    awards: KnownAwards | None = None,
) -> MemberState:
    """``person``'s state from a snapshot of its ``indexes`` and ``points``, brought
    up to date with the facts the member logged ``since`` it and those colleagues
    aimed at them (``received_since``); the awards held are those the snapshot knew
    (``awards``) and the rows written since, or, without ``awards``, read afresh.

    The state is not :attr:`~MemberState.complete`: it holds the indexes of every
    fact but only the facts logged since the snapshot.
    """
    state = MemberState(
        person.pk,
        person.member_id,
        person.team,
        person.locale,
        person.seq,
        person.badge_seq,
        catalogue,
        ruleset_version=ruleset_version,
        complete=False,
    )
    state.indexes.update(indexes)
    state.points = points
    for fact in since:
        state.add_own(fact)
    for fact in received_since:
        state.add_received(fact)
    if awards is None:
        _load_awards_of(connection, state)
    else:
        _load_awards_since(connection, state, awards)
    return state


_AWARDS_OF = _AWARDS.where(badge_awards.c.member_pk == bindparam("pk"))
_COMPLETED_OF = select(challenge_completions.c.challenge_id).where(
    challenge_completions.c.member_pk == bindparam("pk")
)
_AWARDS_SINCE = _AWARDS.where(
    badge_awards.c.member_pk == bindparam("pk"),
    or_(
        badge_awards.c.id > bindparam("awards_upto"),
        badge_revocations.c.id > bindparam("revocations_upto"),
    ),
)
_COMPLETED_SINCE = _COMPLETED_OF.where(challenge_completions.c.id > bindparam("completions_upto"))
_PREPARED = PreparedCache()


def _load_awards_since(connection: Connection, state: MemberState, known: KnownAwards) -> None:
    """The awards ``known`` to a snapshot, and the rows written after it."""
    state.held.update((award.key, award) for award in known.held)
    state.issued.update(known.issued)
    state.completed.update(known.completed)
    state.blocked.update(known.blocked)
    prepared = _PREPARED.get
    params = {
        "pk": state.member_pk,
        "awards_upto": known.awards_upto,
        "revocations_upto": known.revocations_upto,
        "completions_upto": known.completions_upto,
    }
    for row in prepared("awards_since", connection, lambda: _AWARDS_SINCE).mappings(
        connection, params
    ):
        if row["id"] > known.awards_upto:
            _hold(state, row)
        else:  # known, revoked since
            _release(state, row)
    for row in prepared("completed_since", connection, lambda: _COMPLETED_SINCE).mappings(
        connection, params
    ):
        state.completed.add(row["challenge_id"])


def _load_awards_of(connection: Connection, state: MemberState) -> None:
    """:func:`_load_awards` for one member, with prepared statements (the hot path of
    a state restored from a snapshot)."""
    prepared = _PREPARED.get
    params = {"pk": state.member_pk}
    for row in prepared("awards", connection, lambda: _AWARDS_OF).mappings(connection, params):
        _hold(state, row)
    for row in prepared("completed", connection, lambda: _COMPLETED_OF).mappings(
        connection, params
    ):
        state.completed.add(row["challenge_id"])


def _hold(state: MemberState, row: Mapping[Any, Any]) -> None:
    """Add one award row (with its revocation, if any) to ``state``."""
    start, end = row["period_start"], row["period_end"]
    held = HeldAward(
        row["id"],
        row["badge_id"],
        row["tier"],
        row["period_key"],
        row["source"],
        start.timestamp() if start else -math.inf,
        end.timestamp() if end else math.inf,
    )
    state.hold(held)
    _release(state, row)


def _release(state: MemberState, row: Mapping[Any, Any]) -> None:
    """Apply an award row's revocation, if it has one, to ``state``."""
    if row["revoked"] is not None:
        state.release((row["badge_id"], row["tier"], row["period_key"]))
        if row["revoked_by"] == "manual":
            state.blocked.add((row["badge_id"], row["period_key"]))


def _load_awards(connection: Connection, states: dict[int, MemberState]) -> None:
    for chunk in _chunks(sorted(states)):
        query = _AWARDS.where(badge_awards.c.member_pk.in_(chunk))
        for row in connection.execute(query).mappings():
            _hold(states[row["member_pk"]], row)
        done = select(challenge_completions.c.member_pk, challenge_completions.c.challenge_id)
        for member_pk, challenge_id in connection.execute(
            done.where(challenge_completions.c.member_pk.in_(chunk))
        ):
            states[member_pk].completed.add(challenge_id)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def awards_of(connection: Connection, member_pk: int) -> list[Any]:
    """The member's award rows with their revocation, oldest first (for exports)."""
    query = (
        select(
            badge_awards,
            badge_revocations.c.reason.label("revoked_reason"),
            badge_revocations.c.revoked_at,
        )
        .outerjoin(badge_revocations, badge_revocations.c.award_id == badge_awards.c.id)
        .where(badge_awards.c.member_pk == member_pk)
        .order_by(badge_awards.c.id)
    )
    return list(connection.execute(query))
