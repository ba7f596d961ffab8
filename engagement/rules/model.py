"""The shape of an HR rule file, as pydantic models.

Only the top level lives here; each rule under ``rules:`` is validated by the
``Params`` model of its kind (see :mod:`engagement.rules.kinds`), so that kinds a
host registers get the same validation and error messages as the built-in ones.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engagement.badges.i18n import LocaleTag, Text
from engagement.core.periods import WEEKDAYS, zone
from engagement.exceptions import InvalidInputError

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
VERB_NAME = r"^[a-z][a-z0-9_]*$"


class VerbSpec(BaseModel):
    """A kind of action members can take, and what it is worth before any rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: float = Field(ge=0, strict=True, description="Base points for one action.")
    label: str | None = Field(default=None, description="Words used in explanations.")
    description: str = ""
    target: Literal["required", "optional", "none"] = Field(
        default="none", description="Whether the action names a colleague (kudos, referral)."
    )
    target_is: Literal["member", "anyone"] = Field(
        default="member",
        description="Who the target may be: an enrolled member (kudos), or anyone the host "
        "names (a referred candidate, not a member yet).",
    )
    content: Literal["required", "optional", "none", "or_text"] = Field(
        default="optional",
        description="Whether the action carries a content object; 'or_text': a content "
        "object, or else a text in the member's own words (a topic idea for a suggestion).",
    )


SEASON_ID = r"^[a-z0-9][a-z0-9_-]*$"


class SeasonSpec(BaseModel):
    """A named stretch of the calendar with its own leaderboard (a campaign, a quarter
    of a fiscal year), so a late joiner can still win something."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SEASON_ID, max_length=64, description="Used in APIs and URLs.")
    name: Text = Field(description="Shown to members.")
    starts: date = Field(description="First day, in the leaderboards' time zone.")
    ends: date = Field(description="Last day (included), in the leaderboards' time zone.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> SeasonSpec:
        if self.ends < self.starts:
            raise ValueError(f"ends ({self.ends}) is before starts ({self.starts})")
        return self


class LeaderboardSpec(BaseModel):
    """How standings are shown: boards motivate, they must not humiliate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str | None = Field(
        default=None,
        description="Where weeks, months and seasons of the boards start (default: the "
        "programme's time zone); one clock for everyone, so a board is one contest.",
    )
    exact_ranks: int | None = Field(
        default=None,
        ge=1,
        description="Show exact ranks to the top N only; everyone else sees a percentile "
        "band. Unset: every participant sees an exact rank.",
    )
    bands: list[int] = Field(
        default=[1, 5, 10, 25, 50],
        min_length=1,
        description="Percentile bands ('top 10 %'), rising; below the last one no band "
        "is shown, so nobody is told they are in the bottom half.",
    )
    seasons: list[SeasonSpec] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            _check_zone(value)
        return value

    @field_validator("bands")
    @classmethod
    def _rising_percentages(cls, value: list[int]) -> list[int]:
        if any(not 1 <= band <= 100 for band in value):
            raise ValueError("bands are percentages from 1 to 100")
        if any(later <= earlier for earlier, later in itertools.pairwise(value)):
            raise ValueError(f"bands must rise, got {value}")
        return value

    @field_validator("seasons")
    @classmethod
    def _unique_seasons(cls, value: list[SeasonSpec]) -> list[SeasonSpec]:
        seen: set[str] = set()
        for season in value:
            if season.id in seen:
                raise ValueError(f"duplicate season id {season.id!r}")
            seen.add(season.id)
        return value


class AnalyticsSpec(BaseModel):
    """What HR's programme report counts as corporate content and what reach is worth."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share_verbs: list[str] = Field(
        default=["share"],
        min_length=1,
        description="Verbs that relay content on a network: the shares of the "
        "personalisation rate, the content mix, topics and top content.",
    )
    corporate_kinds: list[str] | None = Field(
        default=None,
        description="Content kinds counted as corporate/promotional in the content mix "
        "(default: those of the file's content_mix rule, else ['corporate']).",
    )
    corporate_target: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Largest healthy share of corporate content (the 80/20 rule: 0.2).",
    )
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    cpm: dict[str, float] = Field(
        default_factory=dict,
        description="Cost per thousand impressions of paid media, per channel: what the "
        "reach members earned would have cost (earned media value).",
    )
    default_cpm: float = Field(default=0.0, ge=0, description="For channels not in cpm.")

    @field_validator("cpm")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for channel, price in value.items():
            if price < 0:
                raise ValueError(f"{channel}: a CPM cannot be negative")
        return value


class PrivacySpec(BaseModel):
    """What erasing a member removes beyond what it always removes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    erase_keys: bool = Field(
        default=False,
        description="Erasure also replaces the idempotency keys of the member's actions, "
        "and of colleagues' actions aimed at them, with random ones: set it when your "
        "keys embed names or e-mail addresses.",
    )


def _check_zone(value: str) -> None:
    try:
        zone(value)
    except InvalidInputError as exc:
        raise ValueError(str(exc)) from None


class RuleFile(BaseModel):
    """A whole rule file: the programme's settings, its verbs and its rules."""

    model_config = ConfigDict(extra="forbid")

    programme: str = Field(default="Advocacy programme", description="Shown to members.")
    timezone: str = Field(default="UTC", description="For members whose time zone is unset.")
    week_start: Weekday = "monday"
    max_text_length: int = Field(
        default=10_000, gt=0, description="Longest text an action may carry, in characters."
    )
    settle_days: int = Field(
        default=14,
        ge=0,
        le=366,
        description="How late an action may arrive and still be scored as of its own "
        "time (the member's later actions re-scored); later ones are scored as of arrival.",
    )
    verbs: dict[str, VerbSpec] = Field(min_length=1)
    rules: list[dict[str, Any]] = Field(default_factory=list)
    default_locale: LocaleTag = Field(
        default="en", description="Language of badge texts for members whose own is missing."
    )
    levels: list[dict[str, Any]] = Field(
        default_factory=list, description="Named levels by cumulative points, lowest first."
    )
    badges: list[dict[str, Any]] = Field(default_factory=list)
    challenges: list[dict[str, Any]] = Field(default_factory=list)
    leaderboards: LeaderboardSpec = Field(default_factory=LeaderboardSpec)
    analytics: AnalyticsSpec = Field(default_factory=AnalyticsSpec)
    privacy: PrivacySpec = Field(default_factory=PrivacySpec)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _check_zone(value)
        return value

    @property
    def leaderboard_timezone(self) -> str:
        return self.leaderboards.timezone or self.timezone

    @field_validator("verbs")
    @classmethod
    def _verb_names(cls, value: dict[str, VerbSpec]) -> dict[str, VerbSpec]:
        import re

        for name in value:
            if not re.match(VERB_NAME, name):
                raise ValueError(f"verb name {name!r} must be lower case letters, digits and '_'")
        return value

    @property
    def week_start_index(self) -> int:
        return WEEKDAYS.index(self.week_start)
