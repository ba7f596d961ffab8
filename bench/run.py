"""Benchmarks of ``engagement`` beside its naive baseline, in the same run.

Run ``python -m bench.run`` (``make bench``) from the repository root.  It measures:

* single ``record()`` calls, a transaction each, on a SQLite file and on PostgreSQL,
  for members who already have months of history: rate, p50 and p99 latency, with
  the engine's history cache warm (one process) and cold (several processes);
* bulk ``record_many()`` in chunks of 5,000, and ``replay()`` over the recorded log;
* how the single-record rate depends on the depth of members' history;
* a cProfile of ``record()``, to show where its time goes.

Every measurement runs ``--runs`` times (3), interleaving the engine and the naive
baseline (:mod:`bench.naive`), and medians are reported.  Nothing asserts a timing:
the numbers are printed and written to ``docs/performance.md`` (``--quick`` writes its
smoke-test numbers to ``bench/results/`` instead, so it never overwrites the report).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import importlib
import inspect
import io
import json
import os
import platform
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

import pydantic
import sqlalchemy as sa
import yaml

from bench import workload
from bench.naive import Base as NaiveBase
from bench.naive import NaiveEngagement
from bench.report import (
    ENGINE,
    ENGINE_COLD,
    ENGINE_SCORING,
    FLOOR,
    NAIVE,
    SQLITE_BEGIN,
    SQLITE_COMMIT,
    SQLITE_EXECUTE,
    SQLITE_FETCHONE,
    Measurement,
    Profile,
    ProfileRow,
    Results,
    Run,
    percentile_ms,
    render,
    results_table,
    sort_key,
)
from bench.sections import marked_sections
from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.storage.database import create_database_engine
from engagement.storage.tables import metadata as engine_metadata

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = os.environ.get(
    "ENGAGEMENT_BENCH_PG_URL",
    os.environ.get("ENGAGEMENT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)

Record = Callable[[Mapping[str, Any]], object]


# -- sizes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many actions each phase uses.

    The stream's first ``history`` actions are the bulk benchmark's input; the database
    it leaves behind is where every single-record run starts, recording ``warmup``
    actions untimed and then timing the next ``single`` ones.
    """

    history: int
    warmup: int
    single: int
    pg_warmup: int
    pg_single: int
    chunk: int
    per_member_week: float
    sweep_densities: tuple[float, ...]
    sweep_history: int
    sweep_warmup: int
    sweep_single: int
    profile_warmup: int
    profile_records: int
    profile_cold_records: int

    @property
    def stream(self) -> int:
        return self.history + self.warmup + self.single


FULL = Sizes(
    history=15_000,
    warmup=1_000,
    single=4_000,
    pg_warmup=500,
    pg_single=2_000,
    chunk=5_000,
    per_member_week=15.0,
    sweep_densities=(3.0, 8.0),
    sweep_history=6_000,
    sweep_warmup=200,
    sweep_single=800,
    profile_warmup=300,
    profile_records=3_000,
    profile_cold_records=1_000,
)
QUICK = Sizes(
    history=250,
    warmup=30,
    single=60,
    pg_warmup=20,
    pg_single=40,
    chunk=150,
    per_member_week=15.0,
    sweep_densities=(3.0,),
    sweep_history=300,
    sweep_warmup=20,
    sweep_single=50,
    profile_warmup=20,
    profile_records=60,
    profile_cold_records=40,
)


# -- the two implementations behind one interface -------------------------------------


class Subject(Protocol):
    """What a benchmark drives: the engine or the naive baseline."""

    database: sa.Engine

    def setup(self, members: Sequence[workload.MemberSpec]) -> None: ...
    def record(self, action: Mapping[str, Any]) -> object: ...
    def record_many(self, actions: Sequence[Mapping[str, Any]]) -> object: ...
    def replay(self) -> tuple[int, int]: ...
    def total_points(self) -> int: ...


