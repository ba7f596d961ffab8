"""HR rule files: their models, loading, built-in rule kinds and evaluation."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from engagement.core.periods import Clock
from engagement.rules.bonuses import Personalisation, Variety
from engagement.rules.budget import ImpersonalBudget
from engagement.rules.caps import Cap
from engagement.rules.kinds import Phase, RuleKind, RuleKindRegistry, RuleParams
from engagement.rules.loader import load_ruleset, load_ruleset_file
from engagement.rules.model import RuleFile, VerbSpec
from engagement.rules.modifiers import ContentMix, DiminishingReturns, OncePerContent
from engagement.rules.reciprocity import ThanksReturned
from engagement.rules.ruleset import Ruleset
from engagement.rules.schema import ruleset_json_schema

BUILTIN_RULE_KINDS: tuple[type[RuleKind], ...] = (  # type: ignore[type-arg]
    Personalisation,
    Variety,
    DiminishingReturns,
    OncePerContent,
    ContentMix,
    Cap,
    ImpersonalBudget,
    ThanksReturned,
)

DEFAULT_RULES_PATH = Path(str(files(__package__).joinpath("default.yaml")))
"""The shipped rule file that encodes the field's lessons; a starting point for HR."""


def default_registry() -> RuleKindRegistry:
    """A fresh registry holding the built-in rule kinds."""
    return RuleKindRegistry(BUILTIN_RULE_KINDS)


__all__ = [
    "BUILTIN_RULE_KINDS",
    "DEFAULT_RULES_PATH",
    "Cap",
    "Clock",
    "ContentMix",
    "DiminishingReturns",
    "ImpersonalBudget",
    "OncePerContent",
    "Personalisation",
    "Phase",
    "RuleFile",
    "RuleKind",
    "RuleKindRegistry",
    "RuleParams",
    "Ruleset",
    "Variety",
    "VerbSpec",
    "default_registry",
    "load_ruleset",
    "load_ruleset_file",
    "ruleset_json_schema",
]
