"""Several processes recording at once against PostgreSQL: exactly-once, and no lost
history (every award equals what a serial replay of the log gives)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from conftest import MONDAY

from engagement import DEFAULT_RULES_PATH, Engagement

pytestmark = pytest.mark.postgres
WORKERS = 4


def _actions(count: int, members: int) -> list[dict[str, Any]]:
    return [
        {
            "key": f"k{i}",
            "member": f"m{i % members}",
            "verb": "share",
            "at": (MONDAY + timedelta(hours=i)).isoformat(),
            "channel": ("linkedin", "x")[i % 2],
            "text": f"My own view on item {i}: worth a look for the whole team",
            "content": {"id": f"c{i % 7}", "kind": ("corporate", "industry")[i % 3 == 0]},
        }
        for i in range(count)
    ]


def _record_all(url: str, batch: list[dict[str, Any]], start: Any, results: Any) -> None:
    engine = Engagement(url)
    start.wait()
    out = [(a.key, a.points, a.duplicate) for a in map(engine.record, batch)]
    results.put(out)
    engine.database.dispose()


def _run(url: str, batches: list[list[dict[str, Any]]]) -> list[tuple[str, int, bool]]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(batches))
    results = context.Queue()
    workers = [
        context.Process(target=_record_all, args=(url, batch, start, results)) for batch in batches
    ]
    for worker in workers:
        worker.start()
    collected = [item for _ in workers for item in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return collected


@pytest.fixture
def shared(pg_schema_url: str) -> Iterator[Engagement]:
    engine = Engagement(pg_schema_url)
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    for member in range(3):
        engine.upsert_member(f"m{member}", timezone="Europe/Paris")
    yield engine
    engine.database.dispose()


def test_the_same_keys_from_several_processes_are_awarded_once(
    shared: Engagement, pg_schema_url: str
) -> None:
    actions = _actions(60, members=3)
    results = _run(pg_schema_url, [actions] * WORKERS)
    by_key: dict[str, set[int]] = {}
    for key, points, _ in results:
        by_key.setdefault(key, set()).add(points)
    assert all(len(points) == 1 for points in by_key.values())  # every caller saw one award
    assert sum(not duplicate for _, _, duplicate in results) == len(actions)
    entries = shared.ledger()
    assert sorted(e.key for e in entries) == sorted(a["key"] for a in actions)
    assert shared.replay().changed == 0


def test_one_members_actions_from_several_processes_see_each_other(
    shared: Engagement, pg_schema_url: str
) -> None:
    actions = _actions(80, members=1)
    results = _run(pg_schema_url, [actions[i::WORKERS] for i in range(WORKERS)])
    assert not any(duplicate for _, _, duplicate in results)
    # Caps and repeats only hold if no process scored without seeing the others' actions:
    # the ledger must equal a serial replay of the log in the order it was written.
    report = shared.replay()
    assert (report.actions, report.changed) == (80, 0)
    assert shared.points("m0") == report.points_after