class EngineSubject:
    def __init__(self, url: str) -> None:
        self.engagement = Engagement(url)
        self.database = self.engagement.database

    def setup(self, members: Sequence[workload.MemberSpec]) -> None:
        self.engagement.create_schema()
        self.engagement.activate_rules(DEFAULT_RULES_PATH)
        for member in members:
            self.engagement.members.upsert(
                member.member_id, timezone=member.timezone, opted_in=member.opted_in
            )

    def record(self, action: Mapping[str, Any]) -> object:
        return self.engagement.record(action)

    def record_many(self, actions: Sequence[Mapping[str, Any]]) -> object:
        return self.engagement.record_many(actions, create_members=True)

    def replay(self) -> tuple[int, int]:
        report = self.engagement.replay()
        return report.actions, report.changed

    def total_points(self) -> int:
        return sum(self.engagement.ledger.totals().values())


class NaiveSubject:
    def __init__(self, url: str) -> None:
        self.naive = NaiveEngagement(url)
        self.database = self.naive.database

    def setup(self, members: Sequence[workload.MemberSpec]) -> None:
        self.naive.create_schema()
        for member in members:
            self.naive.upsert_member(member.member_id, timezone=member.timezone)

    def record(self, action: Mapping[str, Any]) -> object:
        return self.naive.record(action)

    def record_many(self, actions: Sequence[Mapping[str, Any]]) -> object:
        return self.naive.record_many(actions)

    def replay(self) -> tuple[int, int]:
        report = self.naive.replay()
        return report.actions, report.changed

    def total_points(self) -> int:
        return sum(self.naive.totals().values())


SUBJECTS: dict[str, tuple[Callable[[str], Subject], sa.MetaData]] = {
    ENGINE: (EngineSubject, engine_metadata),
    NAIVE: (NaiveSubject, NaiveBase.metadata),
}


def open_subject(name: str, url: str) -> Subject:
    return SUBJECTS[name][0](url)


# -- timing ---------------------------------------------------------------------------


def time_singles(
    record: Record, warmup: Sequence[Mapping[str, Any]], timed: Sequence[Mapping[str, Any]]
) -> Run:
    """Record each action in its own transaction; time the ``timed`` ones one by one."""
    for action in warmup:
        record(action)
    latencies: list[int] = []
    clock = time.perf_counter_ns
    start = clock()
    for action in timed:
        before = clock()
        record(action)
        latencies.append(clock() - before)
    elapsed = clock() - start
    return Run(len(timed), elapsed, percentile_ms(latencies, 0.50), percentile_ms(latencies, 0.99))


def time_bulk(subject: Subject, actions: Sequence[Mapping[str, Any]], chunk: int) -> Run:
    start = time.perf_counter_ns()
    for offset in range(0, len(actions), chunk):
        subject.record_many(actions[offset : offset + chunk])
    return Run(len(actions), time.perf_counter_ns() - start)


def time_replay(subject: Subject) -> tuple[Run, int]:
    start = time.perf_counter_ns()
    replayed, changed = subject.replay()
    return Run(replayed, time.perf_counter_ns() - start), changed


def time_floor(url: str, count: int) -> Run:
    """The cheapest write transaction the backend offers, for reference: one small
    ``INSERT`` and a ``COMMIT`` through the raw driver, on the engine's settings."""
    database = create_database_engine(url)
    sqlite = database.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    raw = database.raw_connection()
    try:
        cursor = raw.cursor()
        key = "INTEGER PRIMARY KEY" if sqlite else "BIGSERIAL PRIMARY KEY"
        cursor.execute(f"CREATE TABLE floor_probe (id {key}, payload TEXT)")
        raw.commit()
        insert = f"INSERT INTO floor_probe (payload) VALUES ({marker})"
        payload = "x" * 200  # about an action row's text
        latencies: list[int] = []
        clock = time.perf_counter_ns
        start = clock()
        for _ in range(count):
            before = clock()
            if sqlite:  # the engine's SQLite connections are in autocommit mode
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute(insert, (payload,))
                cursor.execute("COMMIT")
            else:
                cursor.execute(insert, (payload,))
                raw.commit()
            latencies.append(clock() - before)
        elapsed = clock() - start
        cursor.execute("DROP TABLE floor_probe")
        raw.commit()
    finally:
        raw.close()
        database.dispose()
    return Run(count, elapsed, percentile_ms(latencies, 0.50), percentile_ms(latencies, 0.99))


