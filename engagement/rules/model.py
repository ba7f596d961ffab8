"""The shape of an HR rule file, as pydantic models.

Only the top level lives here; each rule under ``rules:`` is validated by the
``Params`` model of its kind (see :mod:`engagement.rules.kinds`), so that kinds a
host registers get the same validation and error messages as the built-in ones.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..badges.i18n import LocaleTag
from ..exceptions import InvalidInputError
from ..periods import WEEKDAYS, zone

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
    content: Literal["required", "optional", "none"] = Field(
        default="optional", description="Whether the action carries a content object."
    )


class RuleFile(BaseModel):
    """A whole rule file: the programme's settings, its verbs and its rules."""

    model_config = ConfigDict(extra="forbid")

    programme: str = Field(default="Advocacy programme", description="Shown to members.")
    timezone: str = Field(default="UTC", description="For members whose time zone is unset.")
    week_start: Weekday = "monday"
    max_text_length: int = Field(
        default=10_000, gt=0, description="Longest text an action may carry, in characters."
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

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except InvalidInputError as exc:
            raise ValueError(str(exc)) from None
        return value

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
