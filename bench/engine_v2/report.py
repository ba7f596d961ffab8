"""The ``bench.engine_v2`` section of ``docs/performance.md``, from :class:`Results`."""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence

from bench.engine_v2.crowd import ONE, ONE_COLD, CrowdRun, median_rate, median_run
from bench.engine_v2.profiles import Profiled
from bench.engine_v2.results import (
    POSTGRES,
    SQLITE,
    Results,
    Targets,
    crowd_ratios,
    same_run_ratios,
)
from bench.engine_v2.single import COLD, FLOOR, NAIVE, VARIANTS, WARM
from bench.engine_v2.trace import PURPOSES, Trace, purpose, short
from bench.report import Measurement
from bench.sections import markers

NAME = "engine_v2"
TARGETS = Targets()


def render(results: Results) -> str:
    start, end = markers(NAME)
    lines = [start, "## Engine v2 write path", ""]
    lines += _about(results)
    lines += _targets(results)
    lines += _single(results)
    lines += _crowd(results)
    lines += _bulk(results)
    lines += _traces(results)
    lines += _profiles(results)
    lines += [
        "Reproduce: `python -m bench.engine_v2 [--quick] [--runs 3] [--pg-url URL] [--write]` "
        "(16 to 50 minutes on this machine, by its load and the processes' late "
        "arrivals; `--quick` is a smoke test whose section goes to "
        "`bench/results/`). PostgreSQL databases are created beside the one in the URL "
        "and dropped at the end.",
        end,
    ]
    return "\n".join(lines) + "\n"


def _about(r: Results) -> list[str]:
    env = r.environment
    return [
        f"Measured on {env['date']} by `python -m bench.engine_v2` in "
        f"{r.elapsed_s / 60:.1f} minutes{' (--quick: smoke-test sizes)' if r.quick else ''}. "
        f"{env['cpu']}, {env['nproc']} cores, shared with other work: {r.load}; load "
        f"average (1, 5, 15 min) at the end {env['load']}. The benchmark process is "
        f"pinned ({env['pinned']}); the processes of the multi-process benchmark are not. "
        f"SQLite {env['sqlite']}; PostgreSQL {env['postgresql']} on the same machine over "
        f"TCP; Python {env['python']}, SQLAlchemy {env['sqlalchemy']}, psycopg "
        f"{env['psycopg']}. Code: {env['source']}.",
        "",
        f"Every figure is the **median of {r.runs} runs**. In each run every variant runs "
        "on a fresh copy of the same database, one after the other, the order rotating "
        "from run to run; a ratio is computed within each run and the median ratio "
        "reported. Nothing asserts a timing.",
        "",
        f"**Data.** {r.programme} The members then record the stream's next actions. "
        f"For the processes: {r.crowd_programme}",
        "",
    ]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _median_ratio(a: Measurement | None, b: Measurement | None) -> float | None:
    if a is None or b is None or not a.runs or not b.runs:
        return None
    return statistics.median(same_run_ratios(a, b))


