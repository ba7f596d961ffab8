"""The KPIs of one section (the programme, or one team), from the rows it counts.

Pure functions over plain rows: the database did the filtering, the joins and the
summing of points; what is left (breakdowns by channel and topic, each member's
content mix, top lists) is a few passes in Python, the same on every backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engagement.analytics.model import (
    ChannelFigures,
    ContentMix,
    Contributor,
    ReachFigures,
    Section,
    Tally,
    TopContent,
)
from engagement.analytics.queries import ActionRow, PointsRow
from engagement.rules.bonuses import PersonalisationParams
from engagement.rules.modifiers import ContentMixParams
from engagement.rules.ruleset import Ruleset

NO_CHANNEL = "(none)"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the rule file says the report should count, read once per report."""

    share_verbs: frozenset[str]
    min_own_words: int
    corporate_kinds: tuple[str, ...]
    corporate_target: float
    currency: str
    cpm: Mapping[str, float] = field(default_factory=dict)
    default_cpm: float = 0.0
    top: int = 10

    @classmethod
    def of(cls, ruleset: Ruleset, top: int = 10) -> Settings:
        """Shares are actions of ``analytics.share_verbs``.  A share is personal with at
        least the ``min_own_words`` distinct own words of the personalisation rule that
        scores shares (its default, 4, without one): the report's notion agrees with the
        bonus members see.  Corporate kinds default to the content_mix rule's."""
        spec = ruleset.file.analytics
        share_verbs = frozenset(spec.share_verbs)
        min_words = PersonalisationParams.model_fields["min_own_words"].default
        mix_kinds: list[str] | None = None
        for rule in ruleset.rules:
            applies = any(rule.applies_to(verb) for verb in share_verbs)
            if isinstance(rule.params, PersonalisationParams) and applies:
                min_words = rule.params.min_own_words
            elif isinstance(rule.params, ContentMixParams) and applies and mix_kinds is None:
                mix_kinds = rule.params.corporate_kinds
        kinds = spec.corporate_kinds or mix_kinds or ["corporate"]
        return cls(
            share_verbs=share_verbs,
            min_own_words=int(min_words),
            corporate_kinds=tuple(kinds),
            corporate_target=spec.corporate_target,
            currency=spec.currency,
            cpm=dict(spec.cpm),
            default_cpm=spec.default_cpm,
            top=top,
        )

    def emv(self, channel: str | None, impressions: int) -> float:
        price = self.cpm.get(channel, self.default_cpm) if channel else self.default_cpm
        return impressions * price / 1000


