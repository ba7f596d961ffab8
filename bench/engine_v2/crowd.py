"""Several processes recording for the same members on PostgreSQL.

Each configuration (1, 4, 8 processes) runs on a fresh clone of the 200-member base.
The processes are started with ``spawn`` (nothing inherited but the arguments), each
with its own ``Engagement`` and history cache, as gunicorn workers would be.  The
live stream is dealt per member in turn: a member's successive actions go to
successive processes, so with more than one process the process recording an
action never recorded the member's previous one (it reads the member's snapshot).
All processes record their warm-up, wait for each other at a barrier, then record
their share of the timed actions as fast as they can, each call timed on its own.

Afterwards, on the clone: every key is logged once with exactly one award entry, no
badge is held twice, ``replay()`` finds nothing to change and
``boards.rebuild(check=True)`` no difference.  Errors raised by ``record()`` (a
deadlock, a serialization failure) are counted, not retried.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.engine_v2.cpu import backend_pid, process_cpu_ns
from bench.report import percentile_ms
from engagement import Engagement


@dataclass(slots=True)
class Share:
    """What one process recorded and how long each call took."""

    began_ns: int = 0
    ended_ns: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    client_cpu_ns: int = 0
    server_cpu_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Setup:
    """How many processes, each with a history cache of what size."""

    processes: int
    history_cache_size: int = 4096

    @property
    def label(self) -> str:
        plural = "es" if self.processes > 1 else ""
        cache = "" if self.history_cache_size else ", cache off"
        return f"{self.processes} process{plural}{cache}"


ONE = Setup(1)
"""The baseline: one process, whose cache holds every member."""
ONE_COLD = Setup(1, history_cache_size=0)
"""One process doing the cold work the processes of a crowd do, for comparison."""
SETUPS = (ONE, ONE_COLD, Setup(4), Setup(8))


@dataclass(slots=True)
class CrowdRun:
    """One configuration's run: the aggregate and the checks."""

    processes: int
    history_cache_size: int
    actions: int
    elapsed_ns: int
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    checks: dict[str, int]
    load: float
    client_cpu_ms: float = 0.0
    """CPU time of the processes per timed call."""
    server_cpu_ms: float | None = None
    """CPU time of their PostgreSQL backends per timed call (``None``: not readable)."""
    waits: dict[str, int] = field(default_factory=dict)
    """What the database's sessions were doing, sampled (see :class:`WaitSampler`)."""

    @property
    def rate(self) -> float:
        return self.actions * 1e9 / self.elapsed_ns


def deal(actions: Sequence[Mapping[str, Any]], processes: int) -> list[list[Mapping[str, Any]]]:
    """Each member's actions to the processes in turn, starting from a process that
    depends on the member, so that the processes get about the same number."""
    shares: list[list[Mapping[str, Any]]] = [[] for _ in range(processes)]
    turns: dict[str, int] = {}
    for action in actions:
        member = action["member"]
        turn = turns.get(member, int(member.rsplit("-", 1)[1]))
        turns[member] = turn + 1
        shares[turn % processes].append(action)
    return shares


