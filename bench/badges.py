"""What badge evaluation costs ``record()``: the default rule file (21 badges, five
levels, a challenge) beside the same file without them, in the same run.

Run ``python -m bench.badges`` from the repository root (``--write`` puts the table
in ``docs/performance.md``).  Each run builds two SQLite files from the same action
stream, one per rule file, then times single ``record()`` calls on each, interleaved:
warm (one engine object, so its per-process caches hold every member) and cold (two
engine objects taking turns per member, as two worker processes would, so every call
rebuilds the member's history and badge state).  Medians of ``--runs`` runs; nothing
here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import workload
from bench.report import BADGE_BUDGET, percentile_ms
from bench.run import pin_to_one_core, scoring_rules
from bench.sections import markers, write_section
from engagement import DEFAULT_RULES_PATH, Engagement

ROOT = Path(__file__).resolve().parent.parent
START, END = markers("badges")
RULES = {
    "with badges (default rules)": DEFAULT_RULES_PATH.read_text(encoding="utf-8"),
    "scoring only (no badges)": "",
}


def _engine(path: Path, rules: str, members: Sequence[workload.MemberSpec]) -> Engagement:
    engine = Engagement(f"sqlite:///{path}")
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(rules or scoring_rules()))
    for member in members:
        engine.members.upsert(member.member_id, timezone=member.timezone)
    return engine


def _time(record: Callable[[Mapping[str, Any]], object], timed: Sequence[Any]) -> list[int]:
    latencies = []
    for action in timed:
        began = time.perf_counter_ns()
        record(action)
        latencies.append(time.perf_counter_ns() - began)
    return latencies


def _alternating(engines: Sequence[Engagement]) -> Callable[[Mapping[str, Any]], object]:
    turns: dict[str, int] = {}

    def record(action: Mapping[str, Any]) -> object:
        turn = turns.get(action["member"], 0)
        turns[action["member"]] = turn + 1
        return engines[turn % len(engines)].record(action)

    return record


def measure(
    runs: int, history: int, warm: int, cold: int
) -> dict[tuple[str, str], list[list[int]]]:
    stream = workload.generate(history + 500 + warm + cold)
    actions = list(stream.actions)
    results: dict[tuple[str, str], list[list[int]]] = {}
    for run in range(runs):
        for name, rules in RULES.items():
            with tempfile.TemporaryDirectory() as workdir:
                path = Path(workdir) / "bench.db"
                engine = _engine(path, rules, stream.members)
                engine.record_many(actions[:history])
                for action in actions[history : history + 500]:
                    engine.record(action)
                start = history + 500
                warm_ns = _time(engine.record, actions[start : start + warm])
                other = Engagement(f"sqlite:///{path}")
                cold_ns = _time(
                    _alternating([engine, other]), actions[start + warm : start + warm + cold]
                )
                other.close()
                engine.close()
            results.setdefault((name, "warm"), []).append(warm_ns)
            results.setdefault((name, "cold"), []).append(cold_ns)
            print(
                f"  run {run + 1}: {name:<28} warm {_rate(warm_ns):>6,.0f}/s   "
                f"cold {_rate(cold_ns):>6,.0f}/s"
            )
    return results


def _rate(latencies: Sequence[int]) -> float:
    return len(latencies) / (sum(latencies) / 1e9)


def render(results: dict[tuple[str, str], list[list[int]]], pinned: str) -> str:
    lines = [
        START,
        "## Badges: `record()` with and without them",
        "",
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.badges` "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"pinned to one core: {pinned}; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}, so other work shared the "
        "machine). The same action stream (50 members, history "
        "recorded in bulk first) is scored under the default rule file and under the same "
        "file without its `badges`, `levels` and `challenges`; medians of the runs.",
        "",
        "| Rule file | Cache | Rate (records/s) | p50 (ms) | p99 (ms) | Rates of the runs |",
        "|---|---|---:|---:|---:|---|",
    ]
    rate: dict[tuple[str, str], float] = {}
    for (name, cache), runs in results.items():
        rates = [_rate(r) for r in runs]
        median_run = sorted(runs, key=_rate)[len(runs) // 2]
        rate[(name, cache)] = statistics.median(rates)
        lines.append(
            f"| {name} | {cache} | **{rate[(name, cache)]:,.0f}** "
            f"| {percentile_ms(median_run, 0.5):.2f} | {percentile_ms(median_run, 0.99):.2f} "
            f"| {', '.join(f'{r:,.0f}' for r in rates)} |"
        )
    with_badges, without = RULES
    warm = rate[(without, "warm")] / rate[(with_badges, "warm")]
    cold = rate[(without, "cold")] / rate[(with_badges, "cold")]
    verdict = "met" if warm <= BADGE_BUDGET else "missed"
    lines += [
        "",
        f"Badges make a warm `record()` ×{warm:.2f} slower (budget ≤ ×{BADGE_BUDGET}: "
        f"**{verdict}**). On a cold cache they make it ×{cold:.2f} slower: a member's "
        "badge state covers their whole history, and rebuilding it costs far more than "
        "rebuilding scoring's few weeks. Route a member's writes to one worker where you "
        "can.",
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history", type=int, default=6_000)
    parser.add_argument("--warm", type=int, default=2_000)
    parser.add_argument("--cold", type=int, default=300)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    section = render(measure(args.runs, args.history, args.warm, args.cold), pinned)
    print(section)
    if args.write:
        write_section(ROOT / "docs" / "performance.md", "badges", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
