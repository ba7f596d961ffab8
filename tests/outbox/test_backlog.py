"""The outbox's backlog for monitoring: counts, lag, and ``outbox-status`` as a check."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from test_signals import kudos, share

from engagement.cli import main
from engagement.outbox import Backlog, OutboxMessage, outbox


def fail(message: OutboxMessage) -> None:
    raise ConnectionError("receiver down")


def test_an_empty_outbox_has_no_lag(recognising: Any) -> None:
    engine = recognising(outbox=True)
    backlog = engine.outbox.backlog()
    assert (backlog.pending, backlog.dead, backlog.delivered, backlog.oldest_pending) == (
        0,
        0,
        0,
        None,
    )
    assert backlog.lag == timedelta(0)


def test_counts_and_the_lag_of_the_oldest_pending_message(recognising: Any) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos())
    total = len(engine.outbox.messages(limit=None))
    engine.outbox.drain(lambda message: None, limit=2)
    engine.outbox.drain(fail, limit=1, max_attempts=1)
    engine.outbox.drain(fail, limit=1)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with engine.database.begin() as connection:
        oldest = connection.execute(
            sa.select(sa.func.min(outbox.c.id)).where(outbox.c.status == "pending")
        ).scalar_one()
        connection.execute(
            sa.update(outbox).where(outbox.c.id == oldest).values(created_at=an_hour_ago)
        )
    backlog = engine.outbox.backlog()
    assert (backlog.delivered, backlog.dead, backlog.retrying) == (2, 1, 1)
    assert backlog.pending == total - 3
    assert backlog.oldest_pending is not None
    assert abs(backlog.oldest_pending - an_hour_ago) < timedelta(seconds=1)
    assert timedelta(minutes=59) < backlog.lag < timedelta(minutes=61)


def test_the_lag_is_never_negative() -> None:
    now = datetime.now(UTC)
    assert Backlog(at=now, pending=1, oldest_pending=now + timedelta(seconds=5)).lag == timedelta(0)


def test_outbox_status_prints_and_checks(
    recognising: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    engine.outbox.drain(fail, limit=1, max_attempts=1)
    url = engine.database.url.render_as_string(hide_password=False)
    pending = len(engine.outbox.messages("pending"))

    assert main(["outbox-status", "--db", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"pending {pending} (0 retrying), lag ")
    assert out[1:] == ["dead 1", "delivered 0 (kept until pruned)"]

    assert main(["outbox-status", "--db", url, "--max-dead", "1", "--max-lag", "3600"]) == 0
    capsys.readouterr()
    assert main(["outbox-status", "--db", url, "--max-dead", "0"]) == 3
    assert capsys.readouterr().out.splitlines()[-1] == "over --max-dead: 1 dead letters"

    assert main(["outbox-status", "--db", url, "--json", "--max-lag", "0"]) in (0, 3)
    figures = json.loads(capsys.readouterr().out)
    assert (figures["pending"], figures["dead"], figures["delivered"]) == (pending, 1, 0)
    assert figures["lag_seconds"] >= 0 and figures["oldest_pending"] is not None


def test_outbox_status_refuses_a_negative_threshold(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["upgrade", "--db", database_url])
    capsys.readouterr()
    assert main(["outbox-status", "--db", database_url, "--max-lag", "-1"]) == 2
    assert capsys.readouterr().err == "engagement: --max-lag: 0 or more, not -1\n"
