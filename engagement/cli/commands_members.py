"""``badges``, ``award-pending``, ``export-member`` and ``erase-member``."""

from __future__ import annotations

from dataclasses import asdict

import click

from engagement.badges.evaluation import next_badges
from engagement.cli.errors import CommandError
from engagement.cli.output import echo_json
from engagement.cli.state import State, db_option, pass_state


@click.command()
@click.argument("member")
@db_option
@click.option("--locale", help="language of the texts (default: the member's)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@pass_state
def badges(state: State, member: str, db: str, locale: str | None, as_json: bool) -> None:
    """A member's badges, level and what next."""
    with state.engine(db) as engine:
        progress = engine.badges.progress(member, locale=locale)
        level = engine.badges.level(member, locale=locale)
    upcoming = next_badges(progress)
    if as_json:
        echo_json(
            {
                "member": member,
                "level": asdict(level),
                "badges": [asdict(item) for item in progress],
                "next": [item.badge for item in upcoming],
            }
        )
        return
    click.echo(f"{member}: {level.points} points, level {level.level} ({level.name or '-'})")
    for item in progress:
        earned = ", ".join(t or "earned" for t in item.earned) or "-"
        click.echo(f"  {item.name:<28} {item.percent:>3} %  earned: {earned}")
    for item in upcoming:
        click.echo(f"  next: {item.hint}")


@click.command("award-pending")
@db_option
@pass_state
def award_pending(state: State, db: str) -> None:
    """Award badges members already meet (after adding badges)."""
    with state.engine(db) as engine:
        awarded = engine.badges.award_pending()
    click.echo(f"{len(awarded)} badge awards written")
    for award in awarded:
        click.echo(f"  {award.member}: {award.label}")


@click.command("export-member")
@click.argument("member")
@db_option
@pass_state
def export_member(state: State, member: str, db: str) -> None:
    """Everything held on a member, as JSON."""
    with state.engine(db) as engine:
        echo_json(engine.members.export(member))


@click.command("erase-member")
@click.argument("member")
@db_option
@click.option("--yes", is_flag=True, help="confirm: erasure cannot be undone")
@pass_state
def erase_member(state: State, member: str, db: str, yes: bool) -> None:
    """Erase a member's personal data, keep anonymous aggregates."""
    if not yes:
        raise CommandError(
            f"erasing {member!r} cannot be undone: run again with --yes to confirm "
            "(export-member first if they asked for a copy)"
        )
    with state.engine(db) as engine:
        erasure = engine.members.erase(member)
    click.echo(
        f"{erasure.member} erased: now {erasure.pseudonym}; {erasure.texts_removed} texts "
        f"removed, {erasure.mentions_replaced} colleagues' actions no longer name them"
    )
