"""``flask engagement …``: the engine's command line inside the host's application.

The same commands, options, output and exit codes as the ``engagement`` console
script (:mod:`engagement.cli`), with one difference: ``--db`` defaults to the
application's own engine, built from its ``ENGAGEMENT_*`` settings, so that
``flask engagement upgrade`` or ``flask engagement drain --follow`` need no URL and
cannot drift from what the web workers use.  ``init_app`` attaches the group to
``app.cli``; ``--db URL`` still names another database.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from engagement.cli import EngagementGroup, State, cli
from engagement.cli.state import APPLICATION
from engagement.engine import Engagement


def _application_engine() -> Engagement:
    # Imported here: the extension imports this module to register the group.
    from engagement.flask import state

    return state().engine


@click.pass_context
@with_appcontext
def _bind(ctx: click.Context, traceback: bool) -> None:
    """Gamification engine for employee advocacy, on this application's database.

    Exit codes: 0 success, 1 invalid rule file, 2 invalid input or usage, 3 a check
    found differences, 4 the database could not be used, 5 an unexpected error.
    """
    found = ctx.ensure_object(State)
    found.traceback = traceback
    found.application = _application_engine


def _uses_database(command: click.Command) -> bool:
    return any(param.name == "db" for param in command.params)


flask_cli = EngagementGroup(
    "engagement",
    commands=cli.commands,
    callback=_bind,
    params=list(cli.params),
    help=_bind.__doc__,
    context_settings={
        "help_option_names": ["-h", "--help"],
        # The application's engine wherever a command takes --db and none is given.
        "default_map": {
            name: {"db": APPLICATION}
            for name, command in cli.commands.items()
            if _uses_database(command)
        },
    },
)
"""The group ``init_app`` adds to ``app.cli`` (as ``flask engagement``)."""
