"""The badge, level and challenge sections of an HR rule file, as pydantic models.

Each badge's ``criteria`` (and each challenge's ``goal``) is validated by the
``Params`` model of its kind (see :mod:`engagement.badges.criteria`), so kinds a host
registers get the same validation and ``FILE:LINE`` messages as the built-in ones.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from string import Formatter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engagement.badges.i18n import Text

BADGE_ID = r"^[a-z0-9][a-z0-9_.-]*$"
TIER_NAME = r"^[a-z0-9][a-z0-9_-]*$"
RepeatPeriod = Literal["week", "month", "quarter", "year"]
BADGE_HINT_FIELDS = ("remaining", "current", "target", "badge", "tier")
CHALLENGE_HINT_FIELDS = ("remaining", "current", "target", "challenge")


def check_hint(
    value: str | dict[str, str] | None, fields: tuple[str, ...]
) -> str | dict[str, str] | None:
    """Refuse a hint that could not be filled in, before any member sees an error."""
    if value is None:
        return None
    texts = [value] if isinstance(value, str) else list(value.values())
    known = ", ".join("{" + name + "}" for name in fields)
    for text in texts:
        try:
            names = [name for _, name, _, _ in Formatter().parse(text) if name is not None]
        except ValueError as exc:
            raise ValueError(f"{exc} in {text!r} (write {{{{ and }}}} for braces)") from None
        for name in names:
            if not name or name.isdigit():
                raise ValueError(f"placeholders need a name in {text!r}; use {known}")
            if name not in fields:
                raise ValueError(f"unknown placeholder {{{name}}} in {text!r}; use {known}")
        try:
            text.format(**{name: _HINT_SAMPLES[name] for name in fields})
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{exc} in {text!r}") from None
    return value


_HINT_SAMPLES: dict[str, object] = {
    "remaining": 2,
    "current": 3,
    "target": 5,
    "badge": "Polyglot (silver)",
    "tier": "silver",
    "challenge": "Sprint",
}


class BadgeSpec(BaseModel):
    """One badge HR defines: what it is called, how it is earned, how it behaves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=BADGE_ID, description="Stable id: never rename an awarded badge.")
    name: Text
    description: Text = ""
    criteria: dict[str, Any] = Field(description="How it is earned: a criterion with a 'kind'.")
    target: float | None = Field(default=None, gt=0, description="The measure to reach.")
    tiers: dict[str, float] | None = Field(
        default=None,
        description="Tier name to target, lowest first: {bronze: 5, silver: 15, gold: 40}.",
    )
    secret: bool = Field(default=False, description="Hidden from members until earned.")
    repeat: RepeatPeriod | None = Field(
        default=None, description="Earned again in every period in which it is met."
    )
    valid_from: date | None = Field(default=None, description="First day it can be earned.")
    valid_until: date | None = Field(default=None, description="Last day it can be earned.")
    image: str | None = Field(
        default=None, description="An image URL; by default the shipped SVG of the tier."
    )
    on_revocation: Literal["revoke", "keep"] = Field(
        default="revoke",
        description="When an action it relied on is revoked and it is no longer met.",
    )
    hint: Text | None = Field(
        default=None,
        description=(
            "What to do next; {remaining}, {current}, {target}, {badge}, {tier} are filled in."
        ),
    )

    @field_validator("tiers")
    @classmethod
    def _rising(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("give at least one tier")
        targets = list(value.values())
        for name, target in value.items():
            if not re.match(TIER_NAME, name):
                raise ValueError(
                    f"tier name {name!r} must be lower case letters, digits, '-' or '_'"
                )
            if target <= 0:
                raise ValueError(f"tier {name!r}: target must be greater than 0")
        if any(b <= a for a, b in pairwise(targets)):
            raise ValueError("tier targets must rise from the first tier to the last")
        return value

    @field_validator("hint")
    @classmethod
    def _hint_fields(cls, value: str | dict[str, str] | None) -> str | dict[str, str] | None:
        return check_hint(value, BADGE_HINT_FIELDS)

    @model_validator(mode="after")
    def _dates(self) -> BadgeSpec:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if self.target is not None and self.tiers is not None:
            raise ValueError("give either 'target' or 'tiers', not both")
        return self


class LevelSpec(BaseModel):
    """A named level reached at a number of cumulative points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: int = Field(ge=0, strict=True, description="Cumulative points to reach it.")
    name: Text


class ChallengeSpec(BaseModel):
    """A dated campaign ("temps fort"), maybe for some teams only, with a goal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=BADGE_ID)
    name: Text
    description: Text = ""
    starts: date = Field(description="First day, in the programme's time zone.")
    ends: date = Field(description="Last day (included), in the programme's time zone.")
    teams: list[str] | None = Field(default=None, description="Teams taking part (all if unset).")
    goal: dict[str, Any] = Field(description="A criterion with a 'kind', as for badges.")
    target: float = Field(gt=0, description="What each member must reach.")
    team_target: float | None = Field(
        default=None, gt=0, description="What a team reaches together (sum of its members)."
    )
    hint: Text | None = Field(
        default=None,
        description="What to do next; {remaining}, {current}, {target}, {challenge} are filled in.",
    )

    @field_validator("hint")
    @classmethod
    def _hint_fields(cls, value: str | dict[str, str] | None) -> str | dict[str, str] | None:
        return check_hint(value, CHALLENGE_HINT_FIELDS)

    @model_validator(mode="after")
    def _dates(self) -> ChallengeSpec:
        if self.ends < self.starts:
            raise ValueError("ends is before starts")
        return self
