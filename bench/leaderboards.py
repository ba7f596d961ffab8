"""Reading leaderboards at scale: 100,000 members and 5,000,000 actions over a year,
on a SQLite file and on PostgreSQL, beside the naive ``GROUP BY`` over the ledger.

Run ``python -m bench.leaderboards`` from the repository root (``--quick`` for a
smoke test, ``--write`` to put the results in ``docs/performance.md`` between the
``bench.leaderboards`` markers; every run writes them to ``bench/results/`` too).  It

1. generates the data set once (:mod:`bench.leaderboard_data`, cached under
   ``bench/results/``), copies it to a scratch file and into a private PostgreSQL
   schema, and builds the score rows with the engine's own
   :meth:`engine.boards.rebuild() <engagement.facades.Boards.rebuild>` (timed: what the ``rebuild``
   command costs at this size), then ``ANALYZE`` / ``VACUUM ANALYZE``;
2. times, ``--runs`` times, the top 20 of the week, month and all-time boards
   (everyone, and the largest team) and "around me" (k=3) for a fixed sample of
   members (top, middle, tail, not opted in, inactive), each call through the
   public API in its own transaction as a host makes it, interleaved with the naive
   queries of :mod:`bench.leaderboard_queries`;
3. re-runs, alone and with its plan, each statement of the engine's slowest calls,
   so a missed target comes with the query and the plan that explain it.

The issue's targets are top-20 under 5 ms and around-me under 10 ms at p50.  Nothing
asserts a timing; medians of the runs' percentiles are printed and written.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import leaderboard_data as data
from bench import leaderboard_queries as queries
from bench.report import percentile_ms
from bench.run import DEFAULT_PG_URL, RESULTS, ROOT, Postgres, environment, pin_to_one_core
from bench.run import source_state as read_source_state
from bench.sections import markers, write_section
from engagement import Engagement
from engagement.leaderboards.tables import scores

NAME = "leaderboards"
START, END = markers(NAME)
TARGETS = {"top": 5.0, "around": 10.0}
"""p50 targets in milliseconds, from the issue."""
ENGINE, NAIVE = "engine (score rows)", "naive GROUP BY"
SEED = 20261120


@dataclass(frozen=True, slots=True)
class Sizes:
    members: int
    actions: int
    samples: int
    """Members asked "around me" per period, per run."""
    top_repeats: int
    """Calls per top-20 board, per run."""
    naive_repeats: int
    naive_samples: int


FULL = Sizes(100_000, 5_000_000, samples=300, top_repeats=100, naive_repeats=3, naive_samples=5)
QUICK = Sizes(2_000, 100_000, samples=40, top_repeats=20, naive_repeats=3, naive_samples=3)


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # "top" or "around"
    period: str
    team: str | None = None

    @property
    def name(self) -> str:
        if self.kind == "top":
            return f"top-20, {self.period}, {'team' if self.team else 'everyone'}"
        return f"around me (k={queries.K}), {self.period}"


@dataclass(slots=True)
class Backend:
    """What one backend's benchmark found."""

    name: str
    prepared_s: dict[str, float] = field(default_factory=dict)
    score_rows: int = 0
    latencies: dict[tuple[str, str], list[list[int]]] = field(default_factory=dict)
    """(query name, implementation) → one list of latencies (ns) per run."""
    tiers: dict[tuple[str, str], list[list[int]]] = field(default_factory=dict)
    """(around-me query name, tier) → the engine's latencies per run."""
    mismatches: list[str] = field(default_factory=list)
    diagnoses: list[tuple[str, float, list[queries.Statement]]] = field(default_factory=list)
    """(call described, its time in ms, the statements it sent, re-run alone)."""

    def add(self, query: str, implementation: str, run: int, ns: int) -> None:
        runs = self.latencies.setdefault((query, implementation), [])
        while len(runs) <= run:
            runs.append([])
        runs[run].append(ns)

    def p(self, query: str, implementation: str, fraction: float) -> float | None:
        runs = self.latencies.get((query, implementation))
        if not runs:
            return None
        return statistics.median(percentile_ms(r, fraction) for r in runs if r)


