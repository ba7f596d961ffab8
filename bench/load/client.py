"""One client process: a closed loop of requests over one HTTP/1.1 connection.

gunicorn's sync workers close the connection after each answer; ``http.client``
then opens a new one for the next request (on the loopback, tens of microseconds).
Requests are timed from before sending to the end of the body.  Nothing is retried:
an error is counted, with its status and the start of its body.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.load.mix import Operation, stream

PREFIX = "/engagement"
TIMEOUT_S = 30.0


@dataclass(slots=True)
class Tally:
    """What one client saw, per kind of operation, in the measured window (the
    warm-up's calls count only in ``warmup_workers`` and the accepted keys)."""

    latencies_ns: dict[str, list[int]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    accepted: dict[str, int] = field(default_factory=dict)
    """Key → points the answer gave, for every write answered 200 or 201."""
    duplicates_answered_new: int = 0
    """Re-sent keys answered 201 (a new action): must stay 0."""
    warmup_errors: Counter[str] = field(default_factory=Counter)
    warmup_workers: Counter[int] = field(default_factory=Counter)
    measured_workers: Counter[int] = field(default_factory=Counter)
    began_ns: int = 0
    ended_ns: int = 0


def request(op: Operation) -> tuple[str, str, bytes | None, int]:
    """Method, path, body and the expected status (201; 200 for a re-sent key)."""
    if op.kind in ("record", "duplicate"):
        return (
            "POST",
            "/actions",
            json.dumps(op.body).encode(),
            200 if op.kind == "duplicate" else 201,
        )
    if op.kind == "kudos":
        return "POST", "/kudos", json.dumps(op.body).encode(), 201
    path = "/me" if op.kind == "me" else "/leaderboards"
    return "GET", f"{path}?{urlencode(op.body)}", None, 200


def run(
    port: int,
    cookies: list[str],
    seed: int,
    prefix: str,
    warm_until: float,
    stop_at: float,
    results: Any,
    mix: str = "mixed",
) -> None:
    """Send the stream ``seed`` until the wall clock reaches ``stop_at``; put the
    :class:`Tally` on ``results``."""
    tally = Tally()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    clock = time.perf_counter_ns
    try:
        for op in stream(seed, prefix, len(cookies), mix):
            now = time.time()
            if now >= stop_at:
                break
            measured = now >= warm_until
            if measured and not tally.began_ns:
                tally.began_ns = clock()
            method, path, body, expected = request(op)
            headers = {"Cookie": cookies[op.member], "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            before = clock()
            try:
                connection.request(method, PREFIX + path, body=body, headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
                status, worker = answer.status, int(answer.getheader("X-Served-By") or 0)
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status, worker, payload = 0, 0, f"{type(error).__name__}: {error}".encode()
            took = clock() - before
            if op.kind == "duplicate" and status == 201:
                tally.duplicates_answered_new += 1
            if op.key is not None and status in (200, 201):
                tally.accepted[op.key] = int(json.loads(payload)["points"])
            error = None
            if status != expected:
                error = f"{op.kind} {status}: {payload[:120].decode(errors='replace')}"
            if measured:
                tally.latencies_ns.setdefault(op.kind, []).append(took)
                tally.measured_workers[worker] += 1
                if error is not None:
                    tally.errors[error] += 1
            else:
                tally.warmup_workers[worker] += 1
                if error is not None:
                    tally.warmup_errors[error] += 1
        tally.ended_ns = clock()
    finally:
        connection.close()
        results.put((os.getpid(), tally))
