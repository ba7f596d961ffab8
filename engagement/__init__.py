"""engagement: an embeddable gamification engine for employee-advocacy programmes.

Start with :class:`Engagement`; see the README for a tour.
"""

from __future__ import annotations

from .actions import Action, Content, Metrics
from .analytics import (
    ChannelFigures,
    ContentMix,
    Contributor,
    MetricsReport,
    ProgrammeReport,
    ReachFigures,
    ReportPeriod,
    Section,
    Tally,
    TopContent,
)
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
    "ChannelFigures",
    "Content",
    "ContentMix",
    "Contributor",
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
    "MetricsReport",
    "Neighbourhood",
    "NotConfiguredError",
    "OutboxMessage",
    "Problem",
    "ProgrammeReport",
    "ReachFigures",
    "RebuildReport",
    "ReplayReport",
    "ReportPeriod",
    "Revocation",
    "RuleFileError",
    "RuleKind",
    "RuleKindRegistry",
    "RuleParams",
    "Ruleset",
    "Section",
    "Standing",
    "Step",
    "Tally",
    "TeamProgress",
    "TopContent",
    "UnknownActionError",
    "UnknownKindError",
    "UnknownMemberError",
    "WebhookReceiver",
]
