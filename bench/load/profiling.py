"""Where one gunicorn worker's time goes, with cProfile inside the worker.

Used as gunicorn's configuration (``-c python:bench.load.profiling``): the hooks
start a profiler in each worker after the fork and write its statistics to
``LOAD_PROFILE_DIR/<pid>.prof`` when the worker exits, so everything the worker does
is seen: reading and parsing the request, Flask, the API layer, the engine, and the
waits on PostgreSQL.  cProfile adds its own cost to every Python call, so the
Python parts are inflated against the waits; the shares are a guide, not a timing.
"""

from __future__ import annotations

import cProfile
import os
import pstats
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PROFILER: cProfile.Profile | None = None


def post_fork(server: Any, worker: Any) -> None:
    global _PROFILER
    _PROFILER = cProfile.Profile()
    _PROFILER.enable()


def worker_exit(server: Any, worker: Any) -> None:
    if _PROFILER is not None:
        _PROFILER.disable()
        _PROFILER.dump_stats(str(Path(os.environ["LOAD_PROFILE_DIR"]) / f"{os.getpid()}.prof"))


PARTS: tuple[tuple[str, str, str], ...] = (
    ("a request, whole (gunicorn's handle)", "gunicorn/workers/sync.py", "handle"),
    ("reading and parsing the request (gunicorn)", "gunicorn/http/parser.py", "__next__"),
    ("writing the answer (gunicorn)", "gunicorn/http/wsgi.py", "write"),
    ("Flask, whole (wsgi_app)", "flask/app.py", "wsgi_app"),
    ("the demo's login (its SQLite user table)", "demo_app/auth.py", "load_logged_in_user"),
    ("the API's guard (who asks, origin, JSON)", "engagement/flask/_guard.py", "guard"),
    ("engine.record()", "engagement/engine.py", "record"),
    ("GET /me: queries.summary()", "engagement/flask/queries.py", "summary"),
    ("GET /leaderboards: boards.top()", "engagement/facades/boards.py", "top"),
    ("marshmallow: loading the input", "marshmallow/schema.py", "load"),
    ("dumping the answer (the API's compiled schemas)", "engagement/flask/_dump.py", "dump"),
    ("encoding the answer as JSON (Flask)", "flask/json/provider.py", "dumps"),
    ("waiting on PostgreSQL (psycopg, every round trip)", "psycopg/connection.py", "wait"),
    ("of which commits", "psycopg/connection.py", "commit"),
    ("idle: waiting for a connection (gunicorn)", "gunicorn/workers/sync.py", "wait"),
)


@dataclass(frozen=True, slots=True)
class Part:
    label: str
    ms_per_request: float
    share: float


def summarise(directory: Path) -> tuple[int, list[Part]]:
    """The requests the profiled workers handled, and each part's cumulative time
    per request (and its share of a whole request)."""
    files = sorted(directory.glob("*.prof"))
    if not files:
        return 0, []
    stats = pstats.Stats(*map(str, files))
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]

    def cumulative(suffix: str, name: str) -> tuple[int, float]:
        calls, total = 0, 0.0
        for (file, _, func), (_, primitive, _, cum, _) in table.items():
            if func == name and file.replace("\\", "/").endswith(suffix):
                calls, total = calls + primitive, total + cum
        return calls, total

    requests, whole = cumulative(*PARTS[0][1:])
    parts = []
    for label, suffix, name in PARTS:
        _, total = cumulative(suffix, name)
        parts.append(Part(label, total * 1e3 / max(requests, 1), total / whole if whole else 0.0))
    return requests, parts
