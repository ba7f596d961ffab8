"""Several processes recording at once against PostgreSQL: exactly-once, and no lost
history (every award equals what a serial replay of the log gives)."""

from __future__ import annotations

import multiprocessing
import random
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import MONDAY
from sqlalchemy import event
from sqlalchemy.orm import Session

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


def _record_in_batches(url: str, batch: list[dict[str, Any]], start: Any, results: Any) -> None:
    engine = Engagement(url)
    start.wait()
    out = []
    for first in range(0, len(batch), 5):
        awards = engine.record_many(batch[first : first + 5])
        out += [(a.key, a.points, a.duplicate) for a in awards]
    results.put(out)
    engine.database.dispose()


def _run(
    url: str, batches: list[list[dict[str, Any]]], work: Callable[..., None] = _record_all
) -> list[tuple[str, int, bool]]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(batches))
    results = context.Queue()
    workers = [context.Process(target=work, args=(url, batch, start, results)) for batch in batches]
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
        engine.members.upsert(f"m{member}", timezone="Europe/Paris")
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
    awards = [e for e in shared.ledger.entries() if e.entry_kind == "award"]
    assert sorted(e.key for e in awards) == sorted(a["key"] for a in actions)
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
    assert shared.ledger.points("m0") == report.points_after


def test_shuffled_actions_from_several_processes_give_the_points_of_time_order(
    shared: Engagement, pg_schema_url: str
) -> None:
    """Arrival order does not change points: a member's actions spread over four
    processes in random order end with the totals of a serial run in time order."""
    actions = _actions(90, members=3)  # 90 hours: inside the 14-day settle window
    serial = Engagement("sqlite://")
    serial.create_schema()
    serial.activate_rules(DEFAULT_RULES_PATH)
    for member in range(3):
        serial.members.upsert(f"m{member}", timezone="Europe/Paris")
    for action in actions:
        serial.record(action)
    shuffled = list(actions)
    random.Random(7).shuffle(shuffled)

    _run(pg_schema_url, [shuffled[i::WORKERS] for i in range(WORKERS)])

    assert shared.ledger.totals() == serial.ledger.totals()
    assert any(e.entry_kind == "rescore" for e in shared.ledger.entries())
    assert shared.replay().changed == 0
    assert shared.boards.rebuild(check=True).consistent


def test_the_same_keys_in_batches_from_several_processes_are_awarded_once(
    shared: Engagement, pg_schema_url: str
) -> None:
    actions = _actions(60, members=3)
    results = _run(pg_schema_url, [actions] * WORKERS, _record_in_batches)
    by_key: dict[str, set[int]] = {}
    for key, points, _ in results:
        by_key.setdefault(key, set()).add(points)
    assert all(len(points) == 1 for points in by_key.values())
    assert sum(not duplicate for _, _, duplicate in results) == len(actions)
    assert shared.replay().changed == 0


def _thanks(count: int) -> list[dict[str, Any]]:
    """Three colleagues thanking each other, both ways, an hour apart."""
    return [
        {
            "key": f"t{i}",
            "member": f"m{i % 3}",
            "verb": "kudos",
            "at": (MONDAY + timedelta(hours=i)).isoformat(),
            "target": f"m{(i + 1 + (i // 3) % 2) % 3}",
        }
        for i in range(count)
    ]


@pytest.mark.parametrize("work", [_record_all, _record_in_batches])
def test_thanks_given_back_from_several_processes_are_read_as_a_replay_reads_them(
    shared: Engagement, pg_schema_url: str, work: Callable[..., None]
) -> None:
    """Each thank-you is scored on the thanks its colleague gave back as logged before
    it: both members are locked, so no process misses a thank-you another logged.
    The `appreciated` badge is taken out, as it locks the colleague too."""
    rules = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    start = rules.index("  - id: appreciated")
    rules = rules[:start] + rules[rules.index("  # Steady, not daily", start) :]
    shared.activate_rules(shared.load_rules_text(rules))
    actions = _thanks(60)
    _run(pg_schema_url, [actions[i::WORKERS] for i in range(WORKERS)], work)
    report = shared.replay()
    assert (report.actions, report.changed) == (60, 0)
    explained = [str(e.explanation) for e in shared.ledger.entries()]
    assert any("thanks you back most of the time" in text for text in explained)


