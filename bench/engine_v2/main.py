"""The command: build the bases, run every benchmark, render and write the section."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.engine_v2 import crowd, data, single, trace
from bench.engine_v2.profiles import profile_calls, profile_records
from bench.engine_v2.report import NAME, render
from bench.engine_v2.results import POSTGRES, SQLITE, Results
from bench.engine_v2.single import COLD, COLD_OLD, NAIVE, WARM, Counts
from bench.leaderboards import LoadWatch
from bench.run import (
    DEFAULT_PG_URL,
    environment,
    pin_to_one_core,
    remove_sqlite,
    source_state,
    sqlite_url,
    time_floor,
)
from bench.sections import write_section

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True, slots=True)
class Sizes:
    members: int
    weeks: int
    per_member_week: float
    settle: int
    chunk: int
    sqlite: Counts
    postgres: Counts
    crowd_members: int
    crowd_weeks: int
    crowd_settle: int
    crowd_warmup: int
    crowd_timed: int
    setups: tuple[crowd.Setup, ...]
    trace_warmup: int
    traced: int
    profile_warmup: int
    profiled: int

    @property
    def tail(self) -> int:
        """Live actions the measurements need after the base."""
        return max(
            self.sqlite.span,
            self.postgres.span,
            self.trace_warmup + self.traced,
            self.profile_warmup + self.profiled,
        )


FULL = Sizes(
    members=50,
    weeks=52,
    per_member_week=15.0,
    settle=500,
    chunk=5_000,
    sqlite=Counts(
        warmup={WARM: 500, COLD: 100, COLD_OLD: 10, NAIVE: 50},
        timed={WARM: 2_000, COLD: 1_000, COLD_OLD: 200, NAIVE: 300},
        floor=2_000,
    ),
    postgres=Counts(
        warmup={WARM: 300, COLD: 50, COLD_OLD: 5, NAIVE: 30},
        timed={WARM: 1_500, COLD: 600, COLD_OLD: 120, NAIVE: 200},
        floor=1_000,
    ),
    crowd_members=200,
    crowd_weeks=13,
    crowd_settle=1_000,
    crowd_warmup=400,
    crowd_timed=4_000,
    setups=crowd.SETUPS,
    trace_warmup=300,
    traced=48,
    profile_warmup=300,
    profiled=400,
)
QUICK = Sizes(
    members=50,
    weeks=4,
    per_member_week=15.0,
    settle=100,
    chunk=1_000,
    sqlite=Counts(
        warmup={WARM: 60, COLD: 10, COLD_OLD: 5, NAIVE: 5},
        timed={WARM: 100, COLD: 60, COLD_OLD: 20, NAIVE: 20},
        floor=100,
    ),
    postgres=Counts(
        warmup={WARM: 60, COLD: 10, COLD_OLD: 5, NAIVE: 5},
        timed={WARM: 60, COLD: 40, COLD_OLD: 10, NAIVE: 10},
        floor=60,
    ),
    crowd_members=200,
    crowd_weeks=1,
    crowd_settle=200,
    crowd_warmup=40,
    crowd_timed=200,
    setups=crowd.SETUPS,
    trace_warmup=60,
    traced=12,
    profile_warmup=60,
    profiled=40,
)


def measure(sizes: Sizes, runs: int, pg_url: str | None, quick: bool) -> Results:
    began = time.perf_counter()
    watch = LoadWatch()
    pinned = pin_to_one_core()
    source = source_state()
    programme = data.Programme.generate(
        sizes.members, sizes.weeks, sizes.per_member_week, sizes.tail, sizes.settle
    )
    crowd_tail = sizes.crowd_warmup + sizes.crowd_timed
    crowded = data.Programme.generate(
        sizes.crowd_members, sizes.crowd_weeks, sizes.per_member_week, crowd_tail,
        sizes.crowd_settle,
    )  # fmt: skip
    postgres, settings, note = _connect(pg_url)
    results = Results(
        environment={},
        programme=_describe(programme, sizes.weeks),
        crowd_programme=_describe(crowded, sizes.crowd_weeks),
        sizes=asdict(sizes),
        runs=runs,
        quick=quick,
        postgres_note=note,
    )
    print(f"data: {results.programme}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-v2-"))
    try:
        base = workdir / "base.db"
        print(f"4. record_many() of {programme.history:,} actions, then replay()")
        for run in range(runs):
            path = base if run == 0 else workdir / f"bulk-{run}.db"
            imported, replayed, changed = data.import_history(path, programme, sizes.chunk)
            results.bulk.append((imported, replayed, changed))
            if path != base:
                remove_sqlite(path)
            print(
                f"  run {run + 1}: record_many {imported.rate:>8,.0f}/s   "
                f"replay {replayed.rate:>8,.0f}/s ({changed} changed)"
            )
        data.settle(base, programme)
        results.programme += " " + data.describe_base(base)
        print("profile: record_many()")
        results.profiles.append(_profile_import(programme, workdir, sizes))
        live = programme.live

        print("1. record() on a SQLite file")
        floor_path = workdir / "floor.db"
        results.measurements += single.measure(
            SQLITE,
            lambda name: data.sqlite_copy(base, workdir, name),
            live,
            sizes.sqlite,
            runs,
            lambda count: _sqlite_floor(floor_path, count),
        )
        print("5. statement traces, SQLite")
        results.traces += _traces(
            SQLITE, lambda name: data.sqlite_copy(base, workdir, name), live, sizes
        )
        print("profile: cold record() on SQLite")
        with data.sqlite_copy(base, workdir, "profile") as url:
            title = "cold `record()` (cache off, snapshots on), SQLite file"
            results.profiles.append(_profile(title, url, live, sizes, 0))

        if postgres is not None:
            _postgres(postgres, results, programme, crowded, base, workdir, sizes, runs)
    finally:
        if postgres is not None:
            postgres.close()
        shutil.rmtree(workdir, ignore_errors=True)
    results.load = watch.stop()
    results.environment = environment(settings, pinned, source)
    results.elapsed_s = time.perf_counter() - began
    return results


def _postgres(
    postgres: data.Postgres,
    results: Results,
    programme: data.Programme,
    crowded: data.Programme,
    base: Path,
    workdir: Path,
    sizes: Sizes,
    runs: int,
) -> None:
    print("PostgreSQL: copying the base")
    pg_base = postgres.base_from(base, "base")
    scratch = postgres.url_of(postgres.create("floor"))
    live = programme.live

    def clone(name: str) -> AbstractContextManager[str]:
        return postgres.clone(pg_base, name)

    print("1 and 3. record() on PostgreSQL")
    results.measurements += single.measure(
        POSTGRES, clone, live, sizes.postgres, runs, lambda count: time_floor(scratch, count)
    )
    print("5. statement traces, PostgreSQL")
    results.traces += _traces(POSTGRES, clone, live, sizes)
    for title, cache in (("warm `record()`, PostgreSQL", 4096), ("cold `record()`, PostgreSQL", 0)):
        print(f"profile: {title}")
        with clone("profile") as url:
            results.profiles.append(_profile(title, url, live, sizes, cache))

    print(f"2. processes: {crowded.history:,} actions of history for 200 members")
    crowd_base = workdir / "crowd.db"
    data.import_history(crowd_base, crowded, sizes.chunk)
    data.settle(crowd_base, crowded, naive=False)
    pg_crowd = postgres.base_from(crowd_base, "crowd", naive=False)
    warmup = crowded.live[: sizes.crowd_warmup]
    timed = crowded.live[sizes.crowd_warmup : sizes.crowd_warmup + sizes.crowd_timed]
    results.crowd = {setup.label: [] for setup in sizes.setups}
    for run in range(runs):
        shift = run % len(sizes.setups)
        for setup in [*sizes.setups[shift:], *sizes.setups[:shift]]:
            with postgres.clone(pg_crowd, f"crowd{setup.processes}") as url:
                measured = crowd.run_crowd(url, setup, warmup, timed)
            results.crowd[setup.label].append(measured)
            bad = {k: v for k, v in measured.checks.items() if v and k not in _COUNTS}
            print(
                f"  run {run + 1}: {setup.label:<22} {measured.rate:>7,.0f}/s   "
                f"p50 {measured.p50_ms:6.2f} ms   p99 {measured.p99_ms:7.2f} ms   "
                f"errors {sum(measured.errors.values())}   failed checks {bad or 'none'}"
            )


_COUNTS = ("logged", "badges awarded")


def _traces(
    backend: str,
    copies: Any,
    live: Sequence[Any],
    sizes: Sizes,
) -> list[trace.Trace]:
    found = []
    warmup = live[: sizes.trace_warmup]
    traced = live[sizes.trace_warmup : sizes.trace_warmup + sizes.traced]
    for mode, cache in (("warm", 4096), ("cold", 0)):
        with copies(f"trace{mode}") as url:
            found.append(
                trace.trace_records(
                    url,
                    backend,
                    mode,
                    warmup if cache else warmup[-10:],
                    traced,
                    history_cache_size=cache,
                )
            )
    return found


def _profile(title: str, url: str, live: Sequence[Any], sizes: Sizes, cache: int) -> Any:
    """Warm: after ``profile_warmup`` calls that fill the cache; cold: after a few."""
    start = sizes.profile_warmup
    return profile_records(
        title,
        url,
        live[:start] if cache else live[start - 10 : start],
        live[start : start + sizes.profiled],
        history_cache_size=cache,
    )


def _profile_import(programme: data.Programme, workdir: Path, sizes: Sizes) -> Any:
    """``record_many()`` of the first two chunks of the history into a new file."""
    path = workdir / "profile-import.db"
    engine = data.new_engine(sqlite_url(path), programme.stream.members)
    actions = programme.imported[: 2 * sizes.chunk]

    def run() -> None:
        for offset in range(0, len(actions), sizes.chunk):
            engine.record_many(actions[offset : offset + sizes.chunk], create_members=True)

    try:
        return profile_calls(
            f"`record_many()` of {len(actions):,} actions in chunks of {sizes.chunk:,}, "
            "SQLite file",
            run,
            len(actions),
        )
    finally:
        engine.close()
        remove_sqlite(path)


def _sqlite_floor(path: Path, count: int) -> Any:
    try:
        return time_floor(sqlite_url(path), count)
    finally:
        remove_sqlite(path)


def _connect(url: str | None) -> tuple[data.Postgres | None, str | None, str]:
    if url is None:
        return None, None, "not measured (--no-postgres)"
    postgres = data.Postgres(url)
    try:
        return postgres, postgres.settings(), ""
    except sa.exc.OperationalError as error:
        postgres.close()
        return None, None, f"not measured: {url} could not be reached ({error.orig})"


def _describe(programme: data.Programme, weeks: int) -> str:
    fewest, median, most = programme.per_member()
    members = len(programme.stream.members)
    return (
        f"{programme.history:,} actions of history by {members} members over {weeks} weeks "
        f"(about {programme.history / members:,.0f} each: fewest {fewest:,}, median "
        f"{median:,}, most {most:,}; the workload of `bench/workload.py`, seed "
        f"{programme.stream.seed}), imported with `record_many()`, then "
        f"{programme.settle:,} actions recorded one at a time by a single warm engine, so that "
        "every active member has a snapshot, as on a running system."
    )


def main(argv: Sequence[str] | None = None) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine_v2",
        description="The engine v2 write path: record() warm and cold, several processes, "
        "record_many(), statement traces.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--runs", type=int, help="runs per measurement (3; 1 with --quick)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--write",
        action="store_true",
        help="put the section in docs/performance.md (with --quick: in bench/results/)",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    results = measure(
        QUICK if args.quick else FULL,
        runs,
        None if args.no_postgres else args.pg_url,
        args.quick,
    )
    section = render(results)
    print()
    print(section)
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"engine_v2{'-quick' if args.quick else ''}.json"
    raw.write_text(json.dumps(asdict(results), indent=1, default=str), encoding="utf-8")
    print(f"raw results: {raw}")
    if args.write:
        target = (
            RESULTS / "performance-quick.md" if args.quick else ROOT / "docs" / "performance.md"
        )
        if not target.exists():
            target.write_text("# Performance (smoke test)\n", encoding="utf-8")
        write_section(target, NAME, section)
        print(f"section written: {target}")
    print(f"measured in {results.elapsed_s / 60:.1f} min")
    return 0
