"""Several processes writing at once on PostgreSQL: the score rows and tallies lose no
update, and no writer deadlocks on them."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from conftest import BOARD_RULES, WEDNESDAY

from engagement import Engagement

pytestmark = pytest.mark.postgres
MEMBERS = [f"m{i}" for i in range(5)]
WORKERS = 4


# Kudos lock their receiver's badges too: a transaction holds two members' locks
# and moves score tallies that every member shares.
RULES = (
    BOARD_RULES
    + """
badges:
  - id: appreciated
    name: {en: Appreciated}
    criteria: {kind: kudos_received, verbs: [kudos]}
    tiers: {bronze: 2, silver: 6}
"""
)


def _action(worker: int, i: int) -> dict[str, Any]:
    member = MEMBERS[(i + worker) % len(MEMBERS)]
    action = {
        "key": f"w{worker}-{i}",
        "member": member,
        "verb": ("post", "share", "kudos", "share")[i % 4],
        "at": (WEDNESDAY + timedelta(hours=7 * i + worker)).isoformat(),
    }
    if action["verb"] == "share":
        action["channel"] = ("linkedin", "xing", "x")[(i + worker) % 3]
        action["content"] = {"id": f"c{worker}-{i}", "topics": [("ai", "hr")[i % 2]]}
    elif action["verb"] == "kudos":  # to a colleague above or below in lock order
        action["target"] = MEMBERS[(i + worker + 1 + worker % 3) % len(MEMBERS)]
    return action


def _actions(worker: int, count: int) -> list[dict[str, Any]]:
    return [_action(worker, i) for i in range(count)]


def _work(url: str, worker: int, start: Any, done: Any) -> None:
    engine = Engagement(url)
    start.wait()
    actions = _actions(worker, 40)
    for position, action in enumerate(actions):
        if worker == 0 and position % 5 == 4:
            engine.record_many(actions[position - 4 : position])  # replays of keys: no-ops
        engine.record(action)
        if worker == 1 and position % 6 == 5:
            engine.revoke(actions[position - 3]["key"], "found to be a duplicate")
        if worker == 2 and position % 7 == 0:
            engine.members.upsert(MEMBERS[position % len(MEMBERS)], opted_in=position % 2 == 0)
    done.put(worker)
    engine.close()


@pytest.fixture
def shared(pg_schema_url: str) -> Iterator[Engagement]:
    engine = Engagement(pg_schema_url)
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(RULES))
    for member in MEMBERS:
        engine.members.upsert(member, team="Sales", opted_in=True)
    yield engine
    engine.close()


def test_concurrent_records_revocations_and_consent_keep_score_rows_exact(
    shared: Engagement, pg_schema_url: str
) -> None:
    context = multiprocessing.get_context("spawn")
    start, done = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=_work, args=(pg_schema_url, n, start, done)) for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    assert sorted(done.get(timeout=180) for _ in workers) == list(range(WORKERS))
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    report = shared.boards.rebuild(check=True)
    assert report.consistent, report.examples
    assert report.rows > 0
    shared.members.upsert("m0", opted_in=True)
    everyone = {s.member: s.points for s in shared.boards.top("all", limit=10).entries}
    visible = {m for m in MEMBERS if (found := shared.members.get(m)) and found.opted_in}
    assert set(everyone) == visible
    assert everyone == {m: shared.ledger.points(m) for m in visible}
