"""The command: a private database, the baseline, gunicorn under load, the checks."""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.engine_v2.data import Postgres
from bench.load import client, direct, seed
from bench.load.client import Tally
from bench.load.mix import KINDS, MIXES, WRITES
from bench.load.profiling import Part, summarise
from bench.load.server import ROOT, Gunicorn
from bench.load.verify import failures, marks, verify
from bench.report import percentile_ms
from bench.run import DEFAULT_PG_URL, source_state
from bench.sections import markers, write_section

NAME = "load"


def section_name(mix: str) -> str:
    """The marked section of docs/performance.md a mix writes."""
    return NAME if mix == "mixed" else f"{NAME}.{mix}"


TARGET_RATE = 300.0
TARGET_P99_MS = 100.0


@dataclass(slots=True)
class Served:
    """One configuration's run: what the clients measured and what the checks found."""

    label: str
    workers: int
    clients: int
    seconds: float
    tallies: list[Tally]
    checks: dict[str, int] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)

    def latencies(self, kinds: Sequence[str]) -> list[int]:
        return [ns for t in self.tallies for k in kinds for ns in t.latencies_ns.get(k, [])]

    @property
    def elapsed_s(self) -> float:
        began = min(t.began_ns for t in self.tallies if t.began_ns)
        return (max(t.ended_ns for t in self.tallies) - began) / 1e9

    def errors(self) -> Counter[str]:
        return sum((t.errors for t in self.tallies), Counter())

    def warmup_errors(self) -> Counter[str]:
        return sum((t.warmup_errors for t in self.tallies), Counter())

    def accepted(self) -> dict[str, int]:
        return {key: points for t in self.tallies for key, points in t.accepted.items()}

    def worker_states(self) -> list[str]:
        """Each worker that served the measured window: warm (served the warm-up's
        requests, how many) or cold (a fresh process that served none of them)."""
        warm = sum((t.warmup_workers for t in self.tallies), Counter())
        measured = sum((t.measured_workers for t in self.tallies), Counter())
        return [
            f"pid {pid}: {'warm' if warm[pid] else 'cold'} ({warm[pid]:,} warm-up, "
            f"{count:,} measured requests)"
            for pid, count in sorted(measured.items())
        ]


