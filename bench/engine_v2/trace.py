"""Every statement one ``record()`` sends, read at the driver.

The engine runs its hot statements on the DBAPI cursor (``engagement/storage/
prepared.py``), so SQLAlchemy's events miss them; the drivers see everything:

* SQLite: ``sqlite3.Connection.set_trace_callback``, called by SQLite for each
  statement it runs (with its parameters expanded), ``BEGIN`` and ``COMMIT`` included;
* PostgreSQL: libpq's own trace of the wire protocol (``pgconn.trace()``), which
  shows every message psycopg sends and receives.  A round trip is a wait for the
  server's ``ReadyForQuery``; psycopg prepares a statement on the server after five
  executions, after which only its name travels (resolved here from psycopg's
  prepared-statement cache).

SQLAlchemy's pool ``reset`` event is recorded too: it fires when the pool resets a
connection on its return (``reset_on_return='rollback'``), which is when a
``ROLLBACK`` would be sent.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from engagement import Engagement

RESET = "(pool reset on return)"

PURPOSES: tuple[tuple[str, str], ...] = (
    (r"^BEGIN", "open the transaction"),
    (r"^COMMIT", "commit"),
    (r"^ROLLBACK", "roll back"),
    (
        r"engagement_rulesets\.version .*engagement_actions\.\"?key\"?",
        "probe: the active ruleset's version, and whether the key is already logged",
    ),
    (
        r"^UPDATE engagement_members SET event_seq",
        "lock the member: bump `event_seq`, read time zone, team, `badge_seq`",
    ),
    (
        r"^UPDATE engagement_members SET badge_seq",
        "lock the colleague a kudos is aimed at (badges count what they receive)",
    ),
    (r"FROM engagement_member_snapshots", "read the member's snapshot"),
    (r"member_seq > ", "the member's actions logged since the snapshot"),
    (r"JOIN engagement_members .*target = ", "kudos the member received since the snapshot"),
    (
        r"\.at >= .+? OR engagement_actions\.scored_as_of >= ",
        "a late action: the member's actions placed after it, to score again",
    ),
    (r"\.at >= .*content_id = ", "the member's history from the log (window and this content)"),
    (
        r"member_pk = \S+ AND engagement_actions\.content_id (= |IN )",
        "the member's actions on this content (the older ones join the cached window)",
    ),
    (r"FROM engagement_badge_awards", "the member's badge awards (badge state)"),
    (r"FROM engagement_challenge_completions", "the member's challenge completions"),
    (r"^SELECT engagement_scores\.marks", "a score row's variety marks and points"),
    (
        r"^SELECT engagement_scores\.member_pk, engagement_scores\.period",
        "a batch's members' score rows, kept for their next actions and snapshots",
    ),
    (r"max\(engagement_actions\.id\)", "the received-kudos watermark stored in the snapshot"),
    (r"max\(engagement_actions\.at\)", "the member's latest `at`: is this action late?"),
    (
        r"^SELECT engagement_actions\.fingerprint FROM",
        "other members' comments on this item: is this one a copy (`echo`)?",
    ),
    (
        r"^WITH logged AS \(INSERT INTO engagement_actions",
        "log the action and write its award entry in one round trip (PostgreSQL)",
    ),
    (r"^INSERT INTO engagement_actions", "log the action (`ON CONFLICT (key) DO NOTHING`)"),
    (r"^INSERT INTO engagement_ledger", "the award's ledger entry"),
    (r"^UPDATE engagement_scores", "add the points to a score row (one per board period)"),
    (r"^INSERT INTO engagement_scores", "upsert a score row (new period, or new marks)"),
    (
        r"^INSERT INTO engagement_score_tallies",
        "move the member between score buckets (tally −1 / +1)",
    ),
    (r"^INSERT INTO engagement_badge_awards", "award a badge (`ON CONFLICT DO NOTHING`)"),
    (r"^INSERT INTO engagement_member_snapshots", "write the member's snapshot (upsert)"),
    (re.escape(RESET), "SQLAlchemy's pool resets the connection (see below)"),
)
_PURPOSES = [(re.compile(pattern), purpose) for pattern, purpose in PURPOSES]


def purpose(sql: str) -> str:
    text = " ".join(sql.split())
    for pattern, said in _PURPOSES:
        if pattern.search(text):
            return said
    return "?"


def short(sql: str, width: int = 96) -> str:
    """One line, literals and long column lists elided."""
    text = " ".join(sql.split())
    text = re.sub(r"x'[0-9A-Fa-f]{40,}'", "x'…'", text)
    text = re.sub(r"'([^']{24})[^']{8,}'", r"'\1…'", text)
    text = re.sub(r"^(SELECT|RETURNING) ([^()]{60,}?) FROM", r"\1 … FROM", text)
    text = re.sub(r"\(((?:[\w\"]+, ){5,}[\w\"]+)\) VALUES", "(…) VALUES", text)
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(slots=True)
class Traced:
    """The statements of one ``record()`` call, in order."""

    verb: str
    statements: list[str] = field(default_factory=list)
    round_trips: int | None = None
    resets: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Trace:
    """Traced calls of one backend and mode (warm or cold)."""

    backend: str
    mode: str
    calls: list[Traced]

    def example(self, verb: str = "share") -> Traced:
        """The first traced call of ``verb`` (the most common one)."""
        return next((c for c in self.calls if c.verb == verb), self.calls[0])

    def frequencies(self) -> Counter[str]:
        """How often each purpose appears, over all the traced calls."""
        return Counter(purpose(sql) for call in self.calls for sql in call.statements)


def trace_records(
    url: str,
    backend: str,
    mode: str,
    warmup: Sequence[Mapping[str, Any]],
    traced: Sequence[Mapping[str, Any]],
    *,
    history_cache_size: int,
) -> Trace:
    """Record ``warmup`` untimed, then each of ``traced`` with the driver's trace on."""
    engine = Engagement(url, history_cache_size=history_cache_size)
    resets: list[str] = []

    @event.listens_for(engine.database, "reset")
    def _on_reset(_dbapi: Any, _record: Any, state: Any) -> None:
        resets.append(
            f"transaction_was_reset={state.transaction_was_reset}, "
            f"terminate_only={state.terminate_only}"
        )

    tracer = _SqliteTracer(engine) if backend.startswith("SQLite") else _PgTracer(engine)
    try:
        for action in warmup:
            engine.record(action)
        calls = []
        for action in traced:
            resets.clear()
            call = tracer.run(lambda action=action: engine.record(action))
            call.verb = action["verb"]
            call.resets = list(resets)
            calls.append(call)
    finally:
        engine.close()
    return Trace(backend, mode, calls)


