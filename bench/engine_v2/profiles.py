"""cProfile of ``record()`` calls: where a cold call and a PostgreSQL call spend time.

The profiler inflates Python-heavy code more than time spent in C (SQLite, libpq,
the network wait), so the shares rank the functions rather than measure them.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engagement import Engagement

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Row:
    function: str
    calls: float
    """Calls per action."""
    cumulative_us: float
    own_us: float
    """Per action, profiled."""


@dataclass(frozen=True, slots=True)
class Profiled:
    title: str
    records: int
    profiled_us: float
    """Per action, with the profiler on."""
    by_cumulative: list[Row]
    by_own: list[Row]


def profile_records(
    title: str,
    url: str,
    warmup: Sequence[Mapping[str, Any]],
    profiled: Sequence[Mapping[str, Any]],
    *,
    history_cache_size: int,
) -> Profiled:
    """``profiled`` recorded one by one after ``warmup``, by one engine."""
    engine = Engagement(url, history_cache_size=history_cache_size)
    try:
        for action in warmup:
            engine.record(action)

        def run() -> None:
            for action in profiled:
                engine.record(action)

        return profile_calls(title, run, len(profiled))
    finally:
        engine.close()


def profile_calls(title: str, run: Callable[[], object], count: int, rows: int = 14) -> Profiled:
    """cProfile ``run()``; every figure divided by ``count`` (the actions it records)."""
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    elapsed = time.perf_counter() - began
    stats: dict[tuple[str, int, str], Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    table = [
        Row(_label(file, line, name), calls / count, cum / count * 1e6, own / count * 1e6)
        for (file, line, name), (_, calls, own, cum, _) in stats.items()
        if "_lsprof" not in name and "bench/engine_v2" not in file
    ]
    return Profiled(
        title,
        count,
        elapsed / count * 1e6,
        sorted(table, key=lambda row: -row.cumulative_us)[:rows],
        sorted(table, key=lambda row: -row.own_us)[:rows],
    )


def _label(file: str, line: int, name: str) -> str:
    if file == "~":
        return name
    path = file.replace("\\", "/")
    for marker in ("/site-packages/", f"{ROOT.as_posix()}/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({name})"
