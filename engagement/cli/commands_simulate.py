"""``simulate`` and ``replay``: trying rules on actions, and rescoring a log."""

from __future__ import annotations

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from engagement.cli.commands_rules import reading_rules
from engagement.cli.errors import CommandError, clip
from engagement.cli.output import echo_json, print_simulation
from engagement.cli.params import Count
from engagement.cli.state import State, db_option, pass_state
from engagement.engine import Engagement
from engagement.exceptions import InvalidInputError, NotConfiguredError
from engagement.rules import DEFAULT_RULES_PATH
from engagement.simulation import simulate as run_simulation


@click.command()
@click.argument("actions", metavar="ACTIONS.jsonl")
@click.option(
    "--rules",
    metavar="FILE",
    help="rule file (default: with --db, the database's active rules; else the shipped ones)",
)
@click.option("--members", metavar="FILE", help="JSONL file of members (names, teams, time zones)")
@click.option("--db", metavar="URL", help="run on this database's log (default: in memory)")
@click.option("--write", is_flag=True, help="keep the actions and --rules in --db (commit)")
@click.option("--skip-invalid", is_flag=True, help="report bad lines as FILE:LINE and go on")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--top", type=Count(), default=20, help="members listed (default 20)")
@pass_state
def simulate(
    state: State,
    actions: str,
    rules: str | None,
    members: str | None,
    db: str | None,
    write: bool,
    skip_invalid: bool,
    as_json: bool,
    top: int,
) -> None:
    """Score a JSONL file of actions and total up.

    In memory by default.  With --db, a what-if on that database: the actions are
    added to its log, under its active rules (or --rules), inside one transaction
    that is rolled back once the totals are printed, so its log and active ruleset
    stay as they were.  The transaction holds the database's write lock while it
    runs (SQLite) or locks the members it touches (PostgreSQL).

    With --write the transaction is committed instead: the database (and its tables)
    are created if needed, --rules (or, on a database without rules, the shipped
    ones) becomes the active ruleset, and the actions are kept.  A bad line stops
    the run with nothing written, unless --skip-invalid reports each bad line as
    FILE:LINE: message and records the others.
    """
    if write and db is None:
        raise click.UsageError("--write needs --db: a simulation in memory keeps nothing")
    with state.engine(
        db or "sqlite://",
        create=write,
        missing_hint="correct the path, or add --write to create a new database",
    ) as engine:
        if db is None or write:
            engine.create_schema()
        elif not _has_tables(engine):
            raise CommandError(
                f"{state.database} has no engagement tables",
                "simulate without --db, or add --write to create them and keep the actions",
            )
        with Session(engine.database) as session:
            _activate(engine, session, rules, use_active=db is not None)
            try:
                result = run_simulation(
                    engine,
                    actions,
                    members_path=members,
                    session=session,
                    on_invalid=_report_line if skip_invalid else None,
                )
            except InvalidInputError as exc:
                if write:
                    raise CommandError(
                        str(exc),
                        f"nothing was written to {state.database}: correct the line, or "
                        "add --skip-invalid to leave bad lines out, and run again",
                    ) from exc
                raise
            if write:
                session.commit()
            else:
                session.rollback()
    if as_json:
        echo_json(result.to_json())
    else:
        print_simulation(result, top)
    if db is not None and not write:
        click.echo(
            f"engagement: a what-if: nothing was written to {state.database} "
            "(add --write to keep the actions)",
            err=True,
        )


def _report_line(error: InvalidInputError) -> None:
    click.echo(clip(str(error)), err=True)


def _has_tables(engine: Engagement) -> bool:
    names = sa.inspect(engine.database).get_table_names()
    return any(name.startswith("engagement_") for name in names)


def _activate(engine: Engagement, session: Session, rules: str | None, *, use_active: bool) -> None:
    """Activate ``rules`` in ``session``; without them keep the database's active
    ruleset (``use_active``), or else activate the shipped one."""
    if rules is None and use_active:
        try:
            engine.active_rules(session=session)
            return
        except NotConfiguredError:
            pass  # no ruleset yet: the shipped one it is
    path = rules if rules is not None else str(DEFAULT_RULES_PATH)
    with reading_rules(path):
        engine.activate_rules(path, session=session)


@click.command()
@db_option
@click.option("--apply", is_flag=True, help="append adjustment entries")
@click.option(
    "--rules", metavar="FILE", help="preview under this rule file instead (never applied)"
)
@pass_state
def replay(state: State, db: str, apply: bool, rules: str | None) -> None:
    """Rescore a database's log under its rules.

    Without --apply it only reports what would change.  With --rules it reports what
    a rule file not yet activated would change (activate it, then --apply).
    """
    if apply and rules is not None:
        raise CommandError(
            "--apply rescores under the active rules only, not --rules",
            "activate the file first ('engagement activate FILE --db URL'), then --apply",
        )
    with state.engine(db) as engine:
        preview = None
        if rules is not None:
            with reading_rules(rules):
                preview = engine.load_rules(rules)
        report = engine.replay(apply=apply, rules=preview)
    verb = "adjusted" if report.applied else "would change"
    click.echo(
        f"{report.actions} actions replayed; {report.changed} {verb}; "
        f"points {report.points_before} -> {report.points_after}"
    )
    for key, before, after in report.examples:
        click.echo(f"  {key}: {before} -> {after}")
