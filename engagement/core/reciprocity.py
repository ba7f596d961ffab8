"""Thanks given back: the test that tells recognition from reciprocity.

Kudos are meant to say "a colleague noticed what you did".  Two friends, or a small
circle, thanking each other every day say something else, and should not turn into
points or into the "thanked by many colleagues" badge.  The test is one question about
a pair of colleagues and a moment: within the window around it, did the colleague
thank back at least ``min_returned`` times, and for at least ``mostly`` of the
thanks they received?  Scoring asks it of the giver's thank-you (the
``reciprocity`` rule kind), badges of each colleague who thanked the member (the
``kudos_received`` criterion): one test, so both say the same.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engagement.core.periods import parse_duration


class ReciprocitySettings(BaseModel):
    """When two colleagues "mostly thank each other"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window: str = Field(
        default="30d",
        description="How far around a thank-you (before and after) the pair's thanks count.",
    )
    min_returned: int = Field(
        default=2,
        ge=1,
        strict=True,
        description="Thanks given back within the window before a pair counts as mutual: "
        "one thank-you returned is courtesy.",
    )
    mostly: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of the thanks received that the colleague returned (0-1).",
    )

    @field_validator("window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Reciprocity:
    """:class:`ReciprocitySettings`, compiled."""

    __slots__ = ("min_returned", "mostly", "seconds")

    def __init__(self, settings: ReciprocitySettings) -> None:
        self.seconds = parse_duration(settings.window)
        self.min_returned = settings.min_returned
        self.mostly = settings.mostly

    def mutual(self, given: int, returned: int) -> bool:
        """Whether ``returned`` thanks back for ``given`` thanks make the pair mutual."""
        return returned >= self.min_returned and returned >= self.mostly * given

    def around(self, times: Sequence[float], ts: float) -> int:
        """How many of the sorted ``times`` fall in the window around ``ts``."""
        return bisect_left(times, ts + self.seconds) - bisect_left(times, ts - self.seconds)