@dataclass(slots=True)
class Context:
    sizes: Sizes
    runs: int
    team: str
    team_size: int
    samples: dict[str, list[queries.Sample]]
    at: Any = data.NOW

    @property
    def queries(self) -> list[Query]:
        tops = [Query("top", p, t) for p in queries.PERIODS for t in (None, self.team)]
        return tops + [Query("around", p) for p in queries.PERIODS]


# -- one backend ------------------------------------------------------------------------


def measure(engine: Engagement, ctx: Context, result: Backend) -> None:
    """``ctx.runs`` runs of every query, engine and naive interleaved per query."""
    database = engine.database
    periods = {p: queries.bounds(engine, p, ctx.at) for p in queries.PERIODS}
    warm(engine, ctx, periods)
    for run in range(ctx.runs):
        began = time.perf_counter()
        for query in ctx.queries:
            if query.kind == "top":
                _time_top(engine, database, ctx, query, periods[query.period], run, result)
            else:
                _time_around(engine, database, ctx, query, periods[query.period], run, result)
        print(f"  {result.name} run {run + 1}: {time.perf_counter() - began:.0f} s")
        for query in ctx.queries:
            engine_p50 = percentile_ms(result.latencies[query.name, ENGINE][run], 0.5)
            naive = result.latencies.get((query.name, NAIVE))
            naive_p50 = f"{percentile_ms(naive[run], 0.5):9.1f}" if naive else "-"
            print(f"    {query.name:<28} engine p50 {engine_p50:8.2f} ms   naive {naive_p50}")


def warm(engine: Engagement, ctx: Context, periods: dict[str, Any]) -> None:
    """Untimed calls first: the ruleset cache, compiled statements and the pages the
    boards live on are warm, as in a host that serves boards all day."""
    for query in ctx.queries:
        if query.kind == "top":
            for _ in range(5):
                queries.engine_top(engine, query.period, ctx.at, query.team)
            if ctx.sizes.naive_repeats:
                queries.naive_top(engine.database, periods[query.period], query.team)
        else:
            for sample in ctx.samples[query.period][:20]:
                queries.engine_around(engine, query.period, ctx.at, sample.member_id)


def _time_top(
    engine: Engagement,
    database: sa.Engine,
    ctx: Context,
    query: Query,
    period: Any,
    run: int,
    result: Backend,
) -> None:
    board: Any = None
    for _ in range(ctx.sizes.top_repeats):
        ns, board = queries.timed(
            partial(queries.engine_top, engine, query.period, ctx.at, query.team)
        )
        result.add(query.name, ENGINE, run, ns)
    naive = None
    for _ in range(ctx.sizes.naive_repeats):
        ns, naive = queries.timed(partial(queries.naive_top, database, period, query.team))
        result.add(query.name, NAIVE, run, ns)
    if run == 0 and naive is not None:
        mine = [(e.member, e.score) for e in board.entries]
        if mine != naive:
            result.mismatches.append(f"{query.name}: engine {mine[:3]}…, naive {naive[:3]}…")


def _time_around(
    engine: Engagement,
    database: sa.Engine,
    ctx: Context,
    query: Query,
    period: Any,
    run: int,
    result: Backend,
) -> None:
    samples = ctx.samples[query.period]
    answers = {}
    for sample in samples:
        ns, answer = queries.timed(
            partial(queries.engine_around, engine, query.period, ctx.at, sample.member_id)
        )
        result.add(query.name, ENGINE, run, ns)
        tiers = result.tiers.setdefault((query.name, sample.tier), [])
        while len(tiers) <= run:
            tiers.append([])
        tiers[run].append(ns)
        answers[sample.member_id] = answer
    for sample in _spread(samples, ctx.sizes.naive_samples):
        ns, (points, rank) = queries.timed(
            partial(queries.naive_around, database, period, sample.member_id)
        )
        result.add(query.name, NAIVE, run, ns)
        me = answers[sample.member_id].me
        if run == 0 and (me.score != points or (me.rank is not None and me.rank != rank)):
            result.mismatches.append(
                f"{query.name}, {sample.member_id} ({sample.tier}): engine score {me.score} "
                f"rank {me.rank}, naive {points} rank {rank}"
            )