def _targets(r: Results) -> list[str]:
    t = TARGETS
    rows = []
    for backend in (SQLITE, POSTGRES):
        warm, cold = r.find(backend, WARM), r.find(backend, COLD)
        ratio = _median_ratio(cold, warm)
        if ratio is None or warm is None or cold is None:
            continue
        rows.append(
            f"| cold `record()` ≥ {t.cold_share:.0%} of warm, {backend} "
            f"| {cold.rate:,.0f}/s against {warm.rate:,.0f}/s: {ratio:.0%} "
            f"| {_verdict(ratio >= t.cold_share)} |"
        )
    for name in (WARM, COLD):
        found = r.find(SQLITE, name)
        if found is not None and found.p99_ms is not None:
            rows.append(
                f"| p99 < {t.sqlite_p99_ms:g} ms on SQLite, {name.split()[0]} "
                f"| {found.p99_ms:.2f} ms (p50 {found.p50_ms or 0:.2f} ms) "
                f"| {_verdict(found.p99_ms < t.sqlite_p99_ms)} |"
            )
    for name, runs in r.crowd.items():
        if not runs or runs[0].processes == 1:
            continue
        speedup = statistics.median(crowd_ratios(r.crowd, name, ONE.label))
        rows.append(
            f"| {name} ≥ {t.crowd_speedup}× one, PostgreSQL "
            f"| {median_rate(runs):,.0f}/s against "
            f"{median_rate(r.crowd[ONE.label]):,.0f}/s: ×{speedup:.2f} "
            f"| {_verdict(speedup >= t.crowd_speedup)} |"
        )
    for name, runs in r.crowd.items():
        if not runs or runs[0].history_cache_size == 0:
            continue
        p99 = statistics.median(run.p99_ms for run in runs)
        rows.append(
            f"| p99 < {t.crowd_p99_ms:g} ms with {name} | {p99:.1f} ms "
            f"| {_verdict(p99 < t.crowd_p99_ms)} |"
        )
    if r.crowd:
        failed = _failed_checks(r)
        rows.append(
            "| after every multi-process run: keys once, one award each, no badge twice, "
            "replay 0 changed, rebuild 0 differences, no deadlock "
            f"| {'all hold' if not failed else '; '.join(failed)} | {_verdict(not failed)} |"
        )
    pg_warm = r.find(POSTGRES, WARM)
    if pg_warm is not None:
        rows.append(
            f"| warm `record()` on PostgreSQL ≥ {t.postgres_rate:,.0f}/s "
            f"| {pg_warm.rate:,.0f}/s | {_verdict(pg_warm.rate >= t.postgres_rate)} |"
        )
    if r.bulk:
        rate = r.bulk_rate()
        rows.append(
            f"| `record_many()` ≥ {t.bulk_rate:,.0f} actions/s on a SQLite file "
            f"| {rate:,.0f}/s | {_verdict(rate >= t.bulk_rate)} |"
        )
    return [
        "### The issue's targets",
        "",
        "| Target | Measured (medians) | |",
        "|---|---|---|",
        *rows,
        "",
    ]


def _failed_checks(r: Results) -> list[str]:
    failed = []
    for name, runs in r.crowd.items():
        for run in runs:
            for check, value in run.checks.items():
                if check not in ("logged", "badges awarded") and value:
                    failed.append(f"{name}: {check} = {value}")
            for error, count in run.errors.items():
                failed.append(f"{name}: {count} × {error}")
    return failed


