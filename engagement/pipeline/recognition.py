"""Badge bookkeeping for one engine: states kept between calls, awards written.

The engine calls :meth:`Recognition.after_action` once an action and its points are
written, and :meth:`Recognition.after_revocation` once a revocation is, inside the
same transaction.  Members' states are cached like scoring histories (see
:mod:`engagement.storage.history_cache`): trusted only when their ``event_seq`` proves them
current, put back only after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial

from sqlalchemy import Connection, select

from engagement.badges.evaluation import (
    after_action,
    after_removal,
    pending,
)
from engagement.badges.state import HeldAward, MemberState
from engagement.badges.writes import write_award, write_completion, write_revocation
from engagement.core.actions import Action
from engagement.core.events import BadgeRevoked, ChallengeCompleted
from engagement.core.facts import Fact
from engagement.core.periods import zone
from engagement.pipeline import snapshots
from engagement.pipeline.badge_states import (
    PERSON,
    BadgeStates,
    Repointing,
    load_member_states,
    restored_state,
)
from engagement.pipeline.outcome import Outcome, announced, level_change
from engagement.pipeline.snapshots import Restored
from engagement.pipeline.unit import AfterCommit
from engagement.rules.ruleset import Ruleset
from engagement.storage.members import Person, lock_for_badges
from engagement.storage.rows import HISTORY_COLUMNS, fact_from_row
from engagement.storage.tables import actions, members


class Recognition(BadgeStates):
    """Evaluates badges, levels and challenges for an engine's writes."""

    def after_action(
        self,
        connection: Connection,
        ruleset: Ruleset,
        fact: Fact,
        *,
        person: Person,
        action_id: int,
        action_key: str,
        after_commit: list[AfterCommit] | None,
        target: Person | None = None,
        restored: Restored | None = None,
        late: bool = False,
        repointed: Sequence[tuple[int, int]] = (),
    ) -> Outcome:
        """Award what ``fact`` (logged, scored and locked under its member) earns.

        ``target`` is the colleague the action was aimed at, already locked, when
        the catalogue measures what members receive (kudos); ``restored``, the
        member's state read from their snapshot (see :mod:`engagement.pipeline.snapshots`).
        The member's state is kept on the outcome (:attr:`Outcome.state`).

        ``late``: the action arrived after later ones of the member (see
        :mod:`engagement.pipeline.rescoring`): everything their whole history meets is
        awarded, as a late action can complete what later ones began (a streak's
        missing week).  ``repointed``: ``(seq, points now)`` of the later actions that
        arrival re-scored; the state follows them, or is read afresh if it lacks one.
        """
        catalogue = ruleset.catalogue
        outcome = Outcome()
        if catalogue.empty and not catalogue.levels:
            return outcome
        if repointed:
            update = Repointing(fact, repointed)
            state = self.state(
                connection, ruleset, person, after_commit, apply=update, restored=restored
            )
            if update.failed:  # a state restored without one of the facts: read it all
                self._states.take(person.pk)
                state = self.state(connection, ruleset, person, after_commit, complete=True)
        else:
            state = self.state(
                connection, ruleset, person, after_commit, apply=_adding(fact), restored=restored
            )
        outcome.states[person.pk] = state
        before = state.points - fact.points
        self._award(
            connection,
            ruleset,
            state,
            fact,
            own=True,
            action=(action_id, action_key),
            outcome=outcome,
        )
        if late:
            self._award_pending(
                connection, ruleset, state, (action_id, action_key), outcome, touching=fact
            )
        level_change(state, before, outcome)
        if target is not None:
            received = self.state(
                connection, ruleset, target, after_commit, apply=_receiving(fact), own=False
            )
            self._award(
                connection,
                ruleset,
                received,
                fact,
                own=False,
                action=(action_id, action_key),
                outcome=outcome,
            )
        return outcome

    def after_batch(
        self,
        connection: Connection,
        ruleset: Ruleset,
        written: Sequence[tuple[Fact, int, str]],
        after_commit: list[AfterCommit] | None,
        restored: Mapping[str, Restored] | None = None,
    ) -> Outcome:
        """What a bulk import earned, evaluated action by action in logging order.

        The members' states are taken as they were before the batch (from their
        ``restored`` snapshots, or loaded with the batch's rows left out by sequence
        number), then the batch is replayed into them, so every award is decided
        exactly as if the actions had been recorded one by one.
        """
        catalogue = ruleset.catalogue
        outcome = Outcome()
        if not written or (catalogue.empty and not catalogue.levels):
            return outcome
        actors = sorted({fact.member for fact, _, _ in written})
        aimed = {
            fact.target
            for fact, _, _ in written
            if fact.target and fact.target != fact.member and catalogue.received(fact.verb)
        }
        people = [
            Person(*row)
            for chunk in _chunks(actors)
            for row in connection.execute(PERSON.where(members.c.member_id.in_(chunk)))
        ]
        people += [p for t in sorted(aimed - set(actors)) if (p := lock_for_badges(connection, t))]
        first: dict[str, int] = {}
        for fact, _, _ in written:
            first.setdefault(fact.member, fact.seq)
        states = self._states_before(connection, ruleset, people, first, restored or {})
        for fact, action_id, key in written:
            state = states[fact.member]
            before = state.points
            state.add_own(fact)
            self._award(
                connection, ruleset, state, fact, own=True, action=(action_id, key), outcome=outcome
            )
            level_change(state, before, outcome)
            received = states.get(fact.target) if fact.target in aimed else None
            if received is not None and fact.target != fact.member:
                received.add_received(fact)
                self._award(
                    connection,
                    ruleset,
                    received,
                    fact,
                    own=False,
                    action=(action_id, key),
                    outcome=outcome,
                )
        if after_commit is not None:
            for state in states.values():
                after_commit.append(partial(self._states.put, state.member_pk, state))
        outcome.states.update((state.member_pk, state) for state in states.values())
        return outcome

    def _states_before(
        self,
        connection: Connection,
        ruleset: Ruleset,
        people: Sequence[Person],
        first: Mapping[str, int],
        restored: Mapping[str, Restored],
    ) -> dict[str, MemberState]:
        """The states of ``people`` before a batch whose first action of each member is
        numbered ``first``: from snapshots where there are some, else from the log."""
        states: dict[str, MemberState] = {}
        rest: list[Person] = []
        for person in people:
            found = restored.get(person.member_id)
            if found is None or found.badge_points is None:
                rest.append(person)
                continue
            states[person.member_id] = restored_state(
                connection, ruleset, person, found, received_before=first
            )
        loaded = load_member_states(connection, ruleset, rest, before=first)
        states.update((state.member_id, state) for state in loaded.values())
        return states

    def backfill(
        self,
        connection: Connection,
        ruleset: Ruleset,
        member_ids: Sequence[str] | None,
        after_commit: list[AfterCommit] | None,
    ) -> Outcome:
        """Award what members' whole histories meet but they do not hold: after HR
        adds or lowers a badge, earlier actions count too.  Members are locked in id
        order, one chunk at a time."""
        outcome = Outcome()
        catalogue = ruleset.catalogue
        if catalogue.empty:
            return outcome
        query = select(members.c.member_id).order_by(members.c.member_id)
        if member_ids is not None:
            query = query.where(members.c.member_id.in_(sorted(set(member_ids))))
        names = list(connection.execute(query).scalars())
        for chunk in _chunks(names):
            people = [p for name in chunk if (p := lock_for_badges(connection, name))]
            states = load_member_states(connection, ruleset, people)
            for state in states.values():
                self._award_pending(connection, ruleset, state, None, outcome)
                if after_commit is not None:
                    after_commit.append(partial(self._states.put, state.member_pk, state))
        return outcome

    def _award_pending(
        self,
        connection: Connection,
        ruleset: Ruleset,
        state: MemberState,
        action: tuple[int, str] | None,
        outcome: Outcome,
        *,
        touching: Fact | None = None,
    ) -> None:
        """Award what ``state``'s whole history meets but it does not hold, on behalf
        of ``action`` (id and key) or of none (a backfill); with ``touching``, only
        among the goals that fact counts towards."""
        action_id, action_key = action if action is not None else (None, None)
        awards, completions = pending(state, ruleset.clock.week_start, touching=touching)
        for award in awards:
            if write_award(
                connection, state, award, action_id=action_id, ruleset_version=ruleset.version
            ):
                outcome.awarded.append(announced(state, award, action_key))
        for completion in completions:
            challenge = completion.challenge
            if write_completion(
                connection,
                state,
                challenge.id,
                action_id=action_id,
                ruleset_version=ruleset.version,
            ):
                outcome.completed.append(
                    ChallengeCompleted(state.member_id, challenge.id, state.team, action_key)
                )

    def lock_before_revocation(
        self, connection: Connection, ruleset: Ruleset, key: str
    ) -> Person | None:
        """Before revoking ``key``: lock the colleague it thanked if their id sorts
        before the giver's, since rows are always locked in member-id order."""
        row = connection.execute(
            select(members.c.member_id, actions.c.target, actions.c.verb)
            .join(members, members.c.id == actions.c.member_pk)
            .where(actions.c.key == key)
        ).first()
        if row is None or row.target is None or row.target >= row.member_id:
            return None
        if not ruleset.catalogue.received(row.verb):
            return None
        return lock_for_badges(connection, row.target)

    def lock_batch(self, connection: Connection, ruleset: Ruleset, batch: Sequence[Action]) -> None:
        """Before a bulk import that thanks colleagues: lock every member it touches
        in member-id order, so that it cannot deadlock with other writers."""
        catalogue = ruleset.catalogue
        aimed = {
            action.target
            for action in batch
            if action.target and action.target != action.member and catalogue.received(action.verb)
        }
        if aimed:
            for name in sorted(aimed | {action.member for action in batch}):
                lock_for_badges(connection, name)

    def lock_target(self, connection: Connection, ruleset: Ruleset, fact: Fact) -> Person | None:
        """Lock the colleague ``fact`` is aimed at, if what they receive can earn them
        something; ``None`` otherwise (or for themselves, or an unknown colleague)."""
        if fact.target is None or fact.target == fact.member:
            return None
        if not ruleset.catalogue.received(fact.verb):
            return None
        return lock_for_badges(connection, fact.target)

    def _award(
        self,
        connection: Connection,
        ruleset: Ruleset,
        state: MemberState,
        fact: Fact,
        *,
        own: bool,
        action: tuple[int, str],
        outcome: Outcome,
    ) -> None:
        action_id, action_key = action
        awards, completions = after_action(
            state, fact, own=own, week_start=ruleset.clock.week_start
        )
        for award in awards:
            if write_award(
                connection,
                state,
                award,
                action_id=action_id,
                ruleset_version=ruleset.version,
            ):
                outcome.awarded.append(announced(state, award, action_key))
        for completion in completions:
            if write_completion(
                connection,
                state,
                completion.challenge.id,
                action_id=action_id,
                ruleset_version=ruleset.version,
            ):
                outcome.completed.append(
                    ChallengeCompleted(
                        state.member_id, completion.challenge.id, state.team, action_key
                    )
                )

    # -- after a revocation ---------------------------------------------------------

    def after_revocation(
        self,
        connection: Connection,
        ruleset: Ruleset,
        key: str,
        reason: str,
        after_commit: list[AfterCommit] | None,
        *,
        locked_target: Person | None = None,
    ) -> Outcome:
        """Revoke the awards that the revoked action ``key`` was needed for.

        ``locked_target`` is the thanked colleague if :meth:`lock_before_revocation`
        already locked them."""
        outcome = Outcome()
        if ruleset.catalogue.empty:
            return outcome
        row = (
            connection.execute(
                select(*HISTORY_COLUMNS, actions.c.tz, *PERSON.selected_columns)
                .join(members, members.c.id == actions.c.member_pk)
                .where(actions.c.key == key)
            )
            .mappings()
            .one()
        )
        fact = fact_from_row(row, row["member_id"], zone(row["tz"]))
        person = Person(
            row["id"],
            row["member_id"],
            row["team"],
            row["locale"],
            row["event_seq"],
            row["badge_seq"],
        )
        state = self.state(
            connection,
            ruleset,
            person,
            after_commit,
            apply=lambda s: s.remove_own(fact.seq),
            complete=True,
        )
        self._revoke(connection, state, after_removal(state, fact, own=True), reason, outcome)
        target = locked_target or self.lock_target(connection, ruleset, fact)
        if target is not None:
            # Under the colleague's lock (taken in member-id order): their snapshot
            # counted the kudos among what they received.
            snapshots.discard(connection, [target.pk])
            received = self.state(
                connection,
                ruleset,
                target,
                after_commit,
                apply=lambda s: s.remove_received(fact.member, fact.seq),
                complete=True,
                own=False,
            )
            lost = after_removal(received, fact, own=False)
            self._revoke(connection, received, lost, reason, outcome)
        return outcome

    def _revoke(
        self,
        connection: Connection,
        state: MemberState,
        lost: Sequence[HeldAward],
        reason: str,
        outcome: Outcome,
    ) -> None:
        for held in lost:
            if write_revocation(
                connection, state, held, source="revocation", reason=f"action revoked: {reason}"
            ):
                outcome.revoked.append(
                    BadgeRevoked(
                        state.member_id,
                        held.badge_id,
                        held.tier,
                        held.period_key,
                        "revocation",
                        f"action revoked: {reason}",
                    )
                )


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _adding(fact: Fact) -> Callable[[MemberState], None]:
    return lambda state: state.add_own(fact)


def _receiving(fact: Fact) -> Callable[[MemberState], None]:
    return lambda state: state.add_received(fact)
