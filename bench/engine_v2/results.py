"""What one run of ``python -m bench.engine_v2`` measured, kept together for the report."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.engine_v2.crowd import CrowdRun
from bench.engine_v2.profiles import Profiled
from bench.engine_v2.trace import Trace
from bench.report import Measurement, Run

SQLITE = "SQLite file"
POSTGRES = "PostgreSQL"


@dataclass(frozen=True, slots=True)
class Targets:
    """The engine v2 write path issue's targets."""

    cold_share: float = 0.50
    """Cold ``record()`` at least this share of warm, on both backends."""
    sqlite_p99_ms: float = 5.0
    crowd_speedup: float = 1.5
    """Aggregate rate of 4 and 8 processes against one."""
    crowd_p99_ms: float = 50.0
    postgres_rate: float = 600.0
    bulk_rate: float = 20_000.0


@dataclass(slots=True)
class Results:
    environment: dict[str, str]
    programme: str
    crowd_programme: str
    sizes: dict[str, Any]
    runs: int
    measurements: list[Measurement] = field(default_factory=list)
    bulk: list[tuple[Run, Run, int]] = field(default_factory=list)
    """Per run: ``record_many()`` of the history, ``replay()`` of it, its differences."""
    crowd: dict[str, list[CrowdRun]] = field(default_factory=dict)
    """By :attr:`Setup.label`, in the order of :data:`SETUPS`."""
    traces: list[Trace] = field(default_factory=list)
    profiles: list[Profiled] = field(default_factory=list)
    postgres_note: str = ""
    load: str = ""
    elapsed_s: float = 0.0
    quick: bool = False

    def find(self, backend: str, implementation: str) -> Measurement | None:
        return next(
            (
                m
                for m in self.measurements
                if m.backend == backend and m.implementation == implementation
            ),
            None,
        )

    def bulk_rate(self) -> float:
        return statistics.median(run.rate for run, _, _ in self.bulk)

    def replay_rate(self) -> float:
        return statistics.median(run.rate for _, run, _ in self.bulk)


def same_run_ratios(a: Measurement, b: Measurement) -> list[float]:
    """``a``'s rate over ``b``'s, run by run (both measured in the same run)."""
    return [x.rate / y.rate for x, y in zip(a.runs, b.runs, strict=False)]


def crowd_ratios(crowd: Mapping[str, Sequence[CrowdRun]], label: str, base: str) -> list[float]:
    """Aggregate rate of the setup ``label`` over the setup ``base``'s, run by run."""
    return [
        many.rate / one.rate
        for many, one in zip(crowd.get(label, ()), crowd.get(base, ()), strict=False)
    ]
