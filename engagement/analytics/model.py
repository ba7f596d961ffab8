"""What a programme report holds: frozen, typed figures, one section per scope.

Rates are ``None`` when their denominator is zero (no shares, no impressions):
"no data" must not read as "0 %".  Money is in the rule file's
``analytics.currency``.  See docs/analytics.md for each definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engagement.analytics.export import report_csv, report_json
from engagement.analytics.periods import ReportPeriod
from engagement.analytics.text import report_text


@dataclass(frozen=True, slots=True)
class Tally:
    """How many of a section's shares fall under ``key`` (a topic), and what share."""

    key: str
    count: int
    share: float | None


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """One channel: every action on it, the shares among them and the reach they earned."""

    channel: str
    actions: int
    shares: int
    share_of_shares: float | None
    impressions: int
    clicks: int
    reactions: int
    earned_media_value: float


@dataclass(frozen=True, slots=True)
class ContentMix:
    """Corporate content against the 80/20 target, for the section and its members.

    ``members_over_target`` counts members with at least one share whose own
    corporate share exceeds ``target``.
    """

    shares: int
    corporate: int
    corporate_share: float | None
    target: float
    over_target: bool
    members_sharing: int
    members_over_target: int
    members_over_target_share: float | None


@dataclass(frozen=True, slots=True)
class ReachFigures:
    """Reach of every counted action, with late reports applied.

    ``engagement_rate`` is (clicks + reactions) / impressions; ``earned_media_value``
    is the sum over channels of impressions × CPM / 1000.
    """

    impressions: int
    clicks: int
    reactions: int
    engagement_rate: float | None
    earned_media_value: float
    currency: str


@dataclass(frozen=True, slots=True)
class TopContent:
    """A piece of content, by how often it was shared and the reach of those actions."""

    content_id: str
    kind: str | None
    shares: int
    impressions: int


@dataclass(frozen=True, slots=True)
class Contributor:
    """A member who opted in to public recognition, by points earned in the period."""

    member: str
    display_name: str | None
    team: str | None
    points: int
    actions: int


@dataclass(frozen=True, slots=True)
class Section:
    """The KPIs of one scope: the whole report (``team`` is the filter, or ``None``)
    or one team (``team`` is its name; ``None`` in a per-team list means no team)."""

    team: str | None
    enrolled: int
    opted_in: int
    active: int
    active_rate: float | None
    actions: int
    actions_per_active: float | None
    shares: int
    personal_shares: int
    personalisation_rate: float | None
    content_mix: ContentMix
    reach: ReachFigures
    channels: tuple[ChannelFigures, ...]
    topics: tuple[Tally, ...]
    top_content_by_shares: tuple[TopContent, ...]
    top_content_by_reach: tuple[TopContent, ...]
    top_contributors: tuple[Contributor, ...]
    unlisted_contributors: int
    """Members who earned points but did not opt in: counted, never named."""


@dataclass(frozen=True, slots=True)
class ProgrammeReport:
    """The programme's KPIs for one period, overall and (``by_team``) per team."""

    programme: str
    period: ReportPeriod
    generated_at: datetime
    personal_min_words: int
    """Distinct own words that make a share personal (the personalisation rule's)."""
    corporate_kinds: tuple[str, ...]
    overall: Section
    teams: tuple[Section, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings); see docs/analytics.md."""
        return report_json(self)

    def to_csv(self) -> str:
        """One row per (period, team, metric, dimension, value), for a pivot table."""
        return report_csv(self)

    def to_text(self) -> str:
        """A readable summary, as ``engagement report`` prints it."""
        return report_text(self)
