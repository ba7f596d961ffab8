"""CPU time spent per call, by the calling process and by its PostgreSQL backend.

On a shared two-core machine a rate alone cannot say whether a call waits (for a
round trip, a lock, a WAL flush) or computes; the CPU time it costs can.  The
client's is the process's own (``time.process_time_ns``, which on SQLite includes
SQLite's work, done in-process); the server's is read from ``/proc`` for the
backend serving the engine's connection, which works when PostgreSQL runs on the
same machine and this user may read its processes' statistics.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

_TICK_NS = 1e9 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 1e7


def backend_pid(database: sa.Engine) -> int | None:
    """The PostgreSQL backend of ``database``'s pooled connection (with one thread,
    the only one), if it runs on this machine."""
    if database.dialect.name != "postgresql":
        return None
    with database.connect() as connection:
        pid = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    return pid if process_cpu_ns(pid) is not None else None


def process_cpu_ns(pid: int | None) -> int | None:
    """User plus system CPU time of process ``pid`` so far (``None``: unreadable)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int((int(fields[11]) + int(fields[12])) * _TICK_NS)