# -- databases ------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, through SQLite's online backup API."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class Postgres:
    """Private schemas in one PostgreSQL database, each dropped after use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = sa.create_engine(url)

    def version(self) -> str:
        """The server's version and the settings that decide the cost of a commit."""
        with self.admin.connect() as connection:
            settings = {
                name: connection.execute(sa.text(f"SHOW {name}")).scalar_one()
                for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method")
            }
        version = settings.pop("server_version")
        return f"{version}; " + ", ".join(f"{k}={v}" for k, v in settings.items())

    @contextmanager
    def schema(self) -> Iterator[str]:
        """A URL whose connections see only a fresh schema (``-csearch_path``)."""
        name = f"bench_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        try:
            url = sa.make_url(self.url).update_query_dict({"options": f"-csearch_path={name}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with self.admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))

    def dispose(self) -> None:
        self.admin.dispose()


def copy_tables(source: sa.Engine, target: sa.Engine, tables: sa.MetaData) -> None:
    """Copy every row of ``tables`` (already created on ``target``) to ``target``, then
    move PostgreSQL's id sequences past the copied ids and refresh planner statistics."""
    postgres = target.dialect.name == "postgresql"
    with source.connect() as reading, target.begin() as writing:
        for table in tables.sorted_tables:
            rows = [dict(row._mapping) for row in reading.execute(sa.select(table))]
            for offset in range(0, len(rows), 5_000):
                writing.execute(sa.insert(table), rows[offset : offset + 5_000])
            if postgres and "id" in table.c:
                writing.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )
    if postgres:
        with target.connect() as connection:
            for table in tables.sorted_tables:
                connection.execute(sa.text(f'ANALYZE "{table.name}"'))
            connection.commit()


# -- the benchmarks -------------------------------------------------------------------


@dataclass(slots=True)
class Context:
    sizes: Sizes
    runs: int
    stream: workload.Workload
    workdir: Path
    bases: dict[str, Path] = field(default_factory=dict)
    """The SQLite database each implementation's first bulk run left behind."""

    def single_slices(
        self, warmup: int, timed: int
    ) -> tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
        """The actions after the bulk-loaded history: ``warmup`` of them, then ``timed``."""
        start = self.sizes.history
        actions = self.stream.actions
        return (
            actions[start : start + warmup],
            actions[start + warmup : start + warmup + timed],
        )


def bench_bulk(ctx: Context) -> list[Measurement]:
    """``record_many()`` over the history part of the stream, then ``replay()`` of it."""
    bulk = {name: Measurement("record_many", "SQLite file", name) for name in SUBJECTS}
    replay = {name: Measurement("replay", "SQLite file", name) for name in SUBJECTS}
    history = ctx.stream.actions[: ctx.sizes.history]
    for run in range(ctx.runs):
        for name in SUBJECTS:
            path = ctx.workdir / f"bulk-{name.split()[0]}-{run}.db"
            subject = open_subject(name, sqlite_url(path))
            subject.setup(ctx.stream.members)
            timed = time_bulk(subject, history, ctx.sizes.chunk)
            bulk[name].runs.append(timed)
            replayed, changed = time_replay(subject)
            replay[name].runs.append(replayed)
            replay[name].notes.setdefault("changed", []).append(changed)
            if run == 0:
                bulk[name].notes["points"] = subject.total_points()
            subject.database.dispose()
            if run == 0:
                ctx.bases[name] = path
            else:
                remove_sqlite(path)
            print(
                f"  run {run + 1}: {name:<22} record_many {timed.rate:>8,.0f}/s   "
                f"replay {replayed.rate:>8,.0f}/s ({changed} changed)"
            )
    return [*bulk.values(), *replay.values()]


@dataclass(frozen=True, slots=True)
class Variant:
    """A way of calling ``record()``: which implementation, through how many objects."""

    name: str
    data: str
    """Whose tables and starting database: :data:`ENGINE` or :data:`NAIVE`."""
    instances: int = 1
    """With 2, each member's actions alternate between two engine objects on the same
    database, as successive requests would between two worker processes: the engine's
    per-process history cache then never holds the member's current history."""
    scoring_only: bool = False
    """Activate the default rules without their badges, levels and challenges first:
    the baseline that badge evaluation's cost is measured against."""


SINGLE_VARIANTS = (
    Variant(ENGINE, ENGINE),
    Variant(ENGINE_COLD, ENGINE, instances=2),
    Variant(ENGINE_SCORING, ENGINE, scoring_only=True),
    Variant(NAIVE, NAIVE),
)


def recorder(subjects: Sequence[Subject]) -> Record:
    """``record`` of the only subject, or of each subject in turn, per member."""
    if len(subjects) == 1:
        return subjects[0].record
    turns: dict[str, int] = defaultdict(int)

    def record(action: Mapping[str, Any]) -> object:
        turn = turns[action["member"]]
        turns[action["member"]] = turn + 1
        return subjects[turn % len(subjects)].record(action)

    return record


def scoring_rules() -> str:
    """The default rule file without its ``badges``, ``levels`` and ``challenges``."""
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    for section in ("badges", "levels", "challenges"):
        data.pop(section, None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def run_single(
    variant: Variant,
    url: str,
    warmup: Sequence[Mapping[str, Any]],
    timed: Sequence[Mapping[str, Any]],
    measurement: Measurement,
    *,
    check: bool,
) -> Run:
    subjects = [open_subject(variant.data, url) for _ in range(variant.instances)]
    if variant.scoring_only:
        engagement = cast(EngineSubject, subjects[0]).engagement
        engagement.activate_rules(engagement.load_rules_text(scoring_rules()))
    measured = time_singles(recorder(subjects), warmup, timed)
    measurement.runs.append(measured)
    if check and variant.data == ENGINE:  # untimed: does the ledger equal a replay of the log?
        measurement.notes["replay_changed"] = subjects[0].replay()[1]
    for subject in subjects:
        subject.database.dispose()
    return measured


def bench_single_sqlite(ctx: Context) -> list[Measurement]:
    warmup, timed = ctx.single_slices(ctx.sizes.warmup, ctx.sizes.single)
    results = {v.name: Measurement("record", "SQLite file", v.name) for v in SINGLE_VARIANTS}
    floor = Measurement("record", "SQLite file", FLOOR)
    for run in range(ctx.runs):
        for variant in SINGLE_VARIANTS:
            path = ctx.workdir / f"single-{run}.db"
            copy_sqlite(ctx.bases[variant.data], path)
            measured = run_single(
                variant,
                sqlite_url(path),
                warmup,
                timed,
                results[variant.name],
                check=run == ctx.runs - 1,
            )
            remove_sqlite(path)
            print(_single_line(run, variant.name, measured))
        path = ctx.workdir / f"floor-{run}.db"
        floor.runs.append(time_floor(sqlite_url(path), ctx.sizes.single))
        remove_sqlite(path)
        print(_single_line(run, FLOOR, floor.runs[-1]))
    return [*results.values(), floor]


def bench_single_postgres(ctx: Context, postgres: Postgres) -> list[Measurement]:
    warmup, timed = ctx.single_slices(ctx.sizes.pg_warmup, ctx.sizes.pg_single)
    results = {v.name: Measurement("record", "PostgreSQL", v.name) for v in SINGLE_VARIANTS}
    floor = Measurement("record", "PostgreSQL", FLOOR)
    for run in range(ctx.runs):
        for variant in SINGLE_VARIANTS:
            tables = SUBJECTS[variant.data][1]
            with postgres.schema() as url:
                target = sa.create_engine(url)
                tables.create_all(target)
                source = sa.create_engine(sqlite_url(ctx.bases[variant.data]))
                copy_tables(source, target, tables)
                source.dispose()
                target.dispose()
                measured = run_single(
                    variant, url, warmup, timed, results[variant.name], check=run == ctx.runs - 1
                )
            print(_single_line(run, variant.name, measured))
        with postgres.schema() as url:
            floor.runs.append(time_floor(url, ctx.sizes.pg_single))
        print(_single_line(run, FLOOR, floor.runs[-1]))
    return [*results.values(), floor]


def bench_depth(ctx: Context) -> list[Measurement]:
    """The engine's single-record rate, warm and cold, for sparser streams."""
    sizes = ctx.sizes
    results: list[Measurement] = []
    for density in sizes.sweep_densities:
        stream = workload.generate(
            sizes.sweep_history + sizes.sweep_warmup + sizes.sweep_single,
            per_member_week=density,
        )
        base = ctx.workdir / f"depth-{density:g}.db"
        subject = open_subject(ENGINE, sqlite_url(base))
        subject.setup(stream.members)
        for offset in range(0, sizes.sweep_history, sizes.chunk):
            subject.record_many(
                stream.actions[offset : min(offset + sizes.chunk, sizes.sweep_history)]
            )
        subject.database.dispose()
        start = sizes.sweep_history
        warmup = stream.actions[start : start + sizes.sweep_warmup]
        timed = stream.actions[
            start + sizes.sweep_warmup : start + sizes.sweep_warmup + sizes.sweep_single
        ]
        variants = [v for v in SINGLE_VARIANTS if v.data == ENGINE]
        measurements = {
            v.name: Measurement("record", "SQLite file", v.name, notes={"per_member_week": density})
            for v in variants
        }
        for run in range(ctx.runs):
            for variant in variants:
                path = ctx.workdir / f"depth-{density:g}-{run}.db"
                copy_sqlite(base, path)
                run_single(
                    variant,
                    sqlite_url(path),
                    warmup,
                    timed,
                    measurements[variant.name],
                    check=False,
                )
                remove_sqlite(path)
        remove_sqlite(base)
        for m in measurements.values():
            print(
                f"  {density:>4g} actions/member/week, {m.implementation:<22} "
                f"{m.rate:>7,.0f}/s   p50 {m.p50_ms or 0:.2f} ms"
            )
        results.extend(measurements.values())
    return results


# -- profiles -------------------------------------------------------------------------

Target = tuple[str, str]
"""A profiled function: (module, qualified name), or ("~", name) for a C function."""

RECORD_PHASES: tuple[tuple[Target, str], ...] = (
    (("engagement.engine", "Engagement.record"), "`Engagement.record()`, in all"),
    (("engagement.core.actions", "parse_action"), "validate the input (pydantic)"),
    (("engagement.pipeline.unit", "Transactions.unit"), "open and commit the transaction"),
    (("engagement.pipeline.recording", "record_one"), "log and score the action (`record_one`)"),
    (("engagement.storage.rows", "action_row"), "  text analysis and the log row"),
    (("engagement.pipeline.recording", "_current_history"), "  the member's history (cache or DB)"),
    (("engagement.core.history", "MemberHistory.add_all"), "    of which loading from the DB"),
    (("engagement.core.scoring", "score_and_remember"), "  scoring with the rules"),
    (
        ("engagement.storage.prepared", "Prepared._run"),
        "  statements prepared on the driver's cursor",
    ),
    (("engagement.core.history", "MemberHistory.add"), "indexing facts for the rules (all calls)"),
    (("~", SQLITE_EXECUTE), "inside SQLite (C): statements"),
    (("~", SQLITE_BEGIN), "inside SQLite (C): `BEGIN`"),
    (("~", SQLITE_FETCHONE), "inside SQLite (C): fetching rows"),
    (("~", SQLITE_COMMIT), "inside SQLite (C): `COMMIT`"),
)
REPLAY_PHASES: tuple[tuple[Target, str], ...] = (
    (("engagement.engine", "Engagement.replay"), "`Engagement.replay()`, in all"),
    (("engagement.pipeline.replay", "replay_awards"), "read the log and rescore it (generator)"),
    (("~", "<method 'fetchmany' of 'sqlite3.Cursor' objects>"), "  SQLite: fetch the rows"),
    (
        ("engagement.storage.tables", "UTCDateTime.process_result_value"),
        "  `at` to an aware datetime",
    ),
    (("engagement.core.scoring", "score_and_remember"), "  scoring with the rules"),
    (("engagement.core.scoring", "score"), "    of which the rules' pipeline"),
    (("engagement.core.history", "MemberHistory.add"), "    of which indexing the fact"),
)
HISTORY_ADD: Target = ("engagement.core.history", "MemberHistory.add")

StatsKey = tuple[str, int, str]
StatsValue = tuple[int, int, float, float, Any]


def profile_record(ctx: Context, variant: Variant, count: int) -> Profile:
    """cProfile ``count`` ``record()`` calls of ``variant`` on a copy of the engine's
    bulk-loaded database, then time the same calls unprofiled on a fresh copy."""
    warmup, timed = ctx.single_slices(ctx.sizes.profile_warmup, count)
    path = ctx.workdir / "profile.db"

    def open_recorder() -> tuple[Record, list[Subject]]:
        copy_sqlite(ctx.bases[ENGINE], path)
        subjects = [open_subject(ENGINE, sqlite_url(path)) for _ in range(variant.instances)]
        return recorder(subjects), subjects

    def close(subjects: list[Subject]) -> None:
        for subject in subjects:
            subject.database.dispose()
        remove_sqlite(path)

    record, subjects = open_recorder()
    for action in warmup:
        record(action)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for action in timed:
        record(action)
    profiler.disable()
    profiled = time.perf_counter() - started
    close(subjects)
    record, subjects = open_recorder()
    plain = time_singles(record, warmup, timed)
    close(subjects)
    stats = _stats(profiler)
    adds = _find(stats, HISTORY_ADD)
    return Profile(
        records=len(timed),
        profiled_s=profiled,
        unprofiled_us=plain.elapsed_ns / plain.actions / 1e3,
        # Each record() indexes its new fact, plus every fact it loads from the database.
        loaded_facts=(adds[1] if adds else 0) / len(timed) - 1,
        phases=_phases(stats, RECORD_PHASES),
        top=_top(stats, RECORD_PHASES[0][0]),
    )


def profile_replay(ctx: Context) -> Profile:
    """cProfile one ``replay()`` of the engine's bulk-loaded log."""
    path = ctx.workdir / "profile-replay.db"
    copy_sqlite(ctx.bases[ENGINE], path)
    subject = EngineSubject(sqlite_url(path))
    subject.replay()  # warm-up: loads and compiles the ruleset, fills the page cache
    plain, _ = time_replay(subject)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    subject.replay()
    profiler.disable()
    profiled = time.perf_counter() - started
    subject.database.dispose()
    remove_sqlite(path)
    stats = _stats(profiler)
    return Profile(
        records=plain.actions,
        profiled_s=profiled,
        unprofiled_us=plain.elapsed_ns / plain.actions / 1e3,
        loaded_facts=0.0,
        phases=_phases(stats, REPLAY_PHASES),
        top=_top(stats, REPLAY_PHASES[0][0]),
    )


def _stats(profiler: cProfile.Profile) -> dict[StatsKey, StatsValue]:
    return pstats.Stats(profiler).stats  # type: ignore[attr-defined,no-any-return]


def _key(target: Target) -> StatsKey | None:
    """The profiler's key for ``target``; ``None`` if the engine no longer has it."""
    module, name = target
    if module == "~":
        return ("~", 0, name)
    try:
        found: Any = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
        code = inspect.unwrap(found).__code__
    except (ImportError, AttributeError):
        return None
    return (code.co_filename, code.co_firstlineno, code.co_name)


def _find(stats: Mapping[StatsKey, StatsValue], target: Target) -> StatsValue | None:
    key = _key(target)
    return stats.get(key) if key is not None else None


def _total(stats: Mapping[StatsKey, StatsValue], target: Target) -> float:
    found = _find(stats, target)
    if found is None:
        raise RuntimeError(f"the profile has no {target[1]}() in {target[0]}: renamed?")
    return found[3]


def _phases(
    stats: Mapping[StatsKey, StatsValue], phases: Sequence[tuple[Target, str]]
) -> list[ProfileRow]:
    """The phases found in the profile (an engine change may have renamed some)."""
    total = _total(stats, phases[0][0])
    rows = []
    for target, label in phases:
        found = _find(stats, target)
        if found is not None:
            rows.append(ProfileRow(label, found[1], found[3], found[3] / total, target[1]))
    return rows


def _top(stats: Mapping[StatsKey, StatsValue], entry: Target, count: int = 15) -> list[ProfileRow]:
    total = _total(stats, entry)
    rows = [
        ProfileRow(_label(file, line, func), calls, ct, ct / total)
        for (file, line, func), (_, calls, _, ct, _) in stats.items()
        if "_lsprof" not in func and not file.endswith("bench/run.py")
    ]
    rows.sort(key=lambda row: -row.cumulative_s)
    return rows[:count]


def _label(file: str, line: int, func: str) -> str:
    if file == "~":
        return func
    path = file.replace("\\", "/")
    for marker in ("/site-packages/", f"{ROOT.as_posix()}/"):
        if marker in path:
            return f"{path.split(marker, 1)[1]}:{line}({func})"
    return f"{Path(path).name}:{line}({func})"


# -- environment ----------------------------------------------------------------------


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "no (sched_setaffinity is unavailable)"
    try:
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[0]})
    except OSError as exc:
        return f"no ({exc})"
    return f"yes: the benchmark process runs on CPU {cores[0]} only"


