"""A programme report as JSON (nested, for programs) and CSV (tidy, for spreadsheets).

The CSV has one row per figure, the layout a pivot table wants::

    period,first_day,last_day,team,metric,dimension,value
    2026-07,2026-07-01,2026-07-31,(all),active_rate,,0.95
    2026-07,2026-07-01,2026-07-31,(all),channel_shares,linkedin,1290

``team`` is ``(all)`` for the whole programme (or the team filtered on), a team's
name in per-team sections, ``(no team)`` for members without one.  ``dimension``
names the channel, topic, content or member a figure is about (for money, the
currency); it is empty for plain figures.  An empty ``value`` means "no data" (a
rate whose denominator is zero).  docs/analytics.md lists every metric.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from engagement.analytics.queries import NO_TEAM

if TYPE_CHECKING:
    from engagement.analytics.model import ProgrammeReport, Section

CSV_COLUMNS = ("period", "first_day", "last_day", "team", "metric", "dimension", "value")
ALL_TEAMS = "(all)"
_DECIMALS = 4


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, _DECIMALS)
    return value


def report_json(report: ProgrammeReport) -> dict[str, Any]:
    """The report as JSON-ready data; rates rounded to four decimals."""
    return {
        "programme": report.programme,
        "period": _plain(report.period),
        "generated_at": report.generated_at.isoformat(),
        "definitions": {
            "personal_min_words": report.personal_min_words,
            "corporate_kinds": list(report.corporate_kinds),
            "corporate_target": report.overall.content_mix.target,
            "currency": report.overall.reach.currency,
        },
        "overall": _plain(report.overall),
        "teams": [_plain(team) for team in report.teams],
    }


def _figures(section: Section) -> Iterator[tuple[str, str, object]]:
    """``(metric, dimension, value)`` for every figure of ``section``."""
    mix, reach = section.content_mix, section.reach
    yield from (
        ("enrolled", "", section.enrolled),
        ("opted_in", "", section.opted_in),
        ("active", "", section.active),
        ("active_rate", "", section.active_rate),
        ("actions", "", section.actions),
        ("actions_per_active", "", section.actions_per_active),
        ("shares", "", section.shares),
        ("personal_shares", "", section.personal_shares),
        ("personalisation_rate", "", section.personalisation_rate),
        ("corporate_shares", "", mix.corporate),
        ("corporate_share", "", mix.corporate_share),
        ("corporate_target", "", mix.target),
        ("corporate_over_target", "", int(mix.over_target)),
        ("members_sharing", "", mix.members_sharing),
        ("members_over_target", "", mix.members_over_target),
        ("members_over_target_share", "", mix.members_over_target_share),
        ("impressions", "", reach.impressions),
        ("clicks", "", reach.clicks),
        ("reactions", "", reach.reactions),
        ("engagement_rate", "", reach.engagement_rate),
        ("earned_media_value", reach.currency, reach.earned_media_value),
    )
    for channel in section.channels:
        name = channel.channel
        yield from (
            ("channel_actions", name, channel.actions),
            ("channel_shares", name, channel.shares),
            ("channel_share_of_shares", name, channel.share_of_shares),
            ("channel_impressions", name, channel.impressions),
            ("channel_clicks", name, channel.clicks),
            ("channel_reactions", name, channel.reactions),
            ("channel_earned_media_value", name, channel.earned_media_value),
        )
    for topic in section.topics:
        yield ("topic_shares", topic.key, topic.count)
        yield ("topic_share", topic.key, topic.share)
    for content in section.top_content_by_shares:
        yield ("top_content_shares", content.content_id, content.shares)
    for content in section.top_content_by_reach:
        yield ("top_content_impressions", content.content_id, content.impressions)
    for member in section.top_contributors:
        yield ("top_contributor_points", member.member, member.points)
    yield ("unlisted_contributors", "", section.unlisted_contributors)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, _DECIMALS)
    return value


def report_csv(report: ProgrammeReport) -> str:
    """The report as CSV text (header first, ``\\r\\n`` line ends as RFC 4180 says)."""
    period = report.period
    first = period.first_day.isoformat() if period.first_day else ""
    last = period.last_day.isoformat() if period.last_day else ""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    sections = [(report.overall.team or ALL_TEAMS, report.overall)]
    sections += [(team.team or NO_TEAM, team) for team in report.teams]
    for label, section in sections:
        for metric, dimension, value in _figures(section):
            writer.writerow((period.label, first, last, label, metric, dimension, _cell(value)))
    return out.getvalue()