def _spread(samples: Sequence[queries.Sample], count: int) -> list[queries.Sample]:
    """``count`` samples taking the tiers in turn, for the (slow) naive baseline."""
    by_tier: dict[str, list[queries.Sample]] = {}
    for sample in samples:
        by_tier.setdefault(sample.tier, []).append(sample)
    chosen: list[queries.Sample] = []
    while len(chosen) < min(count, len(samples)):
        for tier, _ in queries.TIERS:
            if by_tier.get(tier) and len(chosen) < count:
                chosen.append(by_tier[tier].pop(0))
    return chosen


def diagnose(engine: Engagement, ctx: Context, result: Backend) -> None:
    """Re-run, alone and with its plan, every statement of the top-20 of the all-time
    board and of around-me for the slowest tier of each board (and of any query that
    missed its target), so the report can say which statement costs what and why."""
    wanted: list[tuple[str, Callable[[], object]]] = []
    for query in ctx.queries:
        p50 = result.p(query.name, ENGINE, 0.5) or 0.0
        missed = p50 > TARGETS[query.kind]
        if query.kind == "top" and (missed or (query.period == "all" and query.team is None)):
            wanted.append(
                (
                    f"{query.name}",
                    partial(queries.engine_top, engine, query.period, ctx.at, query.team),
                )
            )
        elif query.kind == "around":
            tier = max(
                (t for (name, t) in result.tiers if name == query.name),
                key=lambda t: statistics.median(
                    percentile_ms(r, 0.5) for r in result.tiers[query.name, t]
                ),
            )
            sample = next(s for s in ctx.samples[query.period] if s.tier == tier)
            wanted.append(
                (
                    f"{query.name}, {tier} member {sample.member_id}",
                    partial(queries.engine_around, engine, query.period, ctx.at, sample.member_id),
                )
            )
    for described, call in wanted:
        with queries.captured(engine.database) as sent:
            ns, _ = queries.timed(call)
        queries.explain(engine.database, sent)
        result.diagnoses.append((described, ns / 1e6, sent))


# -- the backends -------------------------------------------------------------------


def prepare_sqlite(source: Path, workdir: Path, result: Backend) -> Engagement:
    path = workdir / "leaderboards.db"
    began = time.perf_counter()
    data.working_copy(source, path)
    result.prepared_s["copy of the cached file, score table"] = time.perf_counter() - began
    engine = Engagement(f"sqlite:///{path}")
    _rebuild(engine, result)
    began = time.perf_counter()
    with engine.database.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    result.prepared_s["ANALYZE"] = time.perf_counter() - began
    return engine


def prepare_postgres(source: Path, url: str, result: Backend) -> Engagement:
    began = time.perf_counter()
    data.load_postgres(source, url)
    result.prepared_s["COPY from the SQLite file, indexes"] = time.perf_counter() - began
    began = time.perf_counter()
    data.vacuum_analyze(url)
    result.prepared_s["VACUUM ANALYZE (before)"] = time.perf_counter() - began
    engine = Engagement(url)
    _rebuild(engine, result)
    began = time.perf_counter()
    data.vacuum_analyze(url)
    result.prepared_s["VACUUM ANALYZE (after)"] = time.perf_counter() - began
    return engine


def _rebuild(engine: Engagement, result: Backend) -> None:
    began = time.perf_counter()
    report = engine.boards.rebuild()
    result.prepared_s["rebuild_leaderboards()"] = time.perf_counter() - began
    result.score_rows = report.rows
    print(
        f"  {result.name}: boards.rebuild() {time.perf_counter() - began:.1f} s, "
        f"{report.rows:,} score rows"
    )


# -- machine load ------------------------------------------------------------------------