# -- one process made to wait for another at a chosen moment -------------------------


def _named(url: str) -> tuple[str, str]:
    """``url`` with a unique application_name, so pg_stat_activity can tell when this
    process's connection is waiting for a lock."""
    name = f"engagement-test-{uuid.uuid4().hex[:12]}"
    named = sa.make_url(url).update_query_dict({"application_name": name})
    return named.render_as_string(hide_password=False), name


def _wait_until_blocked(url: str, name: str, done: Callable[[], bool]) -> None:
    """Return once the process connected as ``name`` waits for a lock, or ``done()``."""
    watcher = sa.create_engine(url, poolclass=sa.NullPool)
    deadline = time.monotonic() + 60
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = :name AND wait_event_type = 'Lock'"
    )
    try:
        with watcher.connect() as connection:
            while not done() and not connection.execute(query, {"name": name}).scalar_one():
                assert time.monotonic() < deadline, "the other process neither ran nor waited"
                time.sleep(0.05)
    finally:
        watcher.dispose()


def _revoke_when_told(url: str, key: str, ready: Any, go: Any, results: Any) -> None:
    engine = Engagement(url)
    engine.ledger.points("m0")  # connected before the race starts
    ready.set()
    go.wait(60)
    results.put(engine.revoke(key, "the post was deleted").points)
    engine.database.dispose()


def test_a_revocation_during_an_applied_replay_waits_for_it(
    shared: Engagement, pg_schema_url: str
) -> None:
    post = {"key": "p", "member": "m0", "verb": "post", "at": MONDAY.isoformat(), "text": "Hi"}
    awarded = shared.record(post).points
    rules = DEFAULT_RULES_PATH.read_text().replace("points: 30 ", "points: 40 ")
    shared.activate_rules(shared.load_rules_text(rules))
    url, name = _named(pg_schema_url)
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Event(), context.Event(), context.Queue()
    revoker = context.Process(target=_revoke_when_told, args=(url, "p", ready, go, results))
    revoker.start()
    assert ready.wait(60)

    def revoke_now(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The replay has read the log and is about to write its adjustments: the
        # revocation must wait for it, not slip in between.
        if statement.startswith("INSERT INTO engagement_ledger") and not go.is_set():
            go.set()
            _wait_until_blocked(pg_schema_url, name, lambda: not results.empty())

    event.listen(shared.database, "before_cursor_execute", revoke_now)
    try:
        report = shared.replay(apply=True)
    finally:
        event.remove(shared.database, "before_cursor_execute", revoke_now)
    revoked = results.get(timeout=60)
    revoker.join(timeout=60)
    assert revoker.exitcode == 0
    assert report.changed == 1
    entries = [(e.entry_kind, e.points) for e in shared.ledger.entries("m0")]
    assert entries == [("award", awarded), ("adjustment", 10), ("revocation", revoked)]
    assert shared.ledger.points("m0") == 0


def _record_many_when_ready(
    url: str, batch: list[dict[str, Any]], ready: Any, results: Any
) -> None:
    engine = Engagement(url)
    engine.ledger.points("m0")
    ready.set()
    try:
        results.put([(a.key, a.points, a.duplicate) for a in engine.record_many(batch)])
    except Exception as error:
        results.put(repr(error))
    engine.database.dispose()


def test_record_many_racing_record_on_a_key_returns_the_first_award(
    shared: Engagement, pg_schema_url: str
) -> None:
    first, second = _actions(2, members=1)
    url, name = _named(pg_schema_url)
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    importer = context.Process(
        target=_record_many_when_ready, args=(url, [first, second], ready, results)
    )
    with Session(shared.database) as session:
        award = shared.record(first, session=session)  # m0 locked, "k0" not committed yet
        importer.start()
        assert ready.wait(60)
        _wait_until_blocked(pg_schema_url, name, lambda: not results.empty())
        session.commit()
    outcome = results.get(timeout=60)
    importer.join(timeout=60)
    assert importer.exitcode == 0
    assert isinstance(outcome, list), outcome
    assert outcome[0] == ("k0", award.points, True)
    assert outcome[1][0::2] == ("k1", False)
    assert [e.key for e in shared.ledger.entries()] == ["k0", "k1"]