def source_state() -> str:
    """The commit, whether ``engagement/`` differs from it, and a digest of its sources,
    taken at start (the code may change on disk while a run lasts)."""
    digest = hashlib.sha256()
    package = ROOT / "engagement"
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.yaml")]):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    sources = f"sources sha256 {digest.hexdigest()[:12]}"
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git("status", "--porcelain", "--", "engagement").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"unknown commit; engagement/ {sources}"
    if not changed:
        return f"commit {commit}, engagement/ clean; {sources}"
    files = ", ".join(line[3:].removeprefix("engagement/") for line in changed)
    return f"commit {commit} plus uncommitted changes to engagement/ ({files}); {sources}"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.rstrip()


def environment(postgres_version: str | None, pinned: str, source: str) -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psycopg

        psycopg_version = psycopg.__version__
    except ImportError:
        psycopg_version = "not installed"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "nproc": str(os.cpu_count()),
        "pinned": pinned,
        "load": ", ".join(f"{value:.2f}" for value in os.getloadavg()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not measured",
        "sqlalchemy": sa.__version__,
        "pydantic": pydantic.VERSION,
        "psycopg": psycopg_version,
        "source": source,
    }


def _single_line(run: int, name: str, measured: Run) -> str:
    return (
        f"  run {run + 1}: {name:<22} {measured.rate:>8,.0f}/s   "
        f"p50 {measured.p50_ms or 0:6.2f} ms   p99 {measured.p99_ms or 0:6.2f} ms"
    )


