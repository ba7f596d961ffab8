"""What HR does to badges by hand, and the team view of a challenge.

Grants and revocations by hand lock the member like any write and keep the reason
for audit; the badge state they change is the one :class:`Recognition` keeps.
"""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import Connection, select

from engagement.badges.catalogue import Badge, Tier
from engagement.badges.evaluation import NewAward, TeamProgress
from engagement.badges.state import MemberState
from engagement.badges.writes import write_award, write_revocation
from engagement.core.events import BadgeAwarded, BadgeRevoked
from engagement.core.facts import Fact
from engagement.core.periods import zone
from engagement.exceptions import InvalidInputError, UnknownMemberError
from engagement.pipeline.badge_states import PERSON, load_member_states
from engagement.pipeline.recognition import Recognition
from engagement.pipeline.unit import AfterCommit
from engagement.rules.ruleset import Ruleset
from engagement.storage.members import Person, lock_for_badges
from engagement.storage.tables import members


def team_progress(
    connection: Connection, ruleset: Ruleset, challenge_id: str, team: str
) -> TeamProgress:
    """A team's progress on a challenge: its members' measures added up."""
    challenge = next((c for c in ruleset.catalogue.challenges if c.id == challenge_id), None)
    if challenge is None:
        known = ", ".join(c.id for c in ruleset.catalogue.challenges) or "none"
        raise InvalidInputError(f"challenge: unknown challenge {challenge_id!r}; known: {known}")
    if not challenge.open_to(team):
        raise InvalidInputError(f"team: team {team!r} does not take part in {challenge_id!r}")
    people = [
        Person(*row)
        for row in connection.execute(PERSON.where(members.c.team == team).order_by(members.c.id))
    ]
    states = load_member_states(connection, ruleset, people)
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


def grant_badge(
    recognition: Recognition,
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
    badge, person, state, tz = _manual(
        recognition, connection, ruleset, member_id, badge_id, reason, after_commit
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


def revoke_badge(
    recognition: Recognition,
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
    badge, _, state, _ = _manual(
        recognition, connection, ruleset, member_id, badge_id, reason, after_commit
    )
    if tier is not None:
        _tier(badge, tier)
    held = [h for h in state.held.values() if h.badge_id == badge.id]
    held = [h for h in held if tier is None or h.tier == tier]
    revoked: list[BadgeRevoked] = []
    for award in sorted(held, key=lambda h: h.id):
        if write_revocation(connection, state, award, source="manual", reason=reason):
            revoked.append(
                BadgeRevoked(member_id, badge.id, award.tier, award.period_key, "manual", reason)
            )
    return revoked


def _manual(
    recognition: Recognition,
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
    state = recognition.state(connection, ruleset, person, after_commit, own=False)
    return badge, person, state, zone(tz_name or ruleset.file.timezone)


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
