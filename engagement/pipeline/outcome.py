"""What a write earned or cost members, as the events announced once it commits."""

from __future__ import annotations

from dataclasses import dataclass, field

from engagement.badges.catalogue import Catalogue
from engagement.badges.evaluation import (
    NewAward,
)
from engagement.badges.i18n import pick
from engagement.badges.state import MemberState
from engagement.core.events import BadgeAwarded, BadgeRevoked, ChallengeCompleted, LevelReached


@dataclass(slots=True)
class Outcome:
    """What one write earned or cost members, announced once it commits."""

    awarded: list[BadgeAwarded] = field(default_factory=list)
    revoked: list[BadgeRevoked] = field(default_factory=list)
    levels: list[LevelReached] = field(default_factory=list)
    completed: list[ChallengeCompleted] = field(default_factory=list)
    states: dict[int, MemberState] = field(default_factory=dict, compare=False)
    """The writers' badge states after the write, by member primary key, for their
    snapshots."""

    def __bool__(self) -> bool:
        return bool(self.awarded or self.revoked or self.levels or self.completed)


def announced(state: MemberState, award: NewAward, action_key: str | None) -> BadgeAwarded:
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


def level_change(state: MemberState, before: float, outcome: Outcome) -> None:
    catalogue = state.catalogue
    old, new = catalogue.level_of(before), catalogue.level_of(state.points)
    if new is not None and (old is None or new.number > old.number):
        name = pick(new.name, state.locale, catalogue.default_locale)
        outcome.levels.append(LevelReached(state.member_id, new.number, name, int(state.points)))
