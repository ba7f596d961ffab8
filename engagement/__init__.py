"""engagement: an embeddable gamification engine for employee-advocacy programmes.

Start with :class:`Engagement`; see the README for a tour.
"""

from __future__ import annotations

from engagement.analytics import (
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
from engagement.badges import (
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
from engagement.core.actions import Action, Content, Metrics
from engagement.core.facts import Fact, Step
from engagement.core.limits import Limits
from engagement.core.scoring import Award
from engagement.engine import Engagement
from engagement.exceptions import (
    DuplicateKindError,
    EngagementError,
    InvalidActionError,
    InvalidInputError,
    KeyConflictError,
    NotConfiguredError,
    Problem,
    RuleFileError,
    UnknownActionError,
    UnknownKindError,
    UnknownMemberError,
)
from engagement.facades import LedgerEntry
from engagement.leaderboards import Leaderboard, Metric, Neighbourhood, RebuildReport, Standing
from engagement.outbox import DeliveryError, DrainReport, OutboxMessage, WebhookReceiver
from engagement.pipeline.adjustment import Adjustment
from engagement.pipeline.kudos import KudosGiven
from engagement.pipeline.privacy import Erasure
from engagement.pipeline.replay import ReplayReport
from engagement.pipeline.revocation import Revocation
from engagement.rules import DEFAULT_RULES_PATH, RuleKind, RuleKindRegistry, RuleParams, Ruleset
from engagement.storage.members import Member

__all__ = [
    "DEFAULT_RULES_PATH",
    "Action",
    "Adjustment",
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
    "KeyConflictError",
    "KudosGiven",
    "Leaderboard",
    "LedgerEntry",
    "LevelReached",
    "LevelStatus",
    "Limits",
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
