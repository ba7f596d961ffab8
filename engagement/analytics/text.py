"""A programme report as a summary HR can read in a terminal or paste in an e-mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engagement.analytics.queries import NO_TEAM

if TYPE_CHECKING:
    from engagement.analytics.model import ProgrammeReport, Section

_SHOWN = 5


def _pct(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def kpi_lines(section: Section) -> list[str]:
    """The headline figures of a section, a few lines (also printed by ``simulate``)."""
    mix, reach = section.content_mix, section.reach
    flag = "  OVER TARGET" if mix.over_target else ""
    channels = ", ".join(
        f"{c.channel} {_pct(c.share_of_shares)}" for c in section.channels[:3] if c.shares
    )
    per_active = "-" if section.actions_per_active is None else f"{section.actions_per_active:.1f}"
    return [
        f"ambassadors: {section.enrolled} enrolled, {section.opted_in} opted in, "
        f"{section.active} active ({_pct(section.active_rate)}); "
        f"{section.actions} actions, {per_active} per active ambassador",
        f"personalisation: {_pct(section.personalisation_rate)} of {section.shares} shares "
        f"in the member's own words",
        f"content mix: {_pct(mix.corporate_share)} corporate (target at most "
        f"{_pct(mix.target)}){flag}; {mix.members_over_target} of {mix.members_sharing} "
        f"sharing members over target",
        f"reach: {reach.impressions:,} impressions, {reach.clicks:,} clicks, "
        f"{reach.reactions:,} reactions, engagement rate {_pct(reach.engagement_rate, 1)}; "
        f"earned media value {_money(reach.earned_media_value, reach.currency)}",
        f"top channels (share of shares): {channels or '-'}",
    ]


def _details(section: Section) -> list[str]:
    lines = ["  channels:"]
    for c in section.channels:
        lines.append(
            f"    {c.channel:<14} {c.actions:>6} actions {c.shares:>6} shares "
            f"{c.impressions:>10,} impr.  {_money(c.earned_media_value, section.reach.currency)}"
        )
    topics = ", ".join(f"{t.key} {_pct(t.share)}" for t in section.topics[:_SHOWN])
    lines.append(f"  topics (share of shares): {topics or '-'}")
    by_shares = ", ".join(
        f"{c.content_id} ({c.shares})" for c in section.top_content_by_shares[:_SHOWN]
    )
    by_reach = ", ".join(
        f"{c.content_id} ({c.impressions:,})" for c in section.top_content_by_reach[:_SHOWN]
    )
    lines.append(f"  top content by shares: {by_shares or '-'}")
    lines.append(f"  top content by reach: {by_reach or '-'}")
    lines.append("  top contributors (opted in):")
    for position, member in enumerate(section.top_contributors, start=1):
        name = member.display_name or member.member
        team = (member.team or "")[:18]
        lines.append(f"    {position:>2}. {name:<24} {team:<18} {member.points:>6} points")
    if section.unlisted_contributors:
        lines.append(
            f"    and {section.unlisted_contributors} active member(s) who did not opt in "
            "to public recognition"
        )
    return lines


def report_text(report: ProgrammeReport) -> str:
    period = report.period
    days = f" ({period.first_day} to {period.last_day})" if period.first_day else ""
    scope = f", team {report.overall.team}" if report.overall.team else ""
    lines = [f"{report.programme}: {period.label}{days}, {period.timezone}{scope}"]
    lines += [f"  {line}" for line in kpi_lines(report.overall)]
    lines += _details(report.overall)
    for team in report.teams:
        lines += ["", f"{team.team or NO_TEAM}:"]
        lines += [f"  {line}" for line in kpi_lines(team)]
    return "\n".join(lines) + "\n"