class LoadWatch:
    """Samples the 1-minute load average every few seconds while the benchmark runs,
    and lists what else was busy at the start: the machine is shared."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.samples: list[float] = []
        self.others = _busy_processes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(every_s,), daemon=True)
        self._thread.start()

    def _watch(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> str:
        self._stop.set()
        self._thread.join()
        values = self.samples or [os.getloadavg()[0]]
        return (
            f"1-minute load average over the run: min {min(values):.2f}, median "
            f"{statistics.median(values):.2f}, max {max(values):.2f} ({len(values)} samples)"
        )


def _busy_processes() -> list[str]:
    """Other processes using a noticeable share of a CPU, as ``ps`` sees them."""
    try:
        out = subprocess.run(
            ["ps", "-eo", "pid=,pcpu=,comm=,args="], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    busy = []
    for line in out.splitlines():
        pid, pcpu, _comm, args = [*line.split(None, 3), ""][:4]
        if int(pid) != os.getpid() and float(pcpu) >= 10.0:
            busy.append(f"{args[:60]} ({float(pcpu):.0f} % CPU)")
    return busy


# -- the data, described ------------------------------------------------------------


def describe_data(engine: Engagement, ctx: Context) -> dict[str, Any]:
    """What the report says about the data set, read back from the database."""
    keys = {period: queries.period_key(engine, period, ctx.at) for period in queries.PERIODS}
    with engine.database.connect() as connection:

        def one(sql: str) -> Any:
            return connection.exec_driver_sql(sql).one()

        n, opted = one(
            "SELECT count(*), sum(CASE WHEN opted_in THEN 1 ELSE 0 END) FROM engagement_members"
        )
        (never,) = one(
            "SELECT count(*) FROM engagement_members m WHERE NOT EXISTS "
            "(SELECT 1 FROM engagement_actions a WHERE a.member_pk = m.id)"
        )
        count, first, last = one("SELECT count(*), min(at), max(at) FROM engagement_actions")
        (revoked,) = one("SELECT count(*) FROM engagement_revocations")
        verbs = connection.exec_driver_sql(
            "SELECT verb, count(*) FROM engagement_actions GROUP BY verb ORDER BY 2 DESC"
        ).all()
        per_member = [
            int(c)
            for (c,) in connection.exec_driver_sql(
                "SELECT count(*) FROM engagement_actions GROUP BY member_pk ORDER BY 1 DESC"
            )
        ]
        participants = {}
        for period in queries.PERIODS:
            key = keys[period]
            for team in (None, ctx.team):
                query = sa.select(sa.func.count()).where(
                    scores.c.period == key,
                    scores.c.visible.is_(True),
                    *([scores.c.team == team] if team else []),
                )
                participants[(period, team)] = (key, int(connection.execute(query).scalar_one()))
    top_decile = sum(per_member[: max(1, len(per_member) // 10)])
    return {
        "members": int(n),
        "opted_in": int(opted),
        "never": int(never),
        "actions": int(count),
        "first": str(first)[:10],
        "last": str(last)[:16],
        "revoked": int(revoked),
        "verbs": [(str(v), int(c)) for v, c in verbs],
        "top_decile_share": top_decile / max(1, int(count)),
        "median_actions": statistics.median(per_member) if per_member else 0,
        "max_actions": per_member[0] if per_member else 0,
        "participants": participants,
    }


# -- the report ---------------------------------------------------------------------


def _ms(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}" if value < 100 else f"{value:,.0f}"


def render(
    backends: Sequence[Backend],
    ctx: Context,
    about: dict[str, Any],
    env: dict[str, str],
    load: str,
    others: Sequence[str],
    elapsed_s: float,
) -> str:
    sizes = ctx.sizes
    verbs = ", ".join(f"{v} {100 * c / about['actions']:.0f} %" for v, c in about["verbs"])
    lines = [
        START,
        f"## Leaderboards: reading boards with {about['members']:,} members and "
        f"{about['actions']:,} actions",
        "",
        f"Measured on {env['date']} by `python -m bench.leaderboards`, in "
        f"{elapsed_s / 60:.0f} minutes: {env['cpu']}, {env['nproc']} cores, pinned to one "
        f"core: {env['pinned']}; {load}"
        + (f"; also busy at the start: {'; '.join(others)}" if others else "")
        + f". SQLite {env['sqlite']}; PostgreSQL {env['postgresql']}; Python "
        f"{env['python']}, SQLAlchemy {env['sqlalchemy']}, psycopg {env['psycopg']}. "
        f"Code: {env['source']}.",
        "",
        f"**Data** (`bench/leaderboard_data.py`, seed {SEED}, written straight into the "
        "engine's tables, then the score rows built by `boards.rebuild()`): "
        f"{about['members']:,} members in 40 teams of uneven size, "
        f"{100 * about['opted_in'] / about['members']:.0f} % opted in, "
        f"{about['never']:,} who never acted; {about['actions']:,} actions from "
        f"{about['first']} to {about['last']} UTC ({verbs}), skewed: the busiest 10 % of "
        f"members did {100 * about['top_decile_share']:.0f} % of them (median "
        f"{about['median_actions']:.0f} actions a member, at most {about['max_actions']:,}); "
        f"{about['revoked']:,} revoked. One ledger award per action, points as the default "
        "rules give them (0 to 50). Boards are read at "
        f"{ctx.at:%Y-%m-%d %H:%M} UTC, a Friday afternoon; the largest team, "
        f'"{ctx.team}" ({ctx.team_size:,} members), is the team scope.',
        "",
        "| Board | Key | Participants (everyone) | Participants (team) |",
        "|---|---|---:|---:|",
    ]
    for period in queries.PERIODS:
        key, everyone = about["participants"][(period, None)]
        _, team = about["participants"][(period, ctx.team)]
        lines.append(f"| {period} | `{key}` | {everyone:,} | {team:,} |")
    lines += [
        "",
        "### Results",
        "",
        "Latency of one call in milliseconds, through the public API "
        "(`engine.boards.top(period, at=…, team=…, limit=20)`, "
        "`engine.boards.standing(member, period, at=…, k=3)`), each in its own transaction; "
        f"median over {ctx.runs} runs of each run's nearest-rank percentiles. Per run, "
        f"each top-20 board is read {sizes.top_repeats} times and around-me asked for "
        f"{sizes.samples} members per board; "
        + (
            f"the naive queries, far slower, run {sizes.naive_repeats} times per board and "
            f"for {sizes.naive_samples} members per board (one of each kind in turn), so "
            "their p95 and p99 are about their maximum."
            if sizes.naive_repeats
            else "the naive baseline was skipped (`--no-naive`)."
        ),
        "",
        "| Query | Backend | Engine p50 | p95 | p99 | Naive p50 | p95 | p99 "
        "| Naive ÷ engine | Target p50 | |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for query in ctx.queries:
        for backend in backends:
            e = [backend.p(query.name, ENGINE, f) for f in (0.5, 0.95, 0.99)]
            n = [backend.p(query.name, NAIVE, f) for f in (0.5, 0.95, 0.99)]
            target = TARGETS[query.kind]
            met = e[0] is not None and e[0] < target
            ratio = f"{n[0] / e[0]:,.0f}×" if e[0] and n[0] else ""
            lines.append(
                f"| {query.name} | {backend.name} | **{_ms(e[0])}** | {_ms(e[1])} "
                f"| {_ms(e[2])} | {_ms(n[0], 0)} | {_ms(n[1], 0)} | {_ms(n[2], 0)} | {ratio} "
                f"| < {target:.0f} ms | {'met' if met else '**missed**'} |"
            )
            if not met:
                verdicts.append(f"{query.name} on {backend.name} (p50 {_ms(e[0])} ms)")
    lines += [
        "",
        "**Targets**: "
        + (
            "every query met its target on every backend."
            if not verdicts
            else f"missed by {'; '.join(verdicts)}; the rest met theirs."
        )
        + f" **Same answers**: {_same_answers(backends, bool(sizes.naive_repeats))}",
        "",
        "### Around me, by where the member stands",
        "",
        "Engine p50 in milliseconds, median of the runs. *Top*: the first 1 % of the "
        "board; *middle*: the middle half; *tail*: the last quarter; *not opted in*: "
        "members not on public boards, who see where they would stand; *inactive*: "
        "opted in, without a score row in the period.",
        "",
        "| Board | Backend | " + " | ".join(t for t, _ in queries.TIERS) + " |",
        "|---|---|" + "---:|" * len(queries.TIERS),
    ]
    for period in queries.PERIODS:
        name = Query("around", period).name
        for backend in backends:
            cells = []
            for tier, _ in queries.TIERS:
                runs = backend.tiers.get((name, tier))
                cells.append(
                    _ms(statistics.median(percentile_ms(r, 0.5) for r in runs)) if runs else ""
                )
            lines.append(f"| {period} | {backend.name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### Building the score rows",
        "",
        "`boards.rebuild()` (the `rebuild` command) on the freshly loaded data, "
        "one run: it reads every action with its net points, computes every (member, "
        "period) row in Python and inserts them.",
        "",
        "| Backend | `boards.rebuild()` | Score rows | Rows/s | Other preparation |",
        "|---|---:|---:|---:|---|",
    ]
    for backend in backends:
        rebuild = backend.prepared_s.get("rebuild_leaderboards()", 0.0)
        other = ", ".join(
            f"{k} {v:.0f} s" for k, v in backend.prepared_s.items() if k != "rebuild_leaderboards()"
        )
        lines.append(
            f"| {backend.name} | **{rebuild:.0f} s** | {backend.score_rows:,} "
            f"| {backend.score_rows / max(rebuild, 1e-9):,.0f} | {other} |"
        )
    lines += ["", "### Where the time goes", ""]
    lines += [
        "Each statement of one engine call, re-run alone on the raw driver connection "
        "(median of 5, rows fetched), with the gist of its plan (`EXPLAIN QUERY PLAN` on "
        "SQLite, `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL; the full plans are in "
        "`bench/results/leaderboards-plans.txt`). The call's own time includes Python, "
        "SQLAlchemy, `BEGIN`/`COMMIT` and fetching.",
        "",
        "In short, the costliest statement of each diagnosed call:",
        "",
        *(f"- {line}" for line in costliest(backends)),
        "",
    ]
    for backend in backends:
        for described, ms, statements in backend.diagnoses:
            lines += [
                f"**{described}, {backend.name}**: {ms:.2f} ms for the call, "
                f"{sum(s.ms for s in statements):.2f} ms in its {len(statements)} statements.",
                "",
                "| Statement | ms | Rows | Plan |",
                "|---|---:|---:|---|",
            ]
            for statement in statements:
                lines.append(
                    f"| {statement.label} | {statement.ms:.2f} | {statement.rows:,} "
                    f"| {plan_gist(statement.plan)} |"
                )
            lines.append("")
    lines += [
        "Reproduce: `python -m bench.leaderboards [--quick] [--members N] [--actions N] "
        "[--runs 3] [--no-postgres] [--write]`. The data set is generated once and "
        "cached in `bench/results/` (git-ignored); PostgreSQL is loaded from it with "
        "`COPY` into a private schema, dropped at the end.",
        END,
    ]
    return "\n".join(lines) + "\n"


def costliest(backends: Sequence[Backend]) -> list[str]:
    """One line per diagnosed call: its costliest statement, its share of the
    statements' time, how it reads the board, and what PostgreSQL says it touched."""
    lines = []
    for backend in backends:
        for described, ms, statements in backend.diagnoses:
            if not statements:
                continue
            worst = max(statements, key=lambda s: s.ms)
            spent = sum(s.ms for s in statements) or 1.0
            facts = [plan_gist(worst.plan)]
            stripped = [line.strip() for line in worst.plan]
            facts += [t for t in stripped if t.startswith("Rows Removed by Filter")][:1]
            facts += [t for t in stripped if t.startswith("Buffers")][:1]
            lines.append(
                f"{described}, {backend.name} ({ms:.1f} ms): {worst.label}, "
                f"{worst.ms:.1f} ms ({100 * worst.ms / spent:.0f} % of its statements' time); "
                + "; ".join(f for f in facts if f)
            )
    return lines


