"""What the Flask API adds to a call: the same operations through Flask's test client
and on the engine directly, interleaved in the same run.

Run ``python -m bench.api`` from the repository root (``--write`` puts the table in
``docs/performance.md``).  Each run builds a SQLite file with a few thousand actions
of history (bench.workload), embeds the engine in a Flask application with
``FlaskEngagement``, then alternates each call between the two ways, each going
first every other time: ``GET /me`` against the same summary read directly
(:func:`engagement.flask.queries.summary`), ``GET /leaderboards`` against
``engine.boards.top()``, ``POST /actions`` against ``engine.record()`` (fresh
actions for both).  A request to an empty Flask view measures the test client's own
cost.  Medians of ``--runs`` runs; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, request

from bench import workload
from bench.run import pin_to_one_core
from bench.sections import markers, write_section
from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.flask import FlaskEngagement, queries

ROOT = Path(__file__).resolve().parent.parent
START, END = markers("api")
BUDGET_MS = 1.0
"""What the API layer may add to a call (issue 14)."""

Pair = tuple[Callable[[int], object], Callable[[int], object]]


def _app(engine: Engagement) -> Flask:
    app = Flask("bench")
    ext = FlaskEngagement(engine=engine)
    ext.set_member_loader(lambda: request.headers.get("X-Member"))

    @app.route("/empty")
    def empty() -> str:
        return "{}"

    ext.init_app(app)
    return app


def _check(answer: Any, status: int = 200) -> Any:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)[:200]}")
    return answer


def _pairs(engine: Engagement, app: Flask, fresh: Sequence[dict[str, Any]]) -> dict[str, Pair]:
    client = app.test_client()
    members = sorted({action["member"] for action in fresh})
    headers = [{"X-Member": member} for member in members]
    api_actions = fresh[0::2]
    direct_actions = fresh[1::2]

    def api_record(i: int) -> object:
        action = dict(api_actions[i])
        member = action.pop("member")
        return _check(
            client.post("/engagement/actions", json=action, headers={"X-Member": member}), 201
        )

    return {
        "empty Flask view (test client alone)": (
            lambda i: _check(client.get("/empty", headers=headers[i % len(headers)])),
            lambda i: None,
        ),
        "`GET /me` (summary, 10 boards, 20 ledger entries)": (
            lambda i: _check(client.get("/engagement/me", headers=headers[i % len(headers)])),
            lambda i: queries.summary(
                engine, members[i % len(members)], page=1, per_page=20, locale=None
            ),
        ),
        "`GET /leaderboards` (all time, top 20)": (
            lambda i: _check(
                client.get("/engagement/leaderboards?period=all", headers=headers[i % len(headers)])
            ),
            lambda i: engine.boards.top("all"),
        ),
        "`POST /actions` (record)": (api_record, lambda i: engine.record(direct_actions[i])),
    }


def measure(runs: int, history: int, calls: int) -> dict[str, list[tuple[list[int], list[int]]]]:
    stream = workload.generate(history + 2 * calls)
    actions = list(stream.actions)
    results: dict[str, list[tuple[list[int], list[int]]]] = {}
    for run in range(runs):
        with tempfile.TemporaryDirectory() as workdir:
            engine = Engagement(f"sqlite:///{Path(workdir) / 'bench.db'}")
            engine.create_schema()
            engine.activate_rules(DEFAULT_RULES_PATH)
            for member in stream.members:
                engine.members.upsert(
                    member.member_id, timezone=member.timezone, opted_in=member.opted_in
                )
            engine.record_many(actions[:history])
            app = _app(engine)
            for name, (api, direct) in _pairs(engine, app, actions[history:]).items():
                # Reads are warmed up both ways; records need fresh actions each.
                start = 0 if "POST" in name else min(50, calls // 10)
                for i in range(start):
                    api(i), direct(i)
                api_ns, direct_ns = [], []
                for i in range(start, start + calls):
                    ways = ((api, api_ns), (direct, direct_ns))
                    for way, into in ways if i % 2 else reversed(ways):  # neither always first
                        began = time.perf_counter_ns()
                        way(i)
                        into.append(time.perf_counter_ns() - began)
                results.setdefault(name, []).append((api_ns, direct_ns))
                print(
                    f"  run {run + 1}: {name:<52} API {_ms(api_ns):.3f} ms   "
                    f"direct {_ms(direct_ns):.3f} ms"
                )
            engine.close()
    return results


def _ms(latencies: Sequence[int]) -> float:
    return statistics.median(latencies) / 1e6


def render(results: dict[str, list[tuple[list[int], list[int]]]], pinned: str, calls: int) -> str:
    lines = [
        START,
        "## The Flask API: what it adds to a call",
        "",
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.api` "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"pinned to one core: {pinned}; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}, so other work may have shared "
        f"the machine). SQLite file, 50 members with history recorded in bulk first; "
        f"{calls:,} calls each way per run, the API call and the direct one alternating; "
        "medians of per-call latencies; *API adds* is the median of the differences "
        "between each API call and the direct call next to it; then the median over "
        "the runs.",
        "",
        "| Operation | Through the API (ms) | Engine directly (ms) | API adds (ms) "
        "| API adds, each run (ms) |",
        "|---|---:|---:|---:|---|",
    ]
    added: dict[str, float] = {}
    for name, runs in results.items():
        api = statistics.median(_ms(a) for a, _ in runs)
        direct = statistics.median(_ms(d) for _, d in runs)
        # Each API call and its direct twin ran back to back: the median of their
        # differences is steadier on a shared machine than a difference of medians.
        per_run = [_ms([x - y for x, y in zip(a, d, strict=True)]) for a, d in runs]
        added[name] = statistics.median(per_run)
        lines.append(
            f"| {name} | {api:.3f} | {direct:.3f} | **{added[name]:.3f}** "
            f"| {', '.join(f'{x:.3f}' for x in per_run)} |"
        )
    floor_name = next(iter(results))
    worst = max(value for name, value in added.items() if name != floor_name)
    verdict = "met" if worst < BUDGET_MS else "missed"
    lines += [
        "",
        f"The API layer adds at most {worst:.3f} ms to a call (target < {BUDGET_MS:g} ms: "
        f"**{verdict}**). That includes Flask's test client building a WSGI request and "
        f"reading the response ({added[floor_name]:.3f} ms for an empty view), routing, the "
        "host's callbacks and the checks of `_guard.py`, loading the body with its schema "
        "and dumping the answer with its schema.",
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history", type=int, default=5_000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    section = render(measure(args.runs, args.history, args.calls), pinned, args.calls)
    print(section)
    if args.write:
        write_section(ROOT / "docs" / "performance.md", "api", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