def _single(r: Results) -> list[str]:
    lines = [
        "### 1 and 3. `record()`, one transaction each, members with a year of history",
        "",
        "*warm*: one `Engagement` with its history cache, after a warm-up; *cold*: "
        "`history_cache_size=0` (snapshots on, every 16 actions), as a process that "
        "does not hold the member; *snapshots off*: `history_cache_size=0, "
        "snapshot_every=0` on a copy whose snapshots were deleted, as the engine was "
        "before snapshots; *naive ORM*: `bench/naive.py` on the same history; *floor*: one "
        "`INSERT` and a `COMMIT` per call through the raw driver (psycopg sends "
        "`BEGIN`, the `INSERT` and `COMMIT`: three round trips).",
        "",
        "| Backend | Variant | Timed calls | Rate (/s) | p50 (ms) | p99 (ms) | vs warm "
        "| vs naive | CPU per call: process / PostgreSQL backend (ms) | Rates of the runs |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for backend in (SQLITE, POSTGRES):
        warm, naive = r.find(backend, WARM), r.find(backend, NAIVE)
        for name in [v.name for v in VARIANTS] + [FLOOR]:
            m = r.find(backend, name)
            if m is None or not m.runs:
                continue
            vs_warm = _median_ratio(m, warm) if name not in (WARM, FLOOR) else None
            vs_naive = _median_ratio(m, naive) if name not in (NAIVE, FLOOR) else None
            lines.append(
                f"| {backend} | {name} | {m.actions:,} | **{m.rate:,.0f}** "
                f"| {m.p50_ms or 0:.2f} | {m.p99_ms or 0:.2f} "
                f"| {'' if vs_warm is None else f'{vs_warm:.0%}'} "
                f"| {'' if vs_naive is None else f'×{vs_naive:.1f}'} | {_cpu(m)} "
                f"| {', '.join(f'{run.rate:,.0f}' for run in m.runs)} |"
            )
    lines += [
        "",
        "Rates are calls per second of wall time over the timed loop; p50 and p99 are "
        "nearest-rank percentiles of each call's latency (median over the runs). With "
        "the smaller samples (snapshots off, naive) the p99 is the second or third "
        "slowest call.",
        "",
    ]
    if r.postgres_note:
        lines += [f"PostgreSQL: {r.postgres_note}", ""]
    return lines


def _cpu(m: Measurement) -> str:
    client = [v for v in m.notes.get("client_cpu_ms", []) if v is not None]
    server = [v for v in m.notes.get("server_cpu_ms", []) if v is not None]
    if not client:
        return ""
    text = f"{statistics.median(client):.2f}"
    return text + (f" / {statistics.median(server):.2f}" if server else "")


def _crowd(r: Results) -> list[str]:
    crowd = {name: runs for name, runs in r.crowd.items() if runs}
    if ONE.label not in crowd:
        return []
    lines = [
        "### 2. Several processes recording for the same 200 members, PostgreSQL",
        "",
        "Each process (started with `spawn`) holds its own `Engagement` with the history "
        "cache on, as a gunicorn worker would. Each member's successive actions go to "
        "successive processes, so with more than one process the process recording an "
        "action never recorded the member's previous one and reads the member's snapshot. "
        "All record a warm-up, meet at a barrier, then record their share of the timed "
        "actions in a closed loop; the aggregate rate is every timed call over the time "
        "from the barrier to the last process's end. *1 process, cache off* does alone "
        "the cold work each process of a crowd does. The ceiling is the rate the CPU "
        "time per call would allow on this machine's cores with nothing else running "
        "(one process keeps at most one core busy: it and its backend take turns).",
        "",
        "| Setup | Timed calls | Aggregate rate (/s) | vs 1 process | vs 1 process, cache off "
        "| p50 (ms) | p99 (ms) | CPU per call: processes / backends (ms) | Ceiling (/s) "
        "| Rates of the runs | Load (1 min) at each run's end |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, runs in crowd.items():
        middle = median_run(runs)
        ratios = [
            ""
            if base == name or base not in crowd
            else f"×{statistics.median(crowd_ratios(crowd, name, base)):.2f}"
            for base in (ONE.label, ONE_COLD.label)
        ]
        lines.append(
            f"| {name} | {middle.actions:,} | **{median_rate(runs):,.0f}** "
            f"| {ratios[0]} | {ratios[1]} "
            f"| {statistics.median(run.p50_ms for run in runs):.2f} "
            f"| {statistics.median(run.p99_ms for run in runs):.1f} "
            f"| {_crowd_cpu(runs)} "
            f"| {', '.join(f'{run.rate:,.0f}' for run in runs)} "
            f"| {', '.join(f'{run.load:.2f}' for run in runs)} |"
        )
    checks = list(next(iter(crowd.values()))[0].checks)
    lines += [
        "",
        "Checks after each run, on its database (every run's value; all must be 0 except "
        "*logged*, the keys sent less the calls that raised, and *badges awarded*):",
        "",
        f"| Check | {' | '.join(crowd)} |",
        "|---|" + "---|" * len(crowd),
    ]
    for check in [*checks, "errors raised by record()"]:
        cells = []
        for runs in crowd.values():
            values = [
                sum(run.errors.values())
                if check == "errors raised by record()"
                else run.checks.get(check, 0)
                for run in runs
            ]
            cells.append(", ".join(f"{v:,}" for v in values))
        lines.append(f"| {check} | {' | '.join(cells)} |")
    lines += _waits(crowd)
    errors = sorted({e for runs in crowd.values() for run in runs for e in run.errors})
    if errors:
        lines += ["", "Errors raised: " + "; ".join(f"`{e}`" for e in errors[:6])]
    lines.append("")
    return lines


def _crowd_cpu(runs: Sequence[CrowdRun]) -> str:
    """CPU per call of the processes and of their backends, and the rate the cores
    would allow if nothing else ran and nothing waited."""
    client = statistics.median(run.client_cpu_ms for run in runs)
    servers = [run.server_cpu_ms for run in runs if run.server_cpu_ms is not None]
    if not servers:
        return f"{client:.2f} | "
    server = statistics.median(servers)
    cores = min(runs[0].processes, os.cpu_count() or 1)
    return f"{client:.2f} / {server:.2f} | {cores * 1000 / (client + server):,.0f}"


def _waits(crowd: Mapping[str, Sequence[CrowdRun]]) -> list[str]:
    """The sessions' states sampled during the runs, summed over the runs."""
    totals: dict[str, Counter[str]] = {}
    for name, runs in crowd.items():
        summed: Counter[str] = Counter()
        for run in runs:
            summed.update(run.waits)
        totals[name] = summed
    states = sorted(
        {state for summed in totals.values() for state in summed},
        key=lambda state: -sum(summed[state] for summed in totals.values()),
    )
    if not states:
        return []
    lines = [
        "",
        "What the engine's sessions were doing, from `pg_stat_activity` sampled every "
        "50 ms during the runs (share of the samples of busy sessions; *Client: "
        "ClientRead* is the server waiting for the process, which is computing or "
        "waiting for a core; *IO: WALSync* a commit waiting for its WAL flush; *Lock: "
        "transactionid* a statement waiting for another transaction to end):",
        "",
        f"| Session state | {' | '.join(totals)} |",
        "|---|" + "---:|" * len(totals),
    ]
    for state in states[:8]:
        cells = " | ".join(
            f"{summed[state] / max(1, sum(summed.values())):.0%}" for summed in totals.values()
        )
        lines.append(f"| {state} | {cells} |")
    return lines


def _bulk(r: Results) -> list[str]:
    if not r.bulk:
        return []
    runs = ", ".join(f"{a.rate:,.0f}" for a, _, _ in r.bulk)
    replays = ", ".join(f"{b.rate:,.0f}" for _, b, _ in r.bulk)
    changed = ", ".join(str(c) for _, _, c in r.bulk)
    actions = r.bulk[0][0].actions
    return [
        "### 4. `record_many()` against `replay()`, SQLite file",
        "",
        f"The history ({actions:,} actions) imported into an empty database (members "
        "registered) with `record_many(chunk, create_members=True)` in chunks of 5,000, "
        "a transaction each; then `replay()` (rescore and compare) of the same log.",
        "",
        "| | Rate (actions/s) | Rates of the runs |",
        "|---|---:|---|",
        f"| `record_many()` | **{r.bulk_rate():,.0f}** | {runs} |",
        f"| `replay()` of the same log | **{r.replay_rate():,.0f}** | {replays} "
        f"(awards changed: {changed}) |",
        "",
        f"`record_many()` runs at {r.bulk_rate() / r.replay_rate():.0%} of the rate at "
        "which the same actions are rescored in memory: the rest is writing them.",
        "",
    ]


def _traces(r: Results) -> list[str]:
    if not r.traces:
        return []
    lines = [
        "### 5. The statements of one `record()`",
        "",
        "Read at the driver (the engine's hot statements bypass SQLAlchemy's events): "
        "SQLite's trace callback and libpq's protocol trace. For each backend, one warm "
        "and one cold `record()` of a share, the most common action, statement by "
        "statement:",
        "",
    ]
    for trace in r.traces:
        example = trace.example()
        trips = f", {example.round_trips} round trips" if example.round_trips is not None else ""
        lines += [
            f"**{trace.backend}, {trace.mode}** ({len(example.statements)} statements{trips}):",
            "",
        ]
        for n, sql in enumerate(example.statements, start=1):
            lines.append(f"{n}. `{short(sql)}` — {purpose(sql)}")
        if example.resets:
            lines.append(f"    then the pool's reset on return ({example.resets[0]}): nothing sent")
        lines.append("")
    lines += _frequencies(r.traces)
    return lines


def _frequencies(traces: Sequence[Trace]) -> list[str]:
    heads = " | ".join(f"{t.backend}, {t.mode}" for t in traces)
    lines = [
        f"Over {len(traces[0].calls)} consecutive traced calls of each kind (all verbs), "
        "statements per `record()` by purpose:",
        "",
        f"| Purpose | {heads} |",
        "|---|" + "---:|" * len(traces),
    ]
    freq = [t.frequencies() for t in traces]
    for _, said in PURPOSES:
        if any(f[said] for f in freq):
            cells = " | ".join(
                f"{f[said] / len(t.calls):.2f}" for f, t in zip(freq, traces, strict=True)
            )
            lines.append(f"| {said} | {cells} |")
    if any(f["?"] for f in freq):
        lines.append(
            "| (other) | "
            + " | ".join(f"{f['?'] / len(t.calls):.2f}" for f, t in zip(freq, traces, strict=True))
            + " |"
        )
    totals = " | ".join(
        f"**{sum(len(c.statements) for c in t.calls) / len(t.calls):.1f}**" for t in traces
    )
    trips = " | ".join(
        f"**{statistics.mean(c.round_trips or 0 for c in t.calls):.1f}**"
        if t.calls[0].round_trips is not None
        else ""
        for t in traces
    )
    resets = " | ".join(f"{sum(len(c.resets) for c in t.calls) / len(t.calls):.2f}" for t in traces)
    rollbacks = " | ".join(
        f"{sum(1 for c in t.calls for s in c.statements if s.startswith('ROLLBACK')):d}"
        for t in traces
    )
    lines += [
        f"| statements in all | {totals} |",
        f"| round trips (waits for the server's ReadyForQuery) | {trips} |",
        f"| pool resets on return (`rollback()` called on the DBAPI connection) | {resets} |",
        f"| `ROLLBACK` statements that reached SQLite or the server | {rollbacks} |",
        "",
    ]
    return lines


def _profiles(r: Results) -> list[str]:
    lines: list[str] = []
    for profiled in r.profiles:
        lines += _profile(profiled)
    return lines


def _profile(p: Profiled) -> list[str]:
    lines = [
        f"#### Profile: {p.title}",
        "",
        f"cProfile over {p.records:,} actions, {p.profiled_us:,.0f} µs per action with the "
        "profiler on (it inflates Python code more than C and waits). Top functions by "
        "their own time, per action:",
        "",
        "| Function | Calls per action | Own (µs) | Cumulative (µs) |",
        "|---|---:|---:|---:|",
    ]
    for row in p.by_own:
        lines.append(
            f"| `{row.function}` | {_calls(row.calls)} | {row.own_us:,.0f} "
            f"| {row.cumulative_us:,.0f} |"
        )
    lines += [
        "",
        "By cumulative time:",
        "",
        "| Function | Calls per action | Cumulative (µs) | Share |",
        "|---|---:|---:|---:|",
    ]
    top = p.by_cumulative[0].cumulative_us if p.by_cumulative else 1.0
    for row in p.by_cumulative:
        lines.append(
            f"| `{row.function}` | {_calls(row.calls)} | {row.cumulative_us:,.0f} "
            f"| {row.cumulative_us / top:.0%} |"
        )
    lines.append("")
    return lines


def _calls(calls: float) -> str:
    return f"{calls:.1f}" if calls >= 0.1 else f"{calls:.4f}"