def _worker(
    url: str,
    history_cache_size: int,
    warmup: Sequence[Mapping[str, Any]],
    timed: Sequence[Mapping[str, Any]],
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    if hasattr(os, "sched_setaffinity"):  # the parent may be pinned: use every core
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    share = Share()
    engine = Engagement(url, history_cache_size=history_cache_size)
    try:
        for action in warmup:
            _record(engine, action, share)
        share.errors.clear()  # errors of the warm-up are not part of the measurement
        pid = backend_pid(engine.database)
        barrier.wait(timeout=600)
        clock = time.monotonic_ns
        cpu, server = time.process_time_ns(), process_cpu_ns(pid)
        share.began_ns = clock()
        for action in timed:
            before = clock()
            _record(engine, action, share)
            share.latencies_ns.append(clock() - before)
        share.ended_ns = clock()
        share.client_cpu_ns = time.process_time_ns() - cpu
        after = process_cpu_ns(pid)
        share.server_cpu_ns = after - server if after is not None and server is not None else None
    except BaseException:
        barrier.abort()  # the others must not wait for this one
        raise
    finally:
        engine.close()
        results.put((index, share))


def _record(engine: Engagement, action: Mapping[str, Any], share: Share) -> None:
    try:
        engine.record(action)
    except Exception as error:  # counted and reported, never retried
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        share.errors.append(f"{type(error).__name__}: {first[:120]}")


def run_crowd(
    url: str,
    setup: Setup,
    warmup: Sequence[Mapping[str, Any]],
    timed: Sequence[Mapping[str, Any]],
) -> CrowdRun:
    """Record ``warmup`` then ``timed`` with the processes of ``setup`` on ``url``,
    then check the database."""
    processes = setup.processes
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    warm_shares = deal(warmup, processes)
    timed_shares = deal(timed, processes)
    before = _max_action_id(url)
    workers = [
        context.Process(
            target=_worker,
            args=(
                url,
                setup.history_cache_size,
                warm_shares[n],
                timed_shares[n],
                barrier,
                results,
                n,
            ),
            name=f"bench-v2-worker-{n}",
        )
        for n in range(processes)
    ]
    waits = WaitSampler(url)
    for worker in workers:
        worker.start()
    shares: dict[int, Share] = {}
    try:
        for _ in workers:
            index, share = results.get(timeout=900)
            shares[index] = share
    finally:
        sampled = waits.stop()
        for worker in workers:
            worker.join(timeout=60)
    if any(share.began_ns == 0 for share in shares.values()):
        raise RuntimeError(f"a worker failed before its timed calls: {shares}")
    load = os.getloadavg()[0]
    latencies = [ns for share in shares.values() for ns in share.latencies_ns]
    errors = Counter(error for share in shares.values() for error in share.errors)
    began = min(share.began_ns for share in shares.values())
    ended = max(share.ended_ns for share in shares.values())
    checks = check(url, [a["key"] for a in [*warmup, *timed]], before)
    return CrowdRun(
        processes=processes,
        history_cache_size=setup.history_cache_size,
        actions=len(latencies),
        elapsed_ns=ended - began,
        p50_ms=percentile_ms(latencies, 0.50),
        p99_ms=percentile_ms(latencies, 0.99),
        errors=dict(errors),
        checks=checks,
        load=load,
        client_cpu_ms=sum(s.client_cpu_ns for s in shares.values()) / len(latencies) / 1e6,
        server_cpu_ms=None
        if any(s.server_cpu_ns is None for s in shares.values())
        else sum(s.server_cpu_ns or 0 for s in shares.values()) / len(latencies) / 1e6,
        waits=sampled,
    )


class WaitSampler:
    """Samples ``pg_stat_activity`` for the database of ``url`` every ``every_s``
    seconds while the processes run: how many of its sessions are on the CPU, waiting
    for the client (``ClientRead``: the process is busy or descheduled), for a lock,
    for the WAL to be flushed at commit…"""

    def __init__(self, url: str, every_s: float = 0.05) -> None:
        self.database = sa.make_url(url).database
        self.admin = sa.create_engine(sa.make_url(url).set(database="postgres"))
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(every_s,), daemon=True)
        self._thread.start()

    def _watch(self, every_s: float) -> None:
        query = sa.text(
            "SELECT coalesce(wait_event_type || ': ' || wait_event, 'running') "
            "FROM pg_stat_activity WHERE datname = :name AND state <> 'idle' "
            "AND pid <> pg_backend_pid()"
        )
        with self.admin.connect() as connection:
            while not self._stop.wait(every_s):
                for (state,) in connection.execute(query, {"name": self.database}):
                    self.counts[state] += 1
                connection.rollback()

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        self.admin.dispose()
        return dict(self.counts.most_common())


def _max_action_id(url: str) -> int:
    database = sa.create_engine(url)
    with database.connect() as connection:
        found = connection.exec_driver_sql("SELECT max(id) FROM engagement_actions").scalar()
    database.dispose()
    return int(found or 0)


def check(url: str, keys: Sequence[str], before: int) -> dict[str, int]:
    """Counts that must all be 0 (except ``logged``, which must equal the keys sent,
    less the calls that raised): the invariants a concurrent run must keep."""
    database = sa.create_engine(url)
    with database.connect() as connection:

        def scalar(sql: str, **params: Any) -> int:
            return int(connection.execute(sa.text(sql), params).scalar() or 0)

        logged = [
            key
            for (key,) in connection.execute(
                sa.text("SELECT key FROM engagement_actions WHERE id > :before"),
                {"before": before},
            )
        ]
        found: dict[str, int] = {
            "logged": len(logged),
            "keys logged twice": len(logged) - len(set(logged)),
            "keys not logged": len(set(keys) - set(logged)),
            "keys logged but not sent": len(set(logged) - set(keys)),
            "actions without exactly one award entry": scalar(
                "SELECT count(*) FROM engagement_actions a WHERE a.id > :before AND "
                "(SELECT count(*) FROM engagement_ledger l WHERE l.action_id = a.id "
                "AND l.entry_kind = 'award') <> 1",
                before=before,
            ),
            "badges held twice": scalar(
                "SELECT count(*) FROM (SELECT b.member_pk, b.badge_id, b.tier, b.period_key "
                "FROM engagement_badge_awards b WHERE NOT EXISTS (SELECT 1 FROM "
                "engagement_badge_revocations r WHERE r.award_id = b.id) "
                "GROUP BY b.member_pk, b.badge_id, b.tier, b.period_key "
                "HAVING count(*) > 1) AS doubled"
            ),
            "badges awarded": scalar(
                "SELECT count(*) FROM engagement_badge_awards WHERE action_id > :before",
                before=before,
            ),
        }
    database.dispose()
    engine = Engagement(url)
    try:
        replayed = engine.replay()
        rebuilt = engine.boards.rebuild(check=True)
        with Session(engine.database) as session:  # what it would award, rolled back
            pending = engine.badges.award_pending(session=session)
            session.rollback()
    finally:
        engine.close()
    found["replay: actions changed"] = replayed.changed
    found["boards.rebuild(check=True): differences"] = rebuilt.differences
    found["boards.rebuild(check=True): tally differences"] = rebuilt.tally_differences
    found["badges the log earns but not held (award_pending, rolled back)"] = len(pending)
    return found


def median_run(runs: Sequence[CrowdRun]) -> CrowdRun:
    """The run with the median rate."""
    ordered = sorted(runs, key=lambda run: run.rate)
    return ordered[len(ordered) // 2]


def median_rate(runs: Sequence[CrowdRun]) -> float:
    return statistics.median(run.rate for run in runs)
