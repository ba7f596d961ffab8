"""Text output shared by several commands: boards and simulation results."""

from __future__ import annotations

import json
from typing import Any

import click

from engagement.analytics.text import kpi_lines
from engagement.leaderboards.standings import Leaderboard
from engagement.simulation import SimulationResult


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def title(period: str, name: str | None) -> str:
    return name or ("all time" if period == "all" else period)


def print_board(board: Leaderboard) -> None:
    """A board as members see it: exact ranks for the top, bands below."""
    scope = "" if board.scope == "everyone" else f", {board.scope}"
    click.echo(
        f"Leaderboard {title(board.period, board.name)}{scope}, {board.metric} "
        f"({board.participants} members opted in)"
    )
    for entry in board.entries:
        place = (
            f"{entry.rank:>3}."
            if entry.rank is not None
            else (f"top {entry.band} %" if entry.band is not None else "")
        )
        name = entry.display_name or entry.member
        click.echo(f"  {place:>10}  {name[:28]:<28} {entry.score:>7}")


def print_simulation(result: SimulationResult, top: int) -> None:
    d = result.distribution
    skipped = f", {result.skipped} bad lines left out" if result.skipped else ""
    click.echo(
        f"{result.actions} actions ({result.duplicates} duplicates{skipped}) "
        f"under ruleset v{result.ruleset_version}"
    )
    click.echo(
        f"{d.members} members, {d.points} points; mean {d.mean:.1f}, median {d.median:.1f}; "
        f"top 10 % of members hold {d.top_10_percent_share:.0%} of the points"
    )
    click.echo()
    click.echo(
        f"{'#':>3}  {'rank':>4}  {'member':<24} {'team':<18} {'actions':>7} {'points':>7}  "
        f"{'level':<14} {'badges':>6}"
    )
    for position, member in enumerate(result.members[:top], start=1):
        name = member.display_name or member.member
        rank = str(member.rank) if member.on_board else f"({member.rank})"
        click.echo(
            f"{position:>3}  {rank:>4}  {name[:24]:<24} {(member.team or '')[:18]:<18} "
            f"{member.actions:>7} {member.points:>7}  {(member.level_name or '-')[:14]:<14} "
            f"{len(member.badges):>6}"
        )
    if len(result.members) > top:
        click.echo(f"     … and {len(result.members) - top} more (--top N to see them)")
    click.echo("     rank: on the all-time board; (n): where a member who did not opt in would be")
    if result.board is not None:
        click.echo()
        print_board(result.board)
    if result.kpis is not None:
        click.echo()
        click.echo("programme KPIs (engagement report --period all):")
        for line in kpi_lines(result.kpis.overall):
            click.echo(f"  {line}")