def serve(
    url: str, users: Path, cookies: list[str], workers: int, clients: int, warmup: float,
    seconds: float, log: Path, profile: Path | None = None, mix: str = "mixed",
) -> Served:  # fmt: skip
    """gunicorn with ``workers`` workers, driven by ``clients`` processes."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    before = marks(url)
    with Gunicorn(workers, url, users, log, profile) as server:
        start = time.time() + 2.0  # let the clients start before the clock
        warm_until = start + warmup
        stop_at = warm_until + seconds
        processes = [
            context.Process(
                target=client.run,
                args=(
                    server.port,
                    cookies,
                    1000 + workers * 100 + n,
                    f"w{workers}c{n}",
                    warm_until,
                    stop_at,
                    results,
                    mix,
                ),
                name=f"load-client-{n}",
            )
            for n in range(clients)
        ]
        load_before = os.getloadavg()[0]
        for process in processes:
            process.start()
        tallies = [results.get(timeout=warmup + seconds + 120)[1] for _ in processes]
        load_after = os.getloadavg()[0]
        for process in processes:
            process.join(timeout=30)
    served = Served(f"gunicorn, {workers} workers", workers, clients, seconds, tallies)
    served.load = (load_before, load_after)
    served.checks = verify(url, served.accepted(), before)
    return served


def _row(label: str, latencies: list[int], elapsed_s: float, errors: int) -> str:
    if not latencies:
        return f"| {label} | 0 | – | – | {errors} |"
    return (
        f"| {label} | {len(latencies) / elapsed_s:,.0f} | {percentile_ms(latencies, 0.5):.1f} | "
        f"{percentile_ms(latencies, 0.99):.1f} | {errors} |"
    )


def table(tally: Tally, elapsed_s: float, errors: Counter[str]) -> list[str]:
    lines = ["| requests | per second | p50 ms | p99 ms | errors |", "|---|--:|--:|--:|--:|"]

    def count(kinds: Sequence[str]) -> int:
        return sum(n for error, n in errors.items() if error.split(" ", 1)[0] in kinds)

    for kind in KINDS:
        lines.append(_row(kind, tally.latencies_ns.get(kind, []), elapsed_s, count([kind])))
    writes = [ns for kind in WRITES for ns in tally.latencies_ns.get(kind, [])]
    everything = [ns for kind in KINDS for ns in tally.latencies_ns.get(kind, [])]
    lines.append(_row("**all record requests**", writes, elapsed_s, count(list(WRITES))))
    lines.append(_row("**all**", everything, elapsed_s, sum(errors.values())))
    return lines


def merged(tallies: Sequence[Tally]) -> Tally:
    out = Tally()
    for t in tallies:
        for kind, values in t.latencies_ns.items():
            out.latencies_ns.setdefault(kind, []).extend(values)
    return out


def render(
    environment: dict[str, str], baseline: Tally, baseline_s: float,
    baseline_checks: dict[str, int], runs: Sequence[Served], members: int, history: int,
    profile: tuple[int, list[Part]] | None = None, mix: str = "mixed",
) -> str:  # fmt: skip
    start, end = markers(section_name(mix))
    lines = [
        start,
        "## Serving under load: the demo under gunicorn on PostgreSQL (`python -m bench.load"
        + ("`)" if mix == "mixed" else f" --mix {mix}`: record requests alone)"),
        "",
        *(f"- {key}: {value}" for key, value in environment.items()),
        f"- data: {members:,} members (four in five on the public boards), {history} actions "
        f"of history each; the runs below follow each other on the same database, so each "
        "starts with the actions of the ones before.",
        (
            "- mix (`bench/load/mix.py`): 55% record (share, post, suggest, read, training), 5% "
            "a re-sent key (answered 200), 10% kudos, 20% `GET /me`, 10% `GET /leaderboards`; "
            "each client process is a closed loop on its own connection (sync workers close it "
            "after each answer: the client reconnects), no think time, nothing retried."
            if mix == "mixed"
            else f"- mix `{mix}`: {MIXES[mix]} (percentages); each client process is a closed "
            "loop on its own connection, no think time, nothing retried."
        ),
        "",
        f"### Baseline: the same mix through the engine, one process, no HTTP ({baseline_s:.0f} s)",
        "",
        *table(baseline, baseline_s, baseline.errors),
        "",
        f"Checks after the baseline: {_verdict(baseline_checks)}.",
    ]
    for run in runs:
        elapsed = run.elapsed_s
        writes = run.latencies(list(WRITES))
        rate, p99 = len(writes) / elapsed, percentile_ms(writes, 0.99) if writes else 0.0
        errors = run.errors()
        met = rate >= TARGET_RATE and p99 < TARGET_P99_MS and not errors
        lines += [
            "",
            f"### {run.label}, {run.clients} client processes, {elapsed:.0f} s measured",
            "",
            f"Load average (1 min) {run.load[0]:.2f} before, {run.load[1]:.2f} after.  "
            f"Target (≥ {TARGET_RATE:.0f} record requests/s, p99 < {TARGET_P99_MS:.0f} ms, no "
            f"error): **{'met' if met else 'not met'}** ({rate:,.0f}/s, p99 {p99:.1f} ms, "
            f"{sum(errors.values())} errors).",
            "",
            *table(merged(run.tallies), elapsed, errors),
            "",
            "Workers when the measured window began (after the warm-up):",
            "",
            *(f"- {state}" for state in run.worker_states()),
            "",
            f"Checks after the run: **{_verdict(run.checks)}** "
            f"({run.checks['logged']:,} accepted actions logged, "
            f"{run.checks['badges awarded']:,} badges awarded):",
            "",
            *(f"- {name}: {count:,}" for name, count in run.checks.items() if name not in
              ("logged", "badges awarded")),
        ]  # fmt: skip
        for error, count in errors.most_common(5):
            lines.append(f"- error ×{count}: `{error}`")
    if profile is not None:
        requests, parts = profile
        lines += [
            "",
            f"### Where a worker's time goes: one worker under cProfile ({requests:,} requests "
            "of the same mix, 2 clients)",
            "",
            "Cumulative time per request handled; parts overlap (the engine runs inside "
            "Flask, the waits inside the engine).  cProfile inflates Python calls, not the "
            "waits: read the shares as a guide.",
            "",
            "| part | ms per request | share of a request |",
            "|---|--:|--:|",
            *(f"| {p.label} | {p.ms_per_request:.2f} | {p.share:.0%} |" for p in parts),
        ]
    lines.append(end)
    return "\n".join(lines) + "\n"


def _verdict(checks: dict[str, int]) -> str:
    bad = failures(checks)
    return f"FAILED: {bad}" if bad else "all passed"


def environment(postgres: Postgres, workers: Sequence[int]) -> dict[str, str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import gunicorn

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs ({model}), shared with other work: see the load "
        "averages",
        "software": f"Python {platform.python_version()}, gunicorn {gunicorn.__version__} "
        f"(sync workers: {', '.join(map(str, workers))}), PostgreSQL {postgres.settings()}",
        "source": source_state(),
    }


@dataclass(slots=True)
class Report:
    """A whole run: the baseline, then one :class:`Served` per worker count."""

    environment: dict[str, str]
    members: int
    history: int
    mix: str = "mixed"
    baseline: Tally = field(default_factory=Tally)
    baseline_checks: dict[str, int] = field(default_factory=dict)
    runs: list[Served] = field(default_factory=list)
    profile: tuple[int, list[Part]] | None = None
    """Requests a profiled worker handled, and where their time went."""

    @property
    def baseline_s(self) -> float:
        return (self.baseline.ended_ns - self.baseline.began_ns) / 1e9

    @property
    def failed(self) -> bool:
        """A failed check or an error anywhere (timings are reported, never judged)."""
        return bool(
            failures(self.baseline_checks)
            or self.baseline.errors
            or any(failures(run.checks) or run.errors() for run in self.runs)
        )

    def render(self) -> str:
        return render(
            self.environment, self.baseline, self.baseline_s, self.baseline_checks, self.runs,
            self.members, self.history, self.profile, self.mix,
        )  # fmt: skip


def measure(
    pg_url: str, workers: Sequence[int], *, seconds: float, warmup: float, members: int,
    history: int, baseline_seconds: float, clients: int | None = None, profile: bool = False,
    mix: str = "mixed",
) -> Report:  # fmt: skip
    """Seed a private database on the server of ``pg_url`` (dropped at the end), run
    the baseline, then gunicorn with each count of ``workers``, checking after each."""
    postgres = Postgres(pg_url)
    report = Report(environment(postgres, workers), members, history, mix)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        users, log = Path(scratch) / "users.sqlite", Path(scratch) / "gunicorn.log"
        try:
            url = postgres.url_of(postgres.create("load"))
            print(f"seeding {members:,} members, {history} actions each")
            seed.users(users, members)
            seed.programme(url, members, history)
            cookies = seed.cookies(url, users, members)
            print(f"baseline: the mix on the engine, one process, {baseline_seconds:.0f} s")
            before = marks(url)
            report.baseline = direct.run(url, baseline_seconds, members, 7, "direct", mix)
            report.baseline_checks = verify(url, report.baseline.accepted, before)
            print(f"  checks: {_verdict(report.baseline_checks)}")
            for count in workers:
                served = clients or 2 * count
                print(f"gunicorn, {count} workers, {served} clients, {seconds:.0f} s")
                run = serve(url, users, cookies, count, served, warmup, seconds, log, None, mix)
                report.runs.append(run)
                lines = table(merged(run.tallies), run.elapsed_s, run.errors())
                print("\n".join("  " + line for line in lines))
                print(f"  checks: {_verdict(run.checks)}; errors {sum(run.errors().values())}")
            if profile:
                profiled = min(seconds, 30.0)
                print(f"profile: gunicorn, 1 worker under cProfile, 2 clients, {profiled:.0f} s")
                where = Path(scratch) / "profile"
                where.mkdir()
                serve(url, users, cookies, 1, 2, min(warmup, 5.0), profiled, log, where, mix)
                report.profile = summarise(where)
        finally:
            if log.exists() and log.stat().st_size:
                print("gunicorn's log (its end):\n" + log.read_text()[-3000:])
            postgres.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[2, 4], help="gunicorn workers; one run each"
    )
    parser.add_argument("--clients", type=int, help="client processes (default: 2 per worker)")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time of each run")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (default: 1/6)")
    parser.add_argument("--baseline-seconds", type=float, help="(default: --seconds, at most 30)")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--history", type=int, default=10, help="seeded actions per member")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    parser.add_argument("--mix", choices=sorted(MIXES), default="mixed", help="(default: mixed)")
    parser.add_argument(
        "--profile", action="store_true", help="then one worker under cProfile: where time goes"
    )
    parser.add_argument(
        "--write", action="store_true", help="put the section in docs/performance.md"
    )
    args = parser.parse_args(argv)
    report = measure(
        args.pg_url,
        args.workers,
        seconds=args.seconds,
        warmup=args.warmup if args.warmup is not None else args.seconds / 6,
        members=args.members,
        history=args.history,
        baseline_seconds=args.baseline_seconds or min(args.seconds, 30.0),
        clients=args.clients,
        profile=args.profile,
        mix=args.mix,
    )
    section = report.render()
    print()
    print(section)
    if args.write:
        write_section(ROOT / "docs" / "performance.md", section_name(args.mix), section)
        print("section written: docs/performance.md")
    return 1 if report.failed else 0
