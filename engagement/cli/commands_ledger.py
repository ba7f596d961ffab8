"""``adjust``: points added or taken away by hand, with a reason."""

from __future__ import annotations

import getpass
from dataclasses import asdict

import click

from engagement.cli.output import echo_json
from engagement.cli.params import Count
from engagement.cli.state import State, db_option, pass_state


def _operator() -> str | None:
    """Who runs the command, as the system knows them: the default author."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return None


@click.command()
@click.argument("member")
@click.option(
    "--points",
    type=Count(),
    required=True,
    help="points to add, negative to take away (from -10000 to 10000, not 0)",
)
@click.option("--reason", required=True, help="why, 1 to 500 characters; the member sees it")
@click.option(
    "--key",
    required=True,
    help="a name for this adjustment, unique for the member: running the command "
    "again with it changes nothing",
)
@click.option("--by", help="who makes it, kept for audit (default: your user name)")
@db_option
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@pass_state
def adjust(
    state: State,
    member: str,
    points: int,
    reason: str,
    key: str,
    by: str | None,
    db: str,
    as_json: bool,
) -> None:
    """Add or take away a member's points by hand, with a reason (a ledger entry)."""
    with state.engine(db) as engine:
        done = engine.ledger.adjust(
            member, points, reason=reason, key=key, by=by if by is not None else _operator()
        )
    if as_json:
        echo_json(asdict(done))
        return
    what = "already adjusted, nothing written" if done.duplicate else "adjusted"
    author = f" by {done.by}" if done.by else ""
    click.echo(f"{done.member}: {done.points:+d} points{author} ({done.reason}), {what}")