class _SqliteTracer:
    def __init__(self, engine: Engagement) -> None:
        self.statements: list[str] | None = None

        @event.listens_for(engine.database, "connect")
        def _on_connect(dbapi: Any, _record: Any) -> None:
            dbapi.set_trace_callback(self._seen)

    def _seen(self, sql: str) -> None:
        if self.statements is not None:
            self.statements.append(sql)

    def run(self, call: Callable[[], object]) -> Traced:
        self.statements = []
        try:
            call()
        finally:
            statements, self.statements = self.statements, None
        return Traced("", statements)


class _PgTracer:
    """libpq's trace of the connection, from check-out to check-in (the pool's reset
    happens in between, just before check-in)."""

    def __init__(self, engine: Engagement) -> None:
        self.on = False
        self.files: list[tuple[Any, str]] = []

        @event.listens_for(engine.database, "checkout")
        def _on_checkout(dbapi: Any, _record: Any, _proxy: Any) -> None:
            if self.on:
                from psycopg import pq

                handle, path = tempfile.mkstemp(prefix="bench-v2-", suffix=".pqtrace")
                dbapi.pgconn.trace(handle)  # libpq writes through its own FILE*
                dbapi.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
                self.files.append((dbapi, path))

        @event.listens_for(engine.database, "checkin")
        def _on_checkin(dbapi: Any, _record: Any) -> None:
            if dbapi is not None and any(d is dbapi for d, _ in self.files):
                dbapi.pgconn.untrace()  # flushes the trace

    def run(self, call: Callable[[], object]) -> Traced:
        self.on = True
        try:
            call()
        finally:
            self.on = False
        traced = Traced("")
        traced.round_trips = 0
        for dbapi, path in self.files:
            with open(path, encoding="utf-8", errors="replace") as lines:
                statements, trips = parse_libpq_trace(lines.read(), _prepared_names(dbapi))
            os.unlink(path)
            traced.statements += statements
            traced.round_trips += trips
        self.files.clear()
        return traced


def _prepared_names(dbapi: Any) -> dict[str, str]:
    """psycopg's server-side prepared statements: name to SQL."""
    names = getattr(getattr(dbapi, "_prepared", None), "_names", {})
    return {name.decode(): key[0].decode() for key, name in names.items()}


_MESSAGE = re.compile(r"^(?P<side>[FB])\t\d+\t(?P<kind>\w+)\t ?(?P<rest>.*)$")
_PARSE = re.compile(r'^"(?P<name>[^"]*)" "(?P<sql>.*)" \d+(?: \S+)*$', re.DOTALL)


def _messages(text: str) -> Iterator[tuple[str, str, str]]:
    """(side, message type, contents) of each message; libpq writes a string's
    newlines as they are, so a line that starts no message continues the last one."""
    current: list[str] | None = None
    for line in text.splitlines():
        match = _MESSAGE.match(line)
        if match is not None:
            if current is not None:
                yield current[0], current[1], "\n".join(current[2:])
            current = [match["side"], match["kind"], match["rest"]]
        elif current is not None:
            current.append(line)
    if current is not None:
        yield current[0], current[1], "\n".join(current[2:])


_BIND = re.compile(r'^"[^"]*" "(?P<name>[^"]*)"')


def parse_libpq_trace(text: str, prepared: Mapping[str, str]) -> tuple[list[str], int]:
    """The statements executed (in order) and the round trips, from a libpq trace."""
    names = dict(prepared)
    unnamed = ""
    current = ""
    statements: list[str] = []
    trips = 0
    for side, kind, rest in _messages(text):
        if side == "B":
            trips += kind == "ReadyForQuery"
            if kind == "ErrorResponse":
                statements.append(f"(error: {rest[:80]})")
            continue
        if kind == "Query":
            statements.append(rest.strip().strip('"'))
        elif kind == "Parse" and (parsed := _PARSE.match(rest)):
            if parsed["name"]:
                names[parsed["name"]] = parsed["sql"]
            else:
                unnamed = parsed["sql"]
        elif kind == "Bind" and (bound := _BIND.match(rest)):
            current = names.get(bound["name"], "?") if bound["name"] else unnamed
        elif kind == "Execute":
            statements.append(current)
    return statements, trips
