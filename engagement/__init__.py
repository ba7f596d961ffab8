"""engagement: an embeddable gamification engine for employee-advocacy programmes.

Start with :class:`Engagement`; see the README for a tour.
"""

from __future__ import annotations

from .actions import Action, Content, Metrics
from .badges import (
    BadgeAwarded,
    BadgeProgress,
    BadgeRevoked,
    ChallengeCompleted,
    ChallengeProgress,
    CriterionKind,
    CriterionKindRegistry,
    CriterionParams,
    LevelReached,
    LevelStatus,
    Measure,
    TeamProgress,
)
from .engine import Engagement, LedgerEntry
from .exceptions import (
    DuplicateKindError,
    EngagementError,
    InvalidActionError,
    InvalidInputError,
    NotConfiguredError,
    Problem,
    RuleFileError,
    UnknownActionError,
    UnknownKindError,
    UnknownMemberError,
)
from .facts import Fact, Step
from .kudos import KudosGiven
from .leaderboards import Leaderboard, Metric, Neighbourhood, RebuildReport, Standing
from .members import Member
from .outbox import DeliveryError, DrainReport, OutboxMessage, WebhookReceiver
from .privacy import Erasure
from .replay import ReplayReport
from .revocation import Revocation
from .rules import DEFAULT_RULES_PATH, RuleKind, RuleKindRegistry, RuleParams, Ruleset
from .scoring import Award

__all__ = [
    "DEFAULT_RULES_PATH",
    "Action",
    "Award",
    "BadgeAwarded",
    "BadgeProgress",
    "BadgeRevoked",
    "ChallengeCompleted",
    "ChallengeProgress",
    "Content",
    "CriterionKind",
    "CriterionKindRegistry",
    "CriterionParams",
    "DeliveryError",
    "DrainReport",
    "DuplicateKindError",
    "Engagement",
    "EngagementError",
    "Erasure",
    "Fact",
    "InvalidActionError",
    "InvalidInputError",
    "KudosGiven",
    "Leaderboard",
    "LedgerEntry",
    "LevelReached",
    "LevelStatus",
    "Measure",
    "Member",
    "Metric",
    "Metrics",
    "Neighbourhood",
    "NotConfiguredError",
    "OutboxMessage",
    "Problem",
    "RebuildReport",
    "ReplayReport",
    "Revocation",
    "RuleFileError",
    "RuleKind",
    "RuleKindRegistry",
    "RuleParams",
    "Ruleset",
    "Standing",
    "Step",
    "TeamProgress",
    "UnknownActionError",
    "UnknownKindError",
    "UnknownMemberError",
    "WebhookReceiver",
]
