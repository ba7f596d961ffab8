"""``drain``: delivering the outbox to a webhook, from cron, a timer or a service;
``outbox-status``: what to monitor (lag, dead letters), as text, JSON or a check."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from engagement.cli.errors import CommandError, ExitCode
from engagement.cli.output import echo_json
from engagement.cli.params import Choice, Count
from engagement.cli.state import State, db_option, pass_state
from engagement.outbox import RECOGNITION, DrainReport, WebhookReceiver
from engagement.outbox.webhook import STYLES

SECRET_FILE_LIMIT = 4096


@click.command()
@db_option
@click.option("--webhook", required=True, metavar="URL", help="incoming webhook URL")
@click.option(
    "--style",
    type=Choice(STYLES),
    default="slack",
    help="message format: slack, teams, or json (the message itself, for a service)",
)
@click.option("--limit", type=Count(), default=100, help="messages per batch (default 100)")
@click.option(
    "--max-attempts", type=Count(), default=8, help="tries before dead-lettering (default 8)"
)
@click.option(
    "--events",
    help=f"comma-separated events to post (default: {','.join(sorted(RECOGNITION))}; "
    "every event for --style json)",
)
@click.option(
    "--secret-file",
    metavar="FILE",
    help="sign each POST with the secret in FILE (e.g. a systemd credential)",
)
@click.option(
    "--secret-env",
    metavar="NAME",
    help="sign each POST with the secret in environment variable NAME",
)
@click.option("--follow", is_flag=True, help="keep draining until SIGTERM or Ctrl-C (a service)")
@click.option(
    "--interval",
    type=float,
    default=5.0,
    help="with --follow: seconds between polls when the outbox is empty (default 5)",
)
@click.option("--max-polls", type=Count(), default=None, help="with --follow: stop after N drains")
@pass_state
def drain(
    state: State,
    db: str,
    webhook: str,
    style: str,
    limit: int,
    max_attempts: int,
    events: str | None,
    secret_file: str | None,
    secret_env: str | None,
    follow: bool,
    interval: float,
    max_polls: int | None,
) -> None:
    """Deliver the outbox to a webhook: one batch (for cron or a timer), or with
    --follow until stopped (for a service).

    Failed deliveries still exit 0: a later batch retries them.  SIGTERM or Ctrl-C
    stops --follow after the current batch, with exit code 0.
    """
    chosen = None if events is None else [e.strip() for e in events.split(",")]
    secret = _secret(secret_file, secret_env)
    receiver = WebhookReceiver(webhook, style=style, events=chosen, secret=secret)
    with state.engine(db) as engine:
        if not follow:
            report = engine.outbox.drain(receiver, limit=limit, max_attempts=max_attempts)
            click.echo(_summary(report))
            return
        stop = threading.Event()
        click.echo(f"following the outbox, polling every {interval:g} s; stop with SIGTERM")
        with _stopped_by_signals(stop):
            polls, totals = engine.outbox.follow(
                receiver,
                interval=interval,
                stop=stop,
                limit=limit,
                max_attempts=max_attempts,
                max_polls=max_polls,
                on_report=lambda report: click.echo(_summary(report)) if report.claimed else None,
            )
    click.echo(f"stopped after {polls} polls: {_summary(totals)}")


@click.command("outbox-status")
@db_option
@click.option(
    "--max-lag",
    type=Count(),
    metavar="SECONDS",
    help="exit 3 if the oldest pending message has waited longer",
)
@click.option("--max-dead", type=Count(), help="exit 3 if there are more dead letters")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
@pass_state
def outbox_status(
    state: State, db: str, max_lag: int | None, max_dead: int | None, as_json: bool
) -> None:
    """Show the outbox's backlog: pending, retrying, dead, delivered, and the lag.

    With --max-lag or --max-dead it is a check for monitoring: exit 3 when a
    threshold is passed (each passed threshold is named on a line of its own).
    """
    for name, value in (("--max-lag", max_lag), ("--max-dead", max_dead)):
        if value is not None and value < 0:
            raise CommandError(f"{name}: 0 or more, not {value}")
    with state.engine(db) as engine:
        backlog = engine.outbox.backlog()
    lag = int(backlog.lag.total_seconds())
    if as_json:
        echo_json(
            {
                "at": backlog.at.isoformat(),
                "pending": backlog.pending,
                "retrying": backlog.retrying,
                "dead": backlog.dead,
                "delivered": backlog.delivered,
                "oldest_pending": backlog.oldest_pending.isoformat()
                if backlog.oldest_pending
                else None,
                "lag_seconds": lag,
            }
        )
    else:
        click.echo(f"pending {backlog.pending} ({backlog.retrying} retrying), lag {lag} s")
        click.echo(f"dead {backlog.dead}")
        click.echo(f"delivered {backlog.delivered} (kept until pruned)")
    passed = []
    if max_lag is not None and lag > max_lag:
        passed.append(f"over --max-lag: the oldest pending message waited {lag} s")
    if max_dead is not None and backlog.dead > max_dead:
        passed.append(f"over --max-dead: {backlog.dead} dead letters")
    if passed:
        if not as_json:
            for line in passed:
                click.echo(line)
        click.get_current_context().exit(ExitCode.DIFFERENCES)


def _summary(report: DrainReport) -> str:
    return (
        f"{report.delivered} delivered, {report.failed} failed (retried later), "
        f"{report.dead} dead" + (f", {report.released} handed back" if report.released else "")
    )


def _secret(path: str | None, variable: str | None) -> str | None:
    """The signing secret from a file or the environment, never from the command
    line (which other users of the machine can read in the process list)."""
    if path is not None and variable is not None:
        raise CommandError("--secret-file and --secret-env both given", "give one of them")
    if variable is not None:
        value = os.environ.get(variable)
        if not value:
            raise CommandError(
                f"--secret-env: the environment variable {variable!r} is not set or empty",
                "export it in the service's environment",
            )
        return value.strip()
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"--secret-file: no file {path!r}", "correct the path")
        if file.stat().st_size > SECRET_FILE_LIMIT:
            raise CommandError(
                f"--secret-file: {path!r} is larger than {SECRET_FILE_LIMIT} bytes",
                "it should hold the secret alone",
            )
        return file.read_text(encoding="utf-8").strip()
    return None


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` while inside; the previous handlers come back."""

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only: the caller stops us another way
        return
    previous = {each: signal.signal(each, handle) for each in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)
