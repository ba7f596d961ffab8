"""The baseline: the same mix through the engine in this process, without HTTP.

What a view does besides its one engine call (sessions, schemas, JSON) is left out,
so the difference with the served numbers is the cost of HTTP, gunicorn, Flask and
the API layer, and of sharing two cores between workers, clients and PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.load.client import Tally
from bench.load.mix import Operation, member_id, stream
from engagement import Engagement
from engagement.flask import queries


def call(engine: Engagement, op: Operation) -> Any:
    member = member_id(op.member)
    if op.kind in ("record", "duplicate"):
        return engine.record({**op.body, "member": member, "at": datetime.now(UTC)})
    if op.kind == "kudos":
        action = {"key": op.body["key"], "member": member, "verb": "kudos", "target": op.body["to"]}
        return engine.record({**action, "at": datetime.now(UTC)})
    if op.kind == "me":
        return queries.summary(engine, member, page=1, per_page=op.body["per_page"], locale=None)
    return engine.boards.top(period=op.body["period"], limit=op.body["limit"])


def run(
    url: str, seconds: float, members: int, seed: int, prefix: str, mix: str = "mixed"
) -> Tally:
    """The mix for ``seconds`` after as long a warm-up (capped at 5 s), one engine."""
    tally = Tally()
    engine = Engagement(url, outbox=True)
    clock = time.perf_counter_ns
    errors: Counter[str] = Counter()
    warm_until = time.monotonic() + min(seconds, 5.0)
    stop_at = warm_until + seconds
    try:
        for op in stream(seed, prefix, members, mix):
            now = time.monotonic()
            if now >= stop_at:
                break
            if now >= warm_until and not tally.began_ns:
                tally.began_ns = clock()
            before = clock()
            try:
                answer = call(engine, op)
            except Exception as error:  # counted, never retried
                errors[f"{op.kind} {type(error).__name__}: {str(error)[:120]}"] += 1
                continue
            took = clock() - before
            if op.key is not None:
                tally.accepted[op.key] = answer.points
            if tally.began_ns:
                tally.latencies_ns.setdefault(op.kind, []).append(took)
        tally.ended_ns = clock()
    finally:
        engine.close()
    tally.errors = errors
    return tally