def _same_answers(backends: Sequence[Backend], compared: bool) -> str:
    if not compared:
        return "not checked: the naive baseline was skipped (`--no-naive`)."
    agreed = [b.name for b in backends if not b.mismatches]
    text = (
        f"on {' and '.join(agreed)}, every engine top-20 equals the naive one (members and "
        "points, in order), and every naive around-me gives the engine's points and "
        "(where the engine shows it) rank."
        if agreed
        else ""
    )
    for b in backends:
        if b.mismatches:
            text += f" On {b.name}, {len(b.mismatches)} differ, for instance {b.mismatches[0]}."
    return text.strip()


def plan_gist(plan: Sequence[str]) -> str:
    """The lines of a plan that say how rows are found, for a table cell."""
    keep = []
    for line in plan:
        text = " ".join(line.replace("->", "").split())
        if not text or text.startswith(("Planning", "Execution", "Buffers", "Heap Fetches")):
            continue
        if any(
            word in text
            for word in ("Scan", "SCAN", "SEARCH", "Sort", "Aggregate", "TEMP", "Limit", "Join")
        ):
            keep.append(text.split("  (")[0].split(" (cost=")[0])
    return "; ".join(keep).replace("|", "\\|")[:300]


def plans_text(backends: Sequence[Backend]) -> str:
    out = []
    for backend in backends:
        for described, ms, statements in backend.diagnoses:
            out.append(f"=== {backend.name}: {described} ({ms:.2f} ms)")
            for statement in statements:
                out += [
                    f"--- {statement.label}: {statement.ms:.2f} ms, {statement.rows} rows",
                    " ".join(statement.sql.split()),
                    f"parameters: {statement.parameters!r}",
                    *statement.plan,
                    "",
                ]
    return "\n".join(out) + "\n"