def _rate(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def section(
    team: str | None,
    rows: Sequence[ActionRow],
    enrolled: tuple[int, int],
    points: Iterable[PointsRow],
    settings: Settings,
) -> Section:
    """The KPIs of ``rows`` (already limited to the section); ``enrolled`` is
    ``(members, opted in)``; ``points`` may hold other sections' members too."""
    shares = [row for row in rows if row.verb in settings.share_verbs]
    active = {row.member_pk for row in rows}
    actions_of = Counter(row.member_pk for row in rows)
    personal = sum(row.distinct_own_words >= settings.min_own_words for row in shares)
    by_shares, by_reach = _top_content(shares, settings.top)
    listed, unlisted = _contributors(points, active, actions_of, settings.top)
    return Section(
        team=team,
        enrolled=enrolled[0],
        opted_in=enrolled[1],
        active=len(active),
        active_rate=_rate(len(active), enrolled[0]),
        actions=len(rows),
        actions_per_active=_rate(len(rows), len(active)),
        shares=len(shares),
        personal_shares=personal,
        personalisation_rate=_rate(personal, len(shares)),
        content_mix=_content_mix(shares, settings),
        reach=_reach(rows, settings),
        channels=_channels(rows, settings),
        topics=_topics(shares),
        top_content_by_shares=by_shares,
        top_content_by_reach=by_reach,
        top_contributors=listed,
        unlisted_contributors=unlisted,
    )


def _content_mix(shares: Sequence[ActionRow], settings: Settings) -> ContentMix:
    kinds = set(settings.corporate_kinds)
    per_member: Counter[int] = Counter()
    corporate_of: Counter[int] = Counter()
    for row in shares:
        per_member[row.member_pk] += 1
        if row.content_kind in kinds:
            corporate_of[row.member_pk] += 1
    corporate = sum(corporate_of.values())
    share = _rate(corporate, len(shares))
    target = settings.corporate_target
    over = sum(corporate_of[pk] / count > target for pk, count in per_member.items())
    return ContentMix(
        shares=len(shares),
        corporate=corporate,
        corporate_share=share,
        target=target,
        over_target=share is not None and share > target,
        members_sharing=len(per_member),
        members_over_target=over,
        members_over_target_share=_rate(over, len(per_member)),
    )


def _reach(rows: Sequence[ActionRow], settings: Settings) -> ReachFigures:
    impressions = clicks = reactions = 0
    value = 0.0
    for row in rows:
        if row.impressions or row.clicks or row.reactions:
            impressions += row.impressions
            clicks += row.clicks
            reactions += row.reactions
            value += settings.emv(row.channel, row.impressions)
    return ReachFigures(
        impressions=impressions,
        clicks=clicks,
        reactions=reactions,
        engagement_rate=_rate(clicks + reactions, impressions),
        earned_media_value=round(value, 2),
        currency=settings.currency,
    )


def _channels(rows: Sequence[ActionRow], settings: Settings) -> tuple[ChannelFigures, ...]:
    totals: dict[str, list[int]] = {}
    share_verbs = settings.share_verbs
    for row in rows:
        figures = totals.get(row.channel or NO_CHANNEL)
        if figures is None:
            figures = totals[row.channel or NO_CHANNEL] = [0, 0, 0, 0, 0]
        figures[0] += 1
        figures[1] += row.verb in share_verbs
        figures[2] += row.impressions
        figures[3] += row.clicks
        figures[4] += row.reactions
    all_shares = sum(figures[1] for figures in totals.values())
    channels = [
        ChannelFigures(
            channel=channel,
            actions=count,
            shares=shared,
            share_of_shares=_rate(shared, all_shares),
            impressions=impressions,
            clicks=clicks,
            reactions=reactions,
            earned_media_value=round(
                settings.emv(None if channel == NO_CHANNEL else channel, impressions), 2
            ),
        )
        for channel, (count, shared, impressions, clicks, reactions) in totals.items()
    ]
    channels.sort(key=lambda c: (-c.shares, -c.actions, c.channel))
    return tuple(channels)


def _topics(shares: Sequence[ActionRow]) -> tuple[Tally, ...]:
    counts = Counter(topic for row in shares for topic in set(row.topics))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Tally(topic, count, _rate(count, len(shares))) for topic, count in ordered)


def _top_content(
    shares: Sequence[ActionRow], top: int
) -> tuple[tuple[TopContent, ...], tuple[TopContent, ...]]:
    counts: Counter[str] = Counter()
    impressions: Counter[str] = Counter()
    kinds: dict[str, str | None] = {}
    for row in shares:
        if row.content_id is None:
            continue
        counts[row.content_id] += 1
        impressions[row.content_id] += row.impressions
        kinds.setdefault(row.content_id, row.content_kind)
    content = [TopContent(cid, kinds[cid], counts[cid], impressions[cid]) for cid in counts]
    by_shares = sorted(content, key=lambda c: (-c.shares, -c.impressions, c.content_id))
    by_reach = sorted(
        (c for c in content if c.impressions > 0),
        key=lambda c: (-c.impressions, -c.shares, c.content_id),
    )
    return tuple(by_shares[:top]), tuple(by_reach[:top])


def _contributors(
    points: Iterable[PointsRow], active: set[int], actions_of: Mapping[int, int], top: int
) -> tuple[tuple[Contributor, ...], int]:
    """Opted-in active members by points (then actions); the others are only counted,
    because appearing in public recognition is each member's choice."""
    listed: list[Contributor] = []
    named: set[int] = set()
    for row in points:
        if row.member_pk in active and row.opted_in:
            named.add(row.member_pk)
            listed.append(
                Contributor(
                    row.member,
                    row.display_name,
                    row.team,
                    row.points,
                    actions_of[row.member_pk],
                )
            )
    listed.sort(key=lambda c: (-c.points, -c.actions, c.member))
    return tuple(listed[:top]), len(active - named)
