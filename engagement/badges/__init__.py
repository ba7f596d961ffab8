"""Badges, levels and challenges: how members see their progress.

Badges are defined in the HR rule file (``badges:``, ``levels:``, ``challenges:``);
each badge's ``criteria`` names a kind from a :class:`CriterionKindRegistry`, which
a host extends with its own :class:`CriterionKind` subclasses.
"""

from __future__ import annotations

from engagement.badges.catalogue import shipped_image
from engagement.badges.criteria import (
    CriterionKind,
    CriterionKindRegistry,
    CriterionParams,
    FactFilter,
    Measure,
)
from engagement.badges.evaluation import BadgeProgress, ChallengeProgress, LevelStatus, TeamProgress
from engagement.badges.kinds import BUILTIN_CRITERIA, default_criteria
from engagement.core.events import BadgeAwarded, BadgeRevoked, ChallengeCompleted, LevelReached

__all__ = [
    "BUILTIN_CRITERIA",
    "BadgeAwarded",
    "BadgeProgress",
    "BadgeRevoked",
    "ChallengeCompleted",
    "ChallengeProgress",
    "CriterionKind",
    "CriterionKindRegistry",
    "CriterionParams",
    "FactFilter",
    "LevelReached",
    "LevelStatus",
    "Measure",
    "TeamProgress",
    "default_criteria",
    "shipped_image",
]
