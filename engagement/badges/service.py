"""Badge bookkeeping for one engine: states kept between calls, awards written.

The engine calls :meth:`Recognition.after_action` once an action and its points are
written, and :meth:`Recognition.after_revocation` once a revocation is, inside the
same transaction.  Members' states are cached like scoring histories (see
:mod:`engagement.history_cache`): trusted only when their ``event_seq`` proves them
current, put back only after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import partial

from sqlalchemy import Connection, select

from ..actions import Action, fact_from_row
from ..exceptions import InvalidInputError, UnknownMemberError
from ..facts import Fact
from ..history_cache import MemberCache
from ..members import PERSON_COLUMNS, Person, lock_for_badges
from ..periods import zone
from ..recording import _HISTORY_COLUMNS
from ..rules.ruleset import Ruleset
from ..tables import actions, members
from .catalogue import Badge, Catalogue, Tier
from .evaluation import NewAward, TeamProgress, after_action, after_removal, pending
from .events import BadgeAwarded, BadgeRevoked, ChallengeCompleted, LevelReached
from .i18n import pick
from .state import HeldAward, MemberState
from .storage import load_states, write_award, write_completion, write_revocation

AfterCommit = Callable[[], None]

_PERSON = select(*PERSON_COLUMNS)


@dataclass(slots=True)
class Outcome:
    """What one write earned or cost members, announced once it commits."""

    awarded: list[BadgeAwarded] = field(default_factory=list)
    revoked: list[BadgeRevoked] = field(default_factory=list)
    levels: list[LevelReached] = field(default_factory=list)
    completed: list[ChallengeCompleted] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.awarded or self.revoked or self.levels or self.completed)


class Recognition:
    """Evaluates badges, levels and challenges for an engine's writes."""

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
    ) -> MemberState:
        """``person``'s state now, ``person`` having just been locked for a write.

        The write bumped one of the member's counters: ``event_seq`` for their own
        action or revocation (``own``), ``badge_seq`` otherwise.  A cached state is
        current if it is exactly one step behind on that counter and equal on the
        other; ``apply`` then brings it up to date with the write.  A state loaded
        from the database already includes it.  With ``after_commit``, the state is
        cached again once the transaction commits.
        """
        cached = self._states.take(person.pk)
        behind = (1, 0) if own else (0, 1)
        if (
            cached is not None
            and (person.seq - cached.seq, person.badge_seq - cached.badge_seq) == behind
            and _same_rules(cached, ruleset)
        ):
            state = cached
            state.team, state.locale = person.team, person.locale
            if apply is not None:
                apply(state)
        else:
            state = _load(connection, ruleset, [person])[person.pk]
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
            select(*_PERSON.selected_columns, members.c.timezone).where(
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
        states = _load(connection, ruleset, [person])
        return states[person.pk], tz

    def team_progress(
        self, connection: Connection, ruleset: Ruleset, challenge_id: str, team: str
    ) -> TeamProgress:
        """A team's progress on a challenge: its members' measures added up."""
        challenge = next((c for c in ruleset.catalogue.challenges if c.id == challenge_id), None)
        if challenge is None:
            known = ", ".join(c.id for c in ruleset.catalogue.challenges) or "none"
            raise InvalidInputError(
                f"challenge: unknown challenge {challenge_id!r}; known: {known}"
            )
        if not challenge.open_to(team):
            raise InvalidInputError(f"team: team {team!r} does not take part in {challenge_id!r}")
        people = [
            Person(*row)
            for row in connection.execute(
                _PERSON.where(members.c.team == team).order_by(members.c.id)
            )
        ]
        states = _load(connection, ruleset, people)
        criterion = challenge.criterion
        current = 0.0
        completed = 0
        for state in states.values():
            index = state.index(challenge.key)
            current += criterion.measure(index, challenge.starts, challenge.ends).value
            completed += challenge.id in state.completed
        target = challenge.team_target
        return TeamProgress(
            challenge=challenge.id,
            team=team,
            members=len(people),
            completed=completed,
            current=current,
            target=target,
            percent=int(min(1.0, current / target) * 100) if target else None,
        )

    # -- granted by HR ------------------------------------------------------------

    def grant(
        self,
        connection: Connection,
        ruleset: Ruleset,
        member_id: str,
        badge_id: str,
        *,
        tier: str | None,
        reason: str,
        now: float,
        after_commit: list[AfterCommit] | None,
    ) -> tuple[BadgeAwarded, bool]:
        """Award ``badge_id`` by hand; ``(award, False)`` if the member already held it."""
        badge, person, state, tz = self._manual(
            connection, ruleset, member_id, badge_id, reason, after_commit
        )
        probe = Fact(seq=0, member=member_id, verb="", ts=now, tz=tz)
        period_key = badge.period_key(probe, ruleset.clock.week_start)
        chosen = _tier(badge, tier)
        award = NewAward(badge, chosen, period_key, *badge.bounds(probe, ruleset.clock.week_start))
        announced = BadgeAwarded(
            member=member_id,
            badge=badge.id,
            tier=chosen.name,
            period_key=period_key,
            name=badge.title(person.locale, ruleset.catalogue.default_locale),
            source="manual",
            reason=reason,
        )
        if (badge.id, chosen.name, period_key) in state.held:
            return announced, False
        written = write_award(
            connection,
            state,
            award,
            action_id=None,
            ruleset_version=ruleset.version,
            source="manual",
            reason=reason,
        )
        return announced, written is not None

    def take_back(
        self,
        connection: Connection,
        ruleset: Ruleset,
        member_id: str,
        badge_id: str,
        *,
        tier: str | None,
        reason: str,
        after_commit: list[AfterCommit] | None,
    ) -> list[BadgeRevoked]:
        """Revoke the member's awards of ``badge_id`` (one tier, or all), by hand."""
        badge, _, state, _ = self._manual(
            connection, ruleset, member_id, badge_id, reason, after_commit
        )
        if tier is not None:
            _tier(badge, tier)
        held = [h for h in state.held.values() if h.badge_id == badge.id]
        held = [h for h in held if tier is None or h.tier == tier]
        revoked: list[BadgeRevoked] = []
        for award in sorted(held, key=lambda h: h.id):
            if write_revocation(connection, state, award, source="manual", reason=reason):
                revoked.append(
                    BadgeRevoked(
                        member_id, badge.id, award.tier, award.period_key, "manual", reason
                    )
                )
        return revoked

    def _manual(
        self,
        connection: Connection,
        ruleset: Ruleset,
        member_id: str,
        badge_id: str,
        reason: str,
        after_commit: list[AfterCommit] | None,
    ) -> tuple[Badge, Person, MemberState, tzinfo]:
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInputError("reason: say why; it is kept with the award for audit")
        badge = ruleset.catalogue.by_id.get(badge_id)
        if badge is None:
            known = ", ".join(sorted(ruleset.catalogue.by_id)) or "none"
            raise InvalidInputError(f"badge: unknown badge {badge_id!r}; known badges: {known}")
        person = lock_for_badges(connection, member_id)
        if person is None:
            raise UnknownMemberError(f"member: unknown member {member_id!r}")
        tz_name = connection.execute(
            select(members.c.timezone).where(members.c.id == person.pk)
        ).scalar()
        state = self.state(connection, ruleset, person, after_commit, own=False)
        return badge, person, state, zone(tz_name or ruleset.file.timezone)

    # -- after an action ----------------------------------------------------------

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
    ) -> Outcome:
        """Award what ``fact`` (logged, scored and locked under its member) earns.

        ``target`` is the colleague the action was aimed at, already locked, when
        the catalogue measures what members receive (kudos).
        """
        catalogue = ruleset.catalogue
        outcome = Outcome()
        if catalogue.empty and not catalogue.levels:
            return outcome
        state = self.state(connection, ruleset, person, after_commit, apply=_adding(fact))
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
        _level_change(state, before, outcome)
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
    ) -> Outcome:
        """What a bulk import earned, evaluated action by action in logging order.

        The members' states are loaded once as they were before the batch (its rows
        are left out by sequence number), then the batch is replayed into them, so
        every award is decided exactly as if the actions had been recorded one by one.
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
            for row in connection.execute(_PERSON.where(members.c.member_id.in_(chunk)))
        ]
        people += [p for t in sorted(aimed - set(actors)) if (p := lock_for_badges(connection, t))]
        first: dict[str, int] = {}
        for fact, _, _ in written:
            first.setdefault(fact.member, fact.seq)
        loaded = _load(connection, ruleset, people, before=first)
        states = {state.member_id: state for state in loaded.values()}
        for fact, action_id, key in written:
            state = states[fact.member]
            before = state.points
            state.add_own(fact)
            self._award(
                connection, ruleset, state, fact, own=True, action=(action_id, key), outcome=outcome
            )
            _level_change(state, before, outcome)
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
        return outcome

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
            states = _load(connection, ruleset, people)
            for state in states.values():
                awards, completions = pending(state, ruleset.clock.week_start)
                for award in awards:
                    if write_award(
                        connection, state, award, action_id=None, ruleset_version=ruleset.version
                    ):
                        outcome.awarded.append(_announced(state, award, None))
                for completion in completions:
                    challenge = completion.challenge
                    if write_completion(
                        connection,
                        state,
                        challenge.id,
                        action_id=None,
                        ruleset_version=ruleset.version,
                    ):
                        outcome.completed.append(
                            ChallengeCompleted(state.member_id, challenge.id, state.team)
                        )
                if after_commit is not None:
                    after_commit.append(partial(self._states.put, state.member_pk, state))
        return outcome

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
                outcome.awarded.append(_announced(state, award, action_key))
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
                select(*_HISTORY_COLUMNS, actions.c.tz, *_PERSON.selected_columns)
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
            connection, ruleset, person, after_commit, apply=lambda s: s.remove_own(fact.seq)
        )
        self._revoke(connection, state, after_removal(state, fact, own=True), reason, outcome)
        target = locked_target or self.lock_target(connection, ruleset, fact)
        if target is not None:
            received = self.state(
                connection,
                ruleset,
                target,
                after_commit,
                apply=lambda s: s.remove_received(fact.member, fact.seq),
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


def _load(
    connection: Connection,
    ruleset: Ruleset,
    people: Sequence[Person],
    *,
    before: Mapping[str, int] | None = None,
) -> dict[int, MemberState]:
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


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _tier(badge: Badge, name: str | None) -> Tier:
    """The tier called ``name``; ``None`` only for a badge without tiers."""
    names = ", ".join(t.name for t in badge.tiers if t.name)
    if name is None:
        if names:
            raise InvalidInputError(f"tier: badge {badge.id!r} has tiers ({names}); say which")
        return badge.tiers[0]
    for tier in badge.tiers:
        if tier.name == name:
            return tier
    names = names or "none (the badge has no tiers)"
    raise InvalidInputError(f"tier: badge {badge.id!r} has no tier {name!r}; tiers: {names}")


def _adding(fact: Fact) -> Callable[[MemberState], None]:
    return lambda state: state.add_own(fact)


def _receiving(fact: Fact) -> Callable[[MemberState], None]:
    return lambda state: state.add_received(fact)


def _announced(state: MemberState, award: NewAward, action_key: str | None) -> BadgeAwarded:
    catalogue: Catalogue = state.catalogue
    return BadgeAwarded(
        member=state.member_id,
        badge=award.badge.id,
        tier=award.tier.name,
        period_key=award.period_key,
        name=pick(award.badge.name, state.locale, catalogue.default_locale),
        source="criteria",
        action_key=action_key,
    )


def _level_change(state: MemberState, before: float, outcome: Outcome) -> None:
    catalogue = state.catalogue
    old, new = catalogue.level_of(before), catalogue.level_of(state.points)
    if new is not None and (old is None or new.number > old.number):
        name = pick(new.name, state.locale, catalogue.default_locale)
        outcome.levels.append(LevelReached(state.member_id, new.number, name, int(state.points)))