# -- entry point ----------------------------------------------------------------------


def measure(sizes: Sizes, runs: int, pg_url: str | None, quick: bool) -> Results:
    pinned = pin_to_one_core()
    source = source_state()
    began = time.perf_counter()
    postgres: Postgres | None = None
    postgres_version: str | None = None
    postgres_note = "skipped (--no-postgres)"
    if pg_url is not None:
        postgres = Postgres(pg_url)
        try:
            postgres_version = postgres.version()
            postgres_note = ""
        except sa.exc.OperationalError as exc:
            postgres_note = f"skipped: {pg_url} could not be reached ({exc.orig})"
            postgres.dispose()
            postgres = None

    stream = workload.generate(sizes.stream, per_member_week=sizes.per_member_week)
    print(f"workload: {stream.describe()}")
    print(f"pinned to one core: {pinned}")
    print(f"code: {source}")
    measurements: list[Measurement] = []
    workdir = Path(tempfile.mkdtemp(prefix="engagement-bench-"))
    try:
        ctx = Context(sizes=sizes, runs=runs, stream=stream, workdir=workdir)
        print(f"bulk: record_many() of {sizes.history:,} actions, then replay()")
        measurements += bench_bulk(ctx)
        print(f"single: record() on SQLite, {sizes.single:,} timed after {sizes.warmup:,}")
        measurements += bench_single_sqlite(ctx)
        if postgres is not None:
            print(f"single: record() on PostgreSQL, {sizes.pg_single:,} timed")
            measurements += bench_single_postgres(ctx, postgres)
            postgres.dispose()
        else:
            print(f"PostgreSQL {postgres_note}")
        print("history depth: record() on SQLite for sparser streams")
        depth = bench_depth(ctx)
        print("profiles: record() with the history cache warm, then cold, then replay()")
        profile = profile_record(ctx, SINGLE_VARIANTS[0], sizes.profile_records)
        cold_profile = profile_record(ctx, SINGLE_VARIANTS[1], sizes.profile_cold_records)
        replay_profile = profile_replay(ctx)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Results(
        environment=environment(postgres_version, pinned, source),
        sizes=asdict(sizes),
        runs=runs,
        workload=stream.describe(),
        weeks=stream.weeks,
        measurements=sorted(measurements, key=sort_key),
        depth=depth,
        profile=profile,
        cold_profile=cold_profile,
        replay_profile=replay_profile,
        postgres_note=postgres_note,
        elapsed_s=time.perf_counter() - began,
        quick=quick,
    )


