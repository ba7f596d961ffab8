"""Members' badge states, cached between calls in this process.

Like scoring histories (see :mod:`engagement.storage.history_cache`), a state is
trusted only when the member's ``event_seq`` and ``badge_seq`` prove it current, and
put back only after the transaction that used it commits; anything else is loaded
from the database.  So the cache is an optimisation, never a requirement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from functools import partial

from sqlalchemy import Connection, select

from engagement.badges.state import MemberState
from engagement.badges.storage import load_states, restore_state
from engagement.core.facts import Fact
from engagement.core.periods import zone
from engagement.exceptions import UnknownMemberError
from engagement.pipeline import snapshots
from engagement.pipeline.snapshots import Restored
from engagement.pipeline.unit import AfterCommit
from engagement.rules.ruleset import Ruleset
from engagement.storage.history_cache import MemberCache
from engagement.storage.members import PERSON_COLUMNS, Person
from engagement.storage.tables import members

PERSON = select(*PERSON_COLUMNS)
"""A member's row as badge evaluation reads it."""


class BadgeStates:
    """The cache of members' badge states, and how to read one."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._states: MemberCache[MemberState] = MemberCache(cache_size)

    def clear(self) -> None:
        self._states.clear()

    # -- states ---------------------------------------------------------------------

    def state(
        self,
        connection: Connection,
        ruleset: Ruleset,
        person: Person,
        after_commit: list[AfterCommit] | None,
        *,
        apply: Callable[[MemberState], object] | None = None,
        own: bool = True,
        restored: Restored | None = None,
        complete: bool = False,
    ) -> MemberState:
        """``person``'s state now, ``person`` having just been locked for a write.

        The write bumped one of the member's counters: ``event_seq`` for their own
        action or revocation (``own``), ``badge_seq`` otherwise.  A cached state is
        current if it is exactly one step behind on that counter and equal on the
        other; ``apply`` then brings it up to date with the write.  A state loaded
        from the database already includes it.  With ``after_commit``, the state is
        cached again once the transaction commits.

        Without a current cached state, one ``restored`` from the member's snapshot
        (which stops before the write) is used, ``apply`` bringing it up to date, unless
        the caller needs a ``complete`` state (every fact held, to forget one).
        """
        cached = self._states.take(person.pk)
        behind = (1, 0) if own else (0, 1)
        if (
            cached is not None
            and (person.seq - cached.seq, person.badge_seq - cached.badge_seq) == behind
            and _same_rules(cached, ruleset)
            and (cached.complete or not complete)
        ):
            state = cached
            state.team, state.locale = person.team, person.locale
            if apply is not None:
                apply(state)
        else:
            if not own and not complete:
                # A colleague's state: their snapshot and everything they did since.
                restored = snapshots.restore(
                    connection, person.pk, person.member_id, person.seq + 1, ruleset
                )
            if restored is not None and restored.badge_points is not None and not complete:
                state = restored_state(connection, ruleset, person, restored)
                # The snapshot stops before the member's own write, which ``apply``
                # adds; what others did, the write included, was read afresh.
                if apply is not None and own:
                    apply(state)
            else:
                state = load_member_states(connection, ruleset, [person])[person.pk]
        state.seq, state.badge_seq = person.seq, person.badge_seq
        if after_commit is not None:
            after_commit.append(partial(self._states.put, person.pk, state))
        return state

    def read_state(
        self, connection: Connection, ruleset: Ruleset, member_id: str
    ) -> tuple[MemberState, tzinfo]:
        """A member's state for display, and their time zone: from the cache if it is
        current, else from the database, without locking anything."""
        row = connection.execute(
            select(*PERSON.selected_columns, members.c.timezone).where(
                members.c.member_id == member_id
            )
        ).first()
        if row is None:
            raise UnknownMemberError(f"member: unknown member {member_id!r}")
        person = Person(*row[:6])
        tz = zone(row.timezone or ruleset.file.timezone)
        cached = self._states.take(person.pk)
        if cached is not None:
            self._states.put(person.pk, cached)
            current = (cached.seq, cached.badge_seq) == (person.seq, person.badge_seq)
            if current and _same_rules(cached, ruleset):
                return cached, tz
        states = load_member_states(connection, ruleset, [person])
        return states[person.pk], tz

    # -- after an action ----------------------------------------------------------


def load_member_states(
    connection: Connection,
    ruleset: Ruleset,
    people: Sequence[Person],
    *,
    before: Mapping[str, int] | None = None,
) -> dict[int, MemberState]:
    """The badge states of ``people``, built from the database under ``ruleset``."""
    return load_states(
        connection,
        people,
        ruleset.catalogue,
        ruleset.file.timezone,
        before=before,
        ruleset_version=ruleset.version,
    )


def _same_rules(state: MemberState, ruleset: Ruleset) -> bool:
    """Whether ``state`` was built for ``ruleset`` (the same stored version, or the very
    same catalogue for rules never stored)."""
    if ruleset.version is not None:
        return state.ruleset_version == ruleset.version
    return state.catalogue is ruleset.catalogue


def restored_state(
    connection: Connection,
    ruleset: Ruleset,
    person: Person,
    restored: Restored,
    *,
    received_before: Mapping[str, int] | None = None,
) -> MemberState:
    """``person``'s badge state from their ``restored`` snapshot; with
    ``received_before`` (colleague id to sequence number), what colleagues did from
    that number on is left out (the state before a batch that holds it)."""
    assert restored.badge_points is not None
    received = restored.received_since
    if received_before:
        received = [f for f in received if f.seq < received_before.get(f.member, f.seq + 1)]
    return restore_state(
        connection,
        person,
        ruleset.catalogue,
        ruleset.file.timezone,
        ruleset_version=ruleset.version,
        points=restored.badge_points,
        indexes=restored.badge_indexes,
        since=restored.since,
        received_since=received,
        awards=restored.awards,
    )


class Repointing:
    """Brings a member's state up to date with a late action (an ``apply`` for
    :meth:`BadgeStates.state`): adds it, then gives the later actions it re-scored
    their new points; :attr:`failed` if the state lacks one of them."""

    __slots__ = ("fact", "failed", "repointed")

    def __init__(self, fact: Fact, repointed: Sequence[tuple[int, int]]) -> None:
        self.fact = fact
        self.repointed = repointed
        self.failed = False

    def __call__(self, state: MemberState) -> None:
        state.add_own(self.fact)
        for seq, points in self.repointed:
            if not state.repoint(seq, points):
                self.failed = True
