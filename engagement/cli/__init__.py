"""The ``engagement`` command: a stable contract for HR and scripts.

:data:`cli` is a click group: the console script runs it through :func:`main`, and a
Flask host can attach the same group to its own command line
(``app.cli.add_command(cli)`` gives ``flask engagement …``).  Exit codes and error
messages are documented in :mod:`engagement.cli.errors`: 0 success, 1 invalid rule
file, 2 invalid input or usage, 3 a check found differences, 4 the database could
not be used, 5 a bug; never a traceback unless ``--traceback`` asks for one.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import Any

import click

from engagement.cli import (
    commands_boards,
    commands_ledger,
    commands_members,
    commands_outbox,
    commands_report,
    commands_rules,
    commands_schema,
    commands_simulate,
)
from engagement.cli.errors import ExitCode, translate, usage
from engagement.cli.state import State

__all__ = ["EngagementGroup", "ExitCode", "State", "cli", "main"]


class EngagementGroup(click.Group):
    """A group whose commands fail in one line and a documented exit code.

    Usage errors are reworded as argparse worded them; anything else a command lets
    through goes to :func:`engagement.cli.errors.translate`.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise usage(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.UsageError as exc:
            raise usage(exc) from exc
        except click.ClickException:
            raise
        except Exception as exc:
            state = ctx.find_object(State)
            if state is not None and state.traceback:
                raise
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # the reader went away: click exits quietly
            raise translate(exc, state.database if state else None) from exc


@click.group(
    "engagement",
    cls=EngagementGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--traceback", is_flag=True, help="show the traceback of an unexpected error (for a bug report)"
)
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Gamification engine for employee advocacy.

    Exit codes: 0 success, 1 invalid rule file, 2 invalid input or usage, 3 a check
    found differences, 4 the database could not be used, 5 an unexpected error.
    """
    ctx.ensure_object(State).traceback = traceback


for _command in (
    commands_schema.upgrade,
    commands_schema.downgrade,
    commands_schema.current,
    commands_rules.validate,
    commands_rules.schema,
    commands_rules.activate,
    commands_simulate.simulate,
    commands_simulate.replay,
    commands_members.badges,
    commands_ledger.adjust,
    commands_members.award_pending,
    commands_boards.leaderboard,
    commands_boards.standing,
    commands_boards.rebuild_leaderboards,
    commands_members.export_member,
    commands_members.erase_member,
    commands_report.report,
    commands_outbox.drain,
    commands_outbox.outbox_status,
):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``engagement`` with ``argv`` (default: the process's arguments) and return
    its exit code; the console script's entry point.

    Usage errors (a missing argument, an unknown option, a bad choice) print their
    line and raise ``SystemExit(2)``, as they did when the command used argparse.
    """
    try:
        status = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="engagement",
            standalone_mode=False,
        )
    except click.UsageError as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("engagement: interrupted", err=True)
        return ExitCode.INTERRUPTED
    return status if isinstance(status, int) else ExitCode.OK
