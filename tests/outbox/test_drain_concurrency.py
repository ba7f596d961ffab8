"""Several processes draining one PostgreSQL outbox at once: every message is
delivered, and with leases and ``SKIP LOCKED`` none twice while no drainer dies."""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta
from typing import Any

import pytest
from conftest import BASE_RULES, MONDAY

from engagement import Engagement, OutboxMessage

pytestmark = pytest.mark.postgres
DRAINERS = 3


def _drain_until_empty(url: str, start: Any, results: Any) -> None:
    engine = Engagement(url)
    delivered: list[int] = []

    def deliver(message: OutboxMessage) -> None:
        time.sleep(0.002)  # a receiver's round trip, so the drainers overlap
        delivered.append(message.id)

    start.wait()
    while engine.outbox.drain(deliver, limit=7).claimed:
        pass
    results.put(delivered)
    engine.close()


def test_concurrent_drainers_deliver_every_message_once(pg_schema_url: str) -> None:
    engine = Engagement(pg_schema_url, outbox=True)
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(BASE_RULES))
    shares = [
        {
            "key": f"k{i}",
            "member": f"m{i % 5}",
            "verb": "share",
            "at": (MONDAY + timedelta(hours=i)).isoformat(),
            "channel": "linkedin",
            "content": {"id": f"c{i}", "kind": "industry"},
        }
        for i in range(120)
    ]
    engine.record_many(shares, create_members=True, notify=True)
    expected = sorted(m.id for m in engine.outbox.messages(limit=None))
    assert len(expected) == 240  # action-recorded and points-awarded for each

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(DRAINERS)
    results = context.Queue()
    drainers = [
        context.Process(target=_drain_until_empty, args=(pg_schema_url, start, results))
        for _ in range(DRAINERS)
    ]
    for drainer in drainers:
        drainer.start()
    delivered = [i for _ in drainers for i in results.get(timeout=120)]
    for drainer in drainers:
        drainer.join(timeout=60)
        assert drainer.exitcode == 0

    assert sorted(delivered) == expected  # none lost, none twice
    assert {m.status for m in engine.outbox.messages(limit=None)} == {"delivered"}
    assert {m.attempts for m in engine.outbox.messages(limit=None)} == {1}
    engine.close()
