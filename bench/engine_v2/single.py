"""``record()`` one action at a time, for members with a year of history.

Four ways of calling it, each on a fresh copy of the same base, interleaved run by
run (the order rotates, so no variant always follows another):

* **warm**: one ``Engagement`` (history cache on) that has already recorded a few
  hundred actions, so it holds every active member's current state;
* **cold**: ``history_cache_size=0``, snapshots on (every 16 actions): what a
  process without the member cached does, reading the member's snapshot and the
  actions since;
* **cold, snapshots off**: ``history_cache_size=0, snapshot_every=0`` on a copy
  whose snapshots were deleted: the engine before snapshots, rebuilding the
  member's scoring history and badge state from the log every time;
* **naive ORM**: :mod:`bench.naive` on the same history.

Every variant times the same actions (the first ``timed`` of one slice of the live
stream); its untimed warm-up is the ``warmup`` actions just before them.  A variant
with a shorter warm-up than another simply never records the actions in between,
so the histories differ by a few actions in thousands.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bench.engine_v2.cpu import backend_pid, process_cpu_ns
from bench.engine_v2.data import forget_snapshots
from bench.naive import NaiveEngagement
from bench.report import Measurement, Run, percentile_ms
from engagement import Engagement

WARM = "warm (cache on)"
COLD = "cold (cache off, snapshots on)"
COLD_OLD = "cold, snapshots off (old behaviour)"
NAIVE = "naive ORM"
FLOOR = "floor: raw INSERT + COMMIT"

Record = Callable[[Mapping[str, Any]], object]


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    history_cache_size: int = 4096
    snapshot_every: int = 16
    naive: bool = False

    def open(self, url: str) -> tuple[Record, Callable[[], None], sa.Engine]:
        """``record`` and ``close`` of a new engine (or baseline) on ``url``, and its
        SQLAlchemy engine."""
        if self.naive:
            naive = NaiveEngagement(url)
            return naive.record, naive.database.dispose, naive.database
        if self.snapshot_every == 0:
            forget_snapshots(url)
        engine = Engagement(
            url,
            history_cache_size=self.history_cache_size,
            snapshot_every=self.snapshot_every,
        )
        return engine.record, engine.close, engine.database


VARIANTS = (
    Variant(WARM),
    Variant(COLD, history_cache_size=0),
    Variant(COLD_OLD, history_cache_size=0, snapshot_every=0),
    Variant(NAIVE, naive=True),
)


@dataclass(frozen=True, slots=True)
class Counts:
    """Untimed warm-up and timed ``record()`` calls of each variant, on one backend."""

    warmup: Mapping[str, int]
    timed: Mapping[str, int]
    floor: int

    @property
    def span(self) -> int:
        """How many live actions the variants need, warm-ups included."""
        return max(self.warmup.values()) + max(self.timed.values())


def measure(
    backend: str,
    copies: Callable[[str], AbstractContextManager[str]],
    live: Sequence[Mapping[str, Any]],
    counts: Counts,
    runs: int,
    floor: Callable[[int], Run],
) -> list[Measurement]:
    """Every variant ``runs`` times on fresh copies (``copies(name)`` gives the URL of
    one), interleaved, plus the driver's floor in each run."""
    results = {v.name: Measurement("record", backend, v.name) for v in VARIANTS}
    floors = Measurement("record", backend, FLOOR)
    start = max(counts.warmup.values())
    for run in range(runs):
        for variant in _rotated(VARIANTS, run):
            warmup = live[start - counts.warmup[variant.name] : start]
            timed = live[start : start + counts.timed[variant.name]]
            with copies(variant.name.split()[0]) as url:
                record, close, database = variant.open(url)
                try:
                    measured, cpu = time_calls(record, database, warmup, timed)
                finally:
                    close()
            results[variant.name].runs.append(measured)
            for name, value in cpu.items():
                results[variant.name].notes.setdefault(name, []).append(value)
            print(line(run, variant.name, measured))
        floors.runs.append(floor(counts.floor))
        print(line(run, FLOOR, floors.runs[-1]))
    return [*results.values(), floors]


def time_calls(
    record: Record,
    database: sa.Engine,
    warmup: Sequence[Mapping[str, Any]],
    timed: Sequence[Mapping[str, Any]],
) -> tuple[Run, dict[str, float | None]]:
    """Record ``warmup`` untimed, then each of ``timed`` timed on its own; with the CPU
    milliseconds per call of this process and of its PostgreSQL backend."""
    for action in warmup:
        record(action)
    pid = backend_pid(database)
    latencies: list[int] = []
    clock = time.perf_counter_ns
    cpu_before, server_before = time.process_time_ns(), process_cpu_ns(pid)
    start = clock()
    for action in timed:
        before = clock()
        record(action)
        latencies.append(clock() - before)
    elapsed = clock() - start
    cpu, server = time.process_time_ns() - cpu_before, process_cpu_ns(pid)
    count = len(timed)
    return Run(count, elapsed, percentile_ms(latencies, 0.50), percentile_ms(latencies, 0.99)), {
        "client_cpu_ms": cpu / count / 1e6,
        "server_cpu_ms": None
        if server is None or server_before is None
        else (server - server_before) / count / 1e6,
    }


def _rotated(variants: Sequence[Variant], run: int) -> Iterator[Variant]:
    shift = run % len(variants)
    yield from variants[shift:]
    yield from variants[:shift]


def line(run: int, name: str, measured: Run) -> str:
    return (
        f"  run {run + 1}: {name:<36} {measured.rate:>8,.0f}/s   "
        f"p50 {measured.p50_ms or 0:6.2f} ms   p99 {measured.p99_ms or 0:7.2f} ms"
    )
