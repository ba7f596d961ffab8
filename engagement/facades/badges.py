"""``engine.badges``: badges, levels and challenges as members see them, and HR's hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from engagement.badges.evaluation import (
    BadgeProgress,
    ChallengeProgress,
    LevelStatus,
    TeamProgress,
    badge_progress,
    challenge_progress,
    held_labels,
    level_status,
    next_badges,
)
from engagement.core.events import BadgeAwarded, BadgeRevoked
from engagement.core.limits import NAME_LENGTH, REASON_LENGTH, checked, cleaned
from engagement.core.limits import member_id as checked_id
from engagement.pipeline import badge_admin
from engagement.pipeline.outcome import Outcome
from engagement.pipeline.runtime import Runtime
from engagement.pipeline.unit import instant


class Badges:
    """The rule file's badges, levels and challenges (see docs/badges.md)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def progress(
        self,
        member_id: str,
        *,
        locale: str | None = None,
        at: datetime | None = None,
        session: Session | None = None,
    ) -> list[BadgeProgress]:
        """Every badge the member can see, with current/target, percent and a hint.

        Texts are in ``locale`` (default: the member's, then the rule file's).
        Secret badges only appear once earned.
        """
        member_id = checked_id(member_id)
        runtime = self._runtime
        with runtime.unit(session) as (connection, _):
            ruleset = runtime.active(connection)
            state, tz = runtime.recognition.read_state(connection, ruleset, member_id)
            return badge_progress(state, instant(at), tz, ruleset.clock.week_start, locale)

    def next(
        self,
        member_id: str,
        count: int = 3,
        *,
        locale: str | None = None,
        at: datetime | None = None,
        session: Session | None = None,
    ) -> list[BadgeProgress]:
        """The ``count`` badges the member is closest to, each with a sentence on how
        to get there ("Share on 1 more channel to earn Polyglot (silver).")."""
        return next_badges(self.progress(member_id, locale=locale, at=at, session=session), count)

    def earned(self, member_id: str, *, session: Session | None = None) -> list[str]:
        """The badges the member holds, as ``id`` or ``id:tier`` (highest tier held)."""
        member_id = checked_id(member_id)
        runtime = self._runtime
        with runtime.unit(session) as (connection, _):
            state, _ = runtime.recognition.read_state(
                connection, runtime.active(connection), member_id
            )
            return held_labels(state)

    def level(
        self, member_id: str, *, locale: str | None = None, session: Session | None = None
    ) -> LevelStatus:
        """The member's level from cumulative points, and what the next one takes."""
        member_id = checked_id(member_id)
        runtime = self._runtime
        with runtime.unit(session) as (connection, _):
            state, _ = runtime.recognition.read_state(
                connection, runtime.active(connection), member_id
            )
            return level_status(state, locale)

    def challenges(
        self, member_id: str, *, locale: str | None = None, session: Session | None = None
    ) -> list[ChallengeProgress]:
        """The challenges open to the member's team, with the member's progress."""
        member_id = checked_id(member_id)
        runtime = self._runtime
        with runtime.unit(session) as (connection, _):
            state, tz = runtime.recognition.read_state(
                connection, runtime.active(connection), member_id
            )
            return challenge_progress(state, tz, locale)

    def team_progress(
        self, challenge_id: str, team: str, *, session: Session | None = None
    ) -> TeamProgress:
        """A team's progress on a challenge: members, completions, their sum."""
        with self._runtime.unit(session) as (connection, _):
            ruleset = self._runtime.active(connection)
            team = checked("team", team, NAME_LENGTH)
            return badge_admin.team_progress(connection, ruleset, challenge_id, team)

    def award_pending(
        self,
        members: Iterable[str] | None = None,
        *,
        notify: bool = False,
        session: Session | None = None,
    ) -> list[BadgeAwarded]:
        """Award the badges and challenge completions members' histories already meet
        but they do not hold (all members, or ``members``).

        Run it after activating a rule file that adds or lowers badges: recording
        only evaluates what each new action moves.  Like imports, it announces
        nothing unless ``notify`` is true.
        """
        runtime = self._runtime
        with runtime.unit(session) as (connection, after_commit):
            ruleset = runtime.active(connection)
            chosen = [checked_id(m) for m in members] if members is not None else None
            outcome = runtime.recognition.backfill(connection, ruleset, chosen, after_commit)
            if notify:
                runtime.announcer.outcome(connection, after_commit, outcome)
            return outcome.awarded

    def grant(
        self,
        member_id: str,
        badge_id: str,
        *,
        reason: str,
        tier: str | None = None,
        session: Session | None = None,
    ) -> BadgeAwarded:
        """Award a badge by hand (a ``manual`` badge, or any badge HR sees fit), with a
        reason kept for audit.  Granting a badge already held writes nothing."""
        member_id = checked_id(member_id)
        reason = cleaned("reason", reason, REASON_LENGTH)
        runtime = self._runtime
        with runtime.unit(session) as (connection, after_commit):
            award, new = badge_admin.grant_badge(
                runtime.recognition,
                connection,
                runtime.active(connection),
                member_id,
                badge_id,
                tier=tier,
                reason=reason,
                now=instant(None),
                after_commit=after_commit,
            )
            if new:
                runtime.announcer.outcome(connection, after_commit, Outcome(awarded=[award]))
            return award

    def revoke(
        self,
        member_id: str,
        badge_id: str,
        *,
        reason: str,
        tier: str | None = None,
        session: Session | None = None,
    ) -> list[BadgeRevoked]:
        """Revoke the member's awards of a badge (one tier, or all) with a reason.

        The awards stay on record with their revocation; nothing is deleted.
        """
        member_id = checked_id(member_id)
        reason = cleaned("reason", reason, REASON_LENGTH)
        runtime = self._runtime
        with runtime.unit(session) as (connection, after_commit):
            revoked = badge_admin.revoke_badge(
                runtime.recognition,
                connection,
                runtime.active(connection),
                member_id,
                badge_id,
                tier=tier,
                reason=reason,
                after_commit=after_commit,
            )
            runtime.announcer.outcome(connection, after_commit, Outcome(revoked=revoked))
            return revoked
