"""What badge evaluation knows about one member: every fact a goal measures, and the
awards the member holds.

Unlike scoring, which looks back a few weeks, badges look at a member's whole
history ("ever"), so the state is built once from the database and then kept up to
date action by action (see :class:`StateCache`), like scoring histories are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engagement.badges.catalogue import Catalogue, Goal
from engagement.core.facts import Fact
from engagement.core.timeindex import TimeIndex

TEMPLATES = "templates"
"""The state's index of the member's comment templates (no goal key looks like it)."""

AwardKey = tuple[str, str, str]
"""``(badge id, tier, period key)``."""


@dataclass(frozen=True, slots=True)
class HeldAward:
    """An award the member holds (not revoked), and the span it was measured over."""

    id: int
    badge_id: str
    tier: str
    period_key: str
    source: str
    period_start: float = -math.inf
    period_end: float = math.inf

    @property
    def key(self) -> AwardKey:
        return (self.badge_id, self.tier, self.period_key)


@dataclass(slots=True)
class MemberState:
    """One member's facts as the catalogue's goals index them, plus held awards."""

    member_pk: int
    member_id: str
    team: str | None
    locale: str | None
    seq: int
    badge_seq: int
    catalogue: Catalogue
    indexes: dict[str, TimeIndex] = field(default_factory=dict)
    own: dict[int, Fact] = field(default_factory=dict)
    received: dict[tuple[str, int], Fact] = field(default_factory=dict)
    points: float = 0.0
    held: dict[AwardKey, HeldAward] = field(default_factory=dict)
    issued: dict[AwardKey, int] = field(default_factory=dict)
    """Award rows ever written per key, revoked ones included: the next ``attempt``."""
    completed: set[str] = field(default_factory=set)
    blocked: set[tuple[str, str]] = field(default_factory=set)
    """``(badge id, period key)`` HR revoked by hand: actions earn no tier of it
    again for that period, until HR grants one."""
    ruleset_version: int | None = None
    complete: bool = True
    """Whether :attr:`own` holds every fact of the member.  A state restored from a
    snapshot holds its indexes but only the facts logged since: fine for evaluating
    a new action, not for forgetting an old one (see :meth:`remove_own`)."""

    def index(self, goal_key: str) -> TimeIndex:
        found = self.indexes.get(goal_key)
        if found is None:
            found = self.indexes[goal_key] = TimeIndex()
        return found

    def add_own(self, fact: Fact) -> None:
        self.own[fact.seq] = fact
        self.points += fact.points
        templates = self.catalogue.templates
        if templates is not None and fact.fingerprint is not None:
            # Decided once, against the comments logged before it, as scoring did;
            # kept on the fact so that forgetting it undoes exactly what was done.
            index = self.index(TEMPLATES)
            fact.reused = templates.reused(fact, index)
            templates.remember_in(fact, index)
        self._index(fact, self.catalogue.own(fact.verb))
        for goal in self.catalogue.given(fact.verb):
            if goal.criterion.counts(fact):
                index = self.index(goal.key)
                for key, value in goal.criterion.given(fact):
                    index.add(key, fact.ts, value)

    def remove_own(self, seq: int) -> Fact | None:
        fact = self.own.pop(seq, None)
        if fact is not None:
            self.points -= fact.points
            templates = self.catalogue.templates
            if templates is not None and fact.fingerprint is not None:
                index = self.index(TEMPLATES)
                for name, number in templates.pairs(fact):
                    index.remove(name, fact.ts, number)
            self._forget(fact, self.catalogue.own(fact.verb))
            for goal in self.catalogue.given(fact.verb):
                if goal.criterion.counts(fact):
                    index = self.index(goal.key)
                    for key, value in goal.criterion.given(fact):
                        index.remove(key, fact.ts, value)
        return fact

    def repoint(self, seq: int, points: int) -> bool:
        """Give the member's fact ``seq`` its re-scored ``points`` (a late action
        changed them); ``False`` if the state does not hold the fact.

        Only what reads the points moves: the total, and the goals' entries for the
        fact, taken out with the old points and indexed again with the new.  Whether
        the fact counts, and its words' verdict (:attr:`Fact.reused`), stay as
        decided when it was added.
        """
        fact = self.own.get(seq)
        if fact is None:
            return False
        if fact.points == points:
            return True
        goals = [goal for goal in self.catalogue.own(fact.verb) if goal.criterion.counts(fact)]
        for goal in goals:
            index = self.index(goal.key)
            for key, value in goal.criterion.remember(fact):
                index.remove(key, fact.ts, value)
        self.points += points - fact.points
        fact.points = points
        for goal in goals:
            index = self.index(goal.key)
            for key, value in goal.criterion.remember(fact):
                index.add(key, fact.ts, value)
        return True

    def add_received(self, fact: Fact) -> None:
        self.received[(fact.member, fact.seq)] = fact
        self._index(fact, self.catalogue.received(fact.verb))

    def remove_received(self, giver: str, seq: int) -> Fact | None:
        fact = self.received.pop((giver, seq), None)
        if fact is not None:
            self._forget(fact, self.catalogue.received(fact.verb))
        return fact

    def _index(self, fact: Fact, goals: tuple[Goal, ...]) -> None:
        for goal in goals:
            if goal.criterion.counts(fact):
                index = self.index(goal.key)
                for key, value in goal.criterion.remember(fact):
                    index.add(key, fact.ts, value)

    def _forget(self, fact: Fact, goals: tuple[Goal, ...]) -> None:
        for goal in goals:
            if goal.criterion.counts(fact):
                index = self.index(goal.key)
                for key, value in goal.criterion.remember(fact):
                    index.remove(key, fact.ts, value)

    def hold(self, award: HeldAward) -> None:
        self.held[award.key] = award
        self.blocked.discard((award.badge_id, award.period_key))
        self.issued[award.key] = self.issued.get(award.key, 0) + 1

    def release(self, key: AwardKey) -> HeldAward | None:
        return self.held.pop(key, None)
