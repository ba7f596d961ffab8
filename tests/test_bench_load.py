"""The load tool end to end, tiny: gunicorn with two workers on PostgreSQL for a few
seconds, then the checks.  Timings are printed by the tool, never asserted here."""

from __future__ import annotations

import pytest

from bench.load.main import measure
from bench.load.mix import KINDS
from bench.load.verify import failures
from bench.run import DEFAULT_PG_URL

pytestmark = pytest.mark.postgres


def test_a_short_served_run_loses_and_doubles_nothing(postgres_ready: None) -> None:
    report = measure(
        DEFAULT_PG_URL, [2], seconds=3.0, warmup=1.0, members=40, history=1, baseline_seconds=1.0,
        clients=3,
    )  # fmt: skip
    (run,) = report.runs
    assert not report.baseline.errors and not failures(report.baseline_checks)
    assert not run.errors() and not run.warmup_errors()
    assert not failures(run.checks), run.checks
    assert run.checks["logged"] == len(run.accepted()) > 0
    for kind in KINDS:
        assert run.latencies([kind]), f"no {kind} request was measured"
    assert sum(t.duplicates_answered_new for t in run.tallies) == 0
    assert len(run.worker_states()) >= 1
    assert "all passed" in report.render() and not report.failed
