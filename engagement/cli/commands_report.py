"""``report``: the programme's KPIs for a period, as HR reports them."""

from __future__ import annotations

from datetime import date

import click

from engagement.cli.errors import CommandError
from engagement.cli.output import echo_json
from engagement.cli.params import Choice, Count, IsoDate
from engagement.cli.state import State, db_option, pass_state


@click.command()
@db_option
@click.option("--period", help="week, month (default), quarter, year or all")
@click.option("--at", type=IsoDate(), help="a day in the period (default: today)")
@click.option("--season", help="a season id of the rule file's leaderboards")
@click.option("--from", "start", type=IsoDate(), help="first day, YYYY-MM-DD")
@click.option("--to", "end", type=IsoDate(), help="last day (included), YYYY-MM-DD")
@click.option("--team", help="only this team's members")
@click.option("--by-team", is_flag=True, help="add a section per team")
@click.option("--top", type=Count(), default=10, help="content and members listed")
@click.option("--format", "output", type=Choice(["text", "json", "csv"]), default="text")
@pass_state
def report(
    state: State,
    db: str,
    period: str | None,
    at: date | None,
    season: str | None,
    start: date | None,
    end: date | None,
    team: str | None,
    by_team: bool,
    top: int,
    output: str,
) -> None:
    """Programme KPIs for a period, as HR reports them."""
    if period is not None and (season or start or end):
        raise CommandError("--period: give a period, a season or --from/--to, not several")
    with state.engine(db) as engine:
        programme = engine.analytics.report(
            period or "month",
            at=at,
            start=start,
            end=end,
            season=season,
            team=team,
            by_team=by_team,
            top=top,
        )
    if output == "json":
        echo_json(programme.to_json())
    elif output == "csv":
        click.echo(programme.to_csv(), nl=False)
    else:
        click.echo(programme.to_text(), nl=False)
