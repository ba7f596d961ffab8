"""What badge evaluation announces: the typed payloads of the recognition signals."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BadgeAwarded:
    """A member earned a badge (or one tier of it).

    ``period_key`` names the period of a repeated badge (``2026-03-01``), else is
    empty; ``action_key`` is the action that earned it (``None`` when HR granted it).
    """

    member: str
    badge: str
    tier: str
    period_key: str
    name: str
    source: str
    action_key: str | None = None
    reason: str | None = None

    @property
    def label(self) -> str:
        """``polyglot:silver``, or ``polyglot`` without tiers: how exports list it."""
        return f"{self.badge}:{self.tier}" if self.tier else self.badge


@dataclass(frozen=True, slots=True)
class BadgeRevoked:
    """A badge award was revoked: by HR, or because an action it relied on was."""

    member: str
    badge: str
    tier: str
    period_key: str
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class LevelReached:
    """A member's cumulative points reached a new level: ``level`` is its number,
    ``name`` its name in the member's language (else the rule file's default) and
    ``points`` the member's total when it was reached."""

    member: str
    level: int
    name: str
    points: int


@dataclass(frozen=True, slots=True)
class ChallengeCompleted:
    """A member reached a challenge's goal; ``team`` is the team they counted for
    and ``action_key`` the action that completed it (``None`` from a backfill)."""

    member: str
    challenge: str
    team: str | None
    action_key: str | None = None
