"""Several processes awarding the same badges at once against PostgreSQL: every
badge tier is awarded exactly once, and colleagues thanking each other at the same
instant do not deadlock."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import MONDAY

from engagement import Engagement
from engagement.badges.tables import badge_awards

pytestmark = pytest.mark.postgres
WORKERS = 4
RULES = """
timezone: Europe/Paris
verbs:
  share: {points: 10, content: required}
  kudos: {points: 5, target: required, content: none}
badges:
  - id: polyglot
    name: Polyglot
    criteria: {kind: distinct, dimension: channel, verbs: [share]}
    tiers: {bronze: 2, silver: 3, gold: 4}
  - id: sharer
    name: Sharer
    criteria: {kind: count, verbs: [share]}
    tiers: {bronze: 5, silver: 20}
  - id: appreciated
    name: Appreciated
    criteria: {kind: kudos_received}
    target: 3
  - id: spotlight
    name: Spotlight
    criteria: {kind: manual}
"""


@pytest.fixture
def shared(pg_schema_url: str) -> Iterator[Engagement]:
    engine = Engagement(pg_schema_url)
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(RULES))
    for member in ("alice", "bob", "carol", "dave", "erin"):
        engine.members.upsert(member, timezone="Europe/Paris")
    yield engine
    engine.database.dispose()


def _work(url: str, task: str, items: list[Any], start: Any, results: Any) -> None:
    engine = Engagement(url)
    start.wait()
    if task == "record":
        out = [b.label for action in items for b in engine.record(action).badges]
    else:
        out = [engine.badges.grant(m, "spotlight", reason="great month").member for m in items]
    results.put(out)
    engine.close()


def _run(url: str, task: str, batches: list[list[Any]]) -> list[str]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(batches))
    results = context.Queue()
    workers = [
        context.Process(target=_work, args=(url, task, batch, start, results)) for batch in batches
    ]
    for worker in workers:
        worker.start()
    collected = [item for _ in workers for item in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return collected


def _award_rows(engine: Engagement) -> Counter[tuple[str, str]]:
    with engine.database.connect() as connection:
        rows = connection.execute(sa.select(badge_awards.c.badge_id, badge_awards.c.tier))
        return Counter((badge, tier) for badge, tier in rows)


def _share(i: int) -> dict[str, Any]:
    return {
        "key": f"s{i}",
        "member": "alice",
        "verb": "share",
        "at": (MONDAY + timedelta(minutes=i)).isoformat(),
        "channel": ("linkedin", "x", "xing", "facebook")[i % 4],
        "content": {"id": f"c{i}"},
    }


def test_one_members_badges_from_several_processes_are_awarded_once(
    shared: Engagement, pg_schema_url: str
) -> None:
    actions = [_share(i) for i in range(40)]
    announced = _run(pg_schema_url, "record", [actions[i::WORKERS] for i in range(WORKERS)])
    expected = ["polyglot:bronze", "polyglot:silver", "polyglot:gold", "sharer:bronze"]
    expected.append("sharer:silver")
    assert sorted(announced) == sorted(expected)  # each announced by exactly one process
    assert all(count == 1 for count in _award_rows(shared).values())
    assert shared.badges.earned("alice") == ["polyglot:gold", "sharer:silver"]


def test_the_same_actions_replayed_by_every_process_award_once(
    shared: Engagement, pg_schema_url: str
) -> None:
    actions = [_share(i) for i in range(12)]
    announced = _run(pg_schema_url, "record", [actions] * WORKERS)
    assert Counter(announced) == Counter(
        ["polyglot:bronze", "polyglot:silver", "polyglot:gold", "sharer:bronze"]
    )
    assert sum(_award_rows(shared).values()) == 4


def test_a_manual_grant_from_several_processes_is_written_once(
    shared: Engagement, pg_schema_url: str
) -> None:
    _run(pg_schema_url, "grant", [["bob"] * 3] * WORKERS)
    assert _award_rows(shared) == Counter({("spotlight", ""): 1})


def test_colleagues_thanking_each_other_at_once_neither_deadlock_nor_double_award(
    shared: Engagement, pg_schema_url: str
) -> None:
    people = ("alice", "bob", "carol", "dave", "erin")
    kudos: Callable[[int, str, str], dict[str, Any]] = lambda i, giver, target: {  # noqa: E731
        "key": f"k{i}-{giver}-{target}",
        "member": giver,
        "verb": "kudos",
        "target": target,
        "at": (MONDAY + timedelta(minutes=i)).isoformat(),
    }
    batches = [
        [kudos(i, giver, target) for i in range(3) for target in people if target != giver]
        for giver in people[:WORKERS]
    ]
    _run(pg_schema_url, "record", batches)
    rows = _award_rows(shared)
    assert rows == Counter({("appreciated", ""): 5})  # everyone thanked by 3 or 4 others
    for member in people:
        assert shared.badges.earned(member) == ["appreciated"]


def _kudos(key: str, giver: str, target: str, minute: int) -> dict[str, Any]:
    return {
        "key": key,
        "member": giver,
        "verb": "kudos",
        "target": target,
        "at": (MONDAY + timedelta(minutes=minute)).isoformat(),
    }


def _share_by(key: str, member: str, minute: int) -> dict[str, Any]:
    return {**_share(minute), "key": key, "member": member}


def _mixed(url: str, task: str, count: int, start: Any, results: Any) -> None:
    engine = Engagement(url)
    start.wait()
    for i in range(count):
        if task == "revoke":
            engine.revoke(f"bob-alice-{i}", "test")
        elif task == "shares":
            batch = [_share_by(f"zz-{i}", "zz-first", i), _share_by(f"aa-{i}", "aa-second", i)]
            engine.record_many(batch)
        elif task == "kudos-aa":
            engine.record(_kudos(f"aa-zz-{i}", "aa-second", "zz-first", i))
        elif task == "bulk":
            engine.record_many([_kudos(f"bulk-bob-alice-{i}", "bob", "alice", i)])
        else:
            engine.record(_kudos(f"alice-bob-{i}", "alice", "bob", i))
    results.put(count)
    engine.close()


@pytest.mark.parametrize("other", ["revoke", "bulk"])
def test_revocations_and_imports_lock_colleagues_in_order(
    shared: Engagement, pg_schema_url: str, other: str
) -> None:
    """Bob's kudos to Alice revoked (or imported) while Alice thanks Bob: both lock
    alice before bob, so neither waits for the other in a cycle."""
    count = 40
    for i in range(count):
        shared.record(_kudos(f"bob-alice-{i}", "bob", "alice", i))
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_mixed, args=(pg_schema_url, task, count, start, results))
        for task in (other, "record")
    ]
    for worker in workers:
        worker.start()
    assert [results.get(timeout=120) for _ in workers] == [count, count]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0


def test_imports_lock_members_in_the_same_order_as_everyone(
    shared: Engagement, pg_schema_url: str
) -> None:
    """Members created in the opposite order of their ids: an import locking them by
    primary key would wait in a cycle with a kudos locking them by id."""
    shared.members.upsert("zz-first")
    shared.members.upsert("aa-second")
    count = 40
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_mixed, args=(pg_schema_url, task, count, start, results))
        for task in ("shares", "kudos-aa")
    ]
    for worker in workers:
        worker.start()
    assert [results.get(timeout=120) for _ in workers] == [count, count]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