# -- entry point ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(
        prog="python -m bench.leaderboards", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="2,000 members, 100,000 actions")
    parser.add_argument("--members", type=int, help="members (100,000)")
    parser.add_argument("--actions", type=int, help="actions (5,000,000)")
    parser.add_argument("--samples", type=int, help="around-me members per board and run")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--no-naive", action="store_true", help="engine only: to compare engine changes quickly"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL database URL")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    sizes = Sizes(
        args.members or base.members,
        args.actions or base.actions,
        args.samples or base.samples,
        base.top_repeats,
        0 if args.no_naive else base.naive_repeats,
        0 if args.no_naive else base.naive_samples,
    )
    pinned = pin_to_one_core()
    source = read_source_state()
    watch = LoadWatch()
    began = time.perf_counter()
    print(f"pinned to one core: {pinned}\ncode: {source}")
    if watch.others:
        print("also busy: " + "; ".join(watch.others))

    spec = data.Spec(sizes.members, sizes.actions, args.seed)
    print(f"data: {spec.name}")
    path, was_cached = data.cached(spec, RESULTS)
    print(f"  {'cached' if was_cached else 'generated'} in {time.perf_counter() - began:.0f} s")

    postgres: Postgres | None = None
    pg_version: str | None = None
    if not args.no_postgres:
        postgres = Postgres(args.pg_url)
        try:
            pg_version = postgres.version()
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL skipped: {args.pg_url} could not be reached ({exc.orig})")
            postgres.dispose()
            postgres = None

    backends: list[Backend] = []
    with tempfile.TemporaryDirectory(prefix="engagement-lb-") as workdir:
        result = Backend("SQLite file")
        print("SQLite: copy, rebuild, ANALYZE")
        engine = prepare_sqlite(path, Path(workdir), result)
        team, team_size = queries.largest_team(engine)
        ctx = Context(
            sizes,
            args.runs,
            team,
            team_size,
            {
                p: queries.samples(engine, p, data.NOW, sizes.samples, args.seed)
                for p in queries.PERIODS
            },
        )
        about = describe_data(engine, ctx)
        _measure_backend(engine, ctx, result)
        backends.append(result)
    if postgres is not None:
        with postgres.schema() as url:
            result = Backend("PostgreSQL")
            print("PostgreSQL: COPY, VACUUM ANALYZE, rebuild, VACUUM ANALYZE")
            _measure_backend(prepare_postgres(path, url, result), ctx, result)
            backends.append(result)
        postgres.dispose()

    load = watch.stop()
    env = environment(pg_version, pinned, source)
    section = render(backends, ctx, about, env, load, watch.others, time.perf_counter() - began)
    print()
    print(section)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "leaderboards-plans.txt").write_text(plans_text(backends), encoding="utf-8")
    saved = RESULTS / f"{NAME}{'-quick' if args.quick else ''}.md"
    saved.write_text(section, encoding="utf-8")
    if args.write and args.quick:
        print(f"--quick: written to {saved} only, never to docs/performance.md")
    elif args.write:
        write_section(ROOT / "docs" / "performance.md", NAME, section)
        print("written to docs/performance.md")
    return 0


def _measure_backend(engine: Engagement, ctx: Context, result: Backend) -> None:
    try:
        measure(engine, ctx, result)
        diagnose(engine, ctx, result)
    finally:
        engine.close()


if __name__ == "__main__":
    raise SystemExit(main())
