"""``drain``: delivering the outbox to a webhook, from cron or a timer."""

from __future__ import annotations

import click

from engagement.cli.params import Choice, Count
from engagement.cli.state import State, db_option, pass_state
from engagement.outbox import RECOGNITION, WebhookReceiver
from engagement.outbox.webhook import STYLES


@click.command()
@db_option
@click.option("--webhook", required=True, metavar="URL", help="incoming webhook URL")
@click.option("--style", type=Choice(STYLES), default="slack", help="message format")
@click.option("--limit", type=Count(), default=100, help="messages at most (default 100)")
@click.option(
    "--max-attempts", type=Count(), default=8, help="tries before dead-lettering (default 8)"
)
@click.option(
    "--events", help=f"comma-separated events to post (default: {','.join(sorted(RECOGNITION))})"
)
@pass_state
def drain(
    state: State,
    db: str,
    webhook: str,
    style: str,
    limit: int,
    max_attempts: int,
    events: str | None,
) -> None:
    """Deliver the outbox to a webhook (run it from cron or a timer).

    Failed deliveries still exit 0: a later run retries them.
    """
    chosen = RECOGNITION if events is None else [e.strip() for e in events.split(",")]
    receiver = WebhookReceiver(webhook, style=style, events=chosen)
    with state.engine(db) as engine:
        report = engine.outbox.drain(receiver, limit=limit, max_attempts=max_attempts)
    click.echo(
        f"{report.delivered} delivered, {report.failed} failed (retried later), "
        f"{report.dead} dead" + (f", {report.released} handed back" if report.released else "")
    )
