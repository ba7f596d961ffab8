"""``leaderboard``, ``standing`` and ``rebuild-leaderboards``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

import click

from engagement.cli.errors import ExitCode
from engagement.cli.output import echo_json, print_board, title
from engagement.cli.params import Choice, Count, aware_datetime
from engagement.cli.state import State, db_option, pass_state

F = TypeVar("F", bound=Callable[..., Any])


def board_options(command: F) -> F:
    """The options every board command takes: which board, seen how."""
    for option in reversed(
        [
            db_option,
            click.option(
                "--period", default="week", help="week, month, quarter, year, all or season:ID"
            ),
            click.option("--at", help="an instant in the period (ISO 8601; default now)"),
            click.option("--team", help="only this team"),
            click.option("--group", help="only this group of members"),
            click.option("--metric", type=Choice(["points", "variety"]), default="points"),
            click.option("--locale", help="language of season names"),
            click.option("--json", "as_json", is_flag=True, help="print one JSON object"),
        ]
    ):
        command = option(command)
    return command


def _board(options: dict[str, Any]) -> dict[str, Any]:
    """The engine's keyword arguments from the board options."""
    at = options["at"]
    return {
        "period": options["period"],
        "at": aware_datetime("--at", at) if at is not None else None,
        "team": options["team"],
        "group": options["group"],
        "metric": options["metric"],
        "locale": options["locale"],
    }


@click.command()
@board_options
@click.option("--limit", type=Count(), default=20, help="entries (default 20)")
@click.option("--offset", type=Count(), default=0, help="skip this many first")
@pass_state
def leaderboard(
    state: State, /, db: str, as_json: bool, limit: int, offset: int, **options: Any
) -> None:
    """The top of a board, as members see it."""
    with state.engine(db) as engine:
        board = engine.boards.top(limit=limit, offset=offset, **_board(options))
    if as_json:
        echo_json(asdict(board))
    else:
        print_board(board)


@click.command()
@click.argument("member")
@board_options
@click.option("-k", "k", type=Count(), default=3, help="neighbours each side (default 3)")
@pass_state
def standing(state: State, /, member: str, db: str, as_json: bool, k: int, **options: Any) -> None:
    """Where a member stands on a board."""
    with state.engine(db) as engine:
        around = engine.boards.standing(member, k=k, **_board(options))
    if as_json:
        echo_json(asdict(around))
        return
    me = around.me
    # Below the last band, no position at all: nobody is told they are at the bottom.
    where = (
        f"rank {me.rank} with "
        if me.rank is not None
        else (f"top {me.band} % with " if me.band is not None else "")
    )
    seen = "" if me.public else " (private: you have not opted in, nobody else sees this)"
    click.echo(
        f"{member} on {title(around.period, around.name)}: {where}{me.score} "
        f"{around.metric}, among {around.participants} participants{seen}"
    )
    for entry in (*around.above, me, *around.below):
        place = str(entry.rank) if entry.rank is not None else "-"
        name = entry.display_name or entry.member
        click.echo(f"  {'>' if entry.you else ' '} {place:>4}  {name[:28]:<28} {entry.score:>7}")


@click.command("rebuild-leaderboards")
@db_option
@click.option("--check", is_flag=True, help="only compare; exit 3 if rows differ")
@pass_state
def rebuild_leaderboards(state: State, db: str, check: bool) -> None:
    """Recompute every board's score rows from the ledger.

    With --check it only compares, and exits 3 if any row differs.
    """
    with state.engine(db) as engine:
        report = engine.boards.rebuild(check=check)
    done = "would be rewritten" if check else "rewritten"
    click.echo(
        f"{report.rows} score rows from the ledger, {report.stored} stored; "
        f"{report.differences} differ, {report.tally_differences} score tallies differ"
        f"{'' if report.consistent else f' ({done})'}"
    )
    for example in report.examples:
        click.echo(f"  {example}")
    if check and not report.consistent:
        click.get_current_context().exit(ExitCode.DIFFERENCES)
