"""What arrival order costs: ``record()`` of an action in time order, against one
that arrives late and re-scores the member's later actions.

Run ``python -m bench.arrival`` from the repository root (``--pg URL`` adds
PostgreSQL).  One member with a year of busy history (about 750 actions), then,
interleaved ``--runs`` times (medians reported):

* **in order, warm**: the member's history cached in the process (the fast path);
* **in order, cold**: ``history_cache_size=0``, the history read from the snapshot
  (another member with the same year, so that the warm one stays warm);
* **late**: an action 1 to 10 days before the member's latest, scored in its place
  with the later ones re-scored (``rescore`` entries where points change);
* **naive**: re-scoring by replaying, a dry ``replay()`` of the whole programme (here
  the two members' years).

Each late action moves the member's latest action forward by a day first, so that
every measurement re-scores about the same number of later actions.  Nothing
asserts a timing; the figures are printed for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from engagement import DEFAULT_RULES_PATH, Engagement

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
CHANNELS = ("linkedin", "x", "intranet")
TOPICS = ("ai", "cloud", "security", "hiring", "events")
OPENERS = ("What struck me", "Worth reading", "Our customers asked", "A lesson from")


def action(i: int, at: datetime, key: str, member: str = "ana") -> dict[str, Any]:
    """One of a busy ambassador's actions: mostly shares in their own words."""
    kind = i % 5
    base: dict[str, Any] = {"key": key, "member": member, "at": at.isoformat()}
    if kind == 4:
        return {**base, "verb": "read", "content": {"id": f"n{i}", "kind": "corporate"}}
    topic = TOPICS[i % len(TOPICS)]
    return {
        **base,
        "verb": "share",
        "channel": CHANNELS[i % len(CHANNELS)],
        "text": f"{OPENERS[i % len(OPENERS)]} in item {i} about {topic}: week {i // 15}",
        "content": {
            "id": f"c{i}",
            "kind": ("industry", "corporate")[i % 4 == 0],
            "topics": [topic],
        },
    }


def engine_with_history(url: str, days: int, per_day: float, **options: Any) -> Engagement:
    engine = Engagement(url, **options)
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    count = int(days * per_day)
    step = timedelta(days=days) / count
    for member in ("ana", "bob"):  # the same year each: ana recorded warm, bob cold
        engine.members.upsert(member, timezone="Europe/Paris")
        engine.record_many(
            [action(i, START + i * step, f"{member}{i}", member) for i in range(count)]
        )
    return engine


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def measure(url: str, runs: int, days: int) -> dict[str, float]:
    warm = engine_with_history(url, days, 750 / 365)
    cold = Engagement(url, history_cache_size=0)
    latest = START + timedelta(days=days)
    samples: dict[str, list[float]] = {"in order, warm": [], "in order, cold": [], "late": []}
    naive: list[float] = []
    for run in range(runs):
        latest += timedelta(days=1)
        in_order = action(run, latest, f"w{run}")
        samples["in order, warm"].append(timed(partial(warm.record, in_order)))
        cold_one = action(run + 1, latest, f"c{run}", "bob")
        samples["in order, cold"].append(timed(partial(cold.record, cold_one)))
        late = action(run + 2, latest - timedelta(days=1 + run % 10), f"l{run}")
        samples["late"].append(timed(partial(warm.record, late)))
        if run % 5 == 0:
            naive.append(timed(warm.replay))
    result = {name: statistics.median(values) for name, values in samples.items()}
    result["naive: replay (both members)"] = statistics.median(naive)
    result["rescore entries per late action"] = (
        sum(1 for e in warm.ledger.entries("ana") if e.entry_kind == "rescore") / runs
    )
    warm.close()
    cold.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--pg", help="a PostgreSQL URL to measure too (its tables are dropped)")
    args = parser.parse_args()
    print(f"{platform.node()} {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as workdir:
        backends = {"SQLite file": f"sqlite:///{Path(workdir) / 'arrival.db'}"}
        if args.pg:
            backends["PostgreSQL"] = args.pg
        for name, url in backends.items():
            if name == "PostgreSQL":
                scratch = Engagement(url)
                scratch.drop_schema()
                scratch.close()
            figures = measure(url, args.runs, args.days)
            print(f"\n{name}: medians of {args.runs} (ms), {args.days} days of history")
            for label, value in figures.items():
                print(f"  {label:36} {value:8.2f}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