def main(argv: Sequence[str] | None = None) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows up in logs as it happens
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmarks of engagement beside a naive baseline; writes a report.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (3)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL database URL")
    parser.add_argument(
        "--output",
        type=Path,
        help="the report (default docs/performance.md, or bench/results/ with --quick)",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="measure nothing: render the report again from a saved run",
    )
    args = parser.parse_args(argv)

    if args.render is not None:
        results = Results.from_json(json.loads(args.render.read_text(encoding="utf-8")))
    else:
        results = measure(
            QUICK if args.quick else FULL,
            args.runs,
            None if args.no_postgres else args.pg_url,
            args.quick,
        )
        RESULTS.mkdir(parents=True, exist_ok=True)
        raw = RESULTS / ("latest-quick.json" if results.quick else "latest.json")
        raw.write_text(json.dumps(results.to_json(), indent=2), encoding="utf-8")
        print(f"\nraw results: {raw}")
    output: Path = args.output or (
        RESULTS / "performance-quick.md" if results.quick else ROOT / "docs" / "performance.md"
    )
    print()
    print("\n".join(results_table(results.measurements)))
    output.parent.mkdir(parents=True, exist_ok=True)
    report = render(results)
    if output.exists():  # keep the sections bench.badges, bench.leaderboards… wrote
        kept = marked_sections(output.read_text(encoding="utf-8"))
        report = report.rstrip("\n") + ("\n\n" + kept if kept else "\n")
    output.write_text(report, encoding="utf-8")
    print(f"\nreport: {output} (measured in {results.elapsed_s / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
