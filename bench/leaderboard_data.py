"""A year of a large programme, written straight into the engine's tables, for
:mod:`bench.leaderboards`.

Recording five million actions through ``record()`` would take hours, and what the
leaderboard benchmark measures is reading boards, not scoring.  So this module
writes members, actions, ledger awards and a few revocations directly, in the shape
the engine itself writes them (same columns, JSON and timestamp formats, unique keys,
one ``award`` entry per action and a compensating ``revocation`` entry per revoked
one), and leaves the score rows to the engine's own
:meth:`engine.boards.rebuild() <engagement.facades.Boards.rebuild>`.

The data are generated once into a SQLite file, cached under ``bench/results/``
(git-ignored) by sizes, seed and :data:`FORMAT`, and PostgreSQL is loaded from that
file with ``COPY``, so both backends hold exactly the same rows.

The programme: members in about 40 teams of uneven size and four time zones, about
70 % opted in to public boards (the most active more often); activity is skewed
(log-normal, capped): a minority of very active ambassadors, a long tail of
occasional ones and some who never act; some join during the year and some stop.
Actions fall on working days and hours, mostly shares (with the points the default
rules give: base, personal-words bonus, variety bonus, diminishing repeats), then
reads, kudos, posts, suggestions, trainings and referrals.  Texts are left empty:
real rows are wider, which would only slow the naive baseline's scans down.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import random
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.leaderboards.tables import scores
from engagement.storage.tables import actions, ledger, members, revocations, rulesets

FORMAT = 1
"""Bump when the generated rows change, so stale cached files are not reused."""

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
"""When the boards are read: a Friday afternoon; the data cover the year before it."""
SPAN = timedelta(days=365)

FUNCTIONS = (
    ("Sales", 30),
    ("Engineering", 22),
    ("Marketing", 12),
    ("Support", 10),
    ("Product", 8),
    ("Operations", 8),
    ("HR", 5),
    ("Finance", 5),
)
REGIONS = (("France", 30), ("Germany", 20), ("UK", 20), ("US", 20), ("APAC", 10))
TIMEZONES = {
    "France": ("Europe/Paris", 1),
    "Germany": ("Europe/Berlin", 1),
    "UK": ("Europe/London", 0),
    "US": ("America/New_York", -5),
    "APAC": ("Asia/Singapore", 8),
}
"""Region: (IANA zone, rough UTC offset in hours, only to place working hours)."""
_OFFSETS = {zone: offset for zone, offset in TIMEZONES.values()}
VERBS = (
    ("share", 55),
    ("read", 25),
    ("kudos", 8),
    ("post", 6),
    ("suggest", 3),
    ("training", 2),
    ("referral", 1),
)
SHARE_CHANNELS = (
    ("linkedin", 60),
    ("twitter", 15),
    ("xing", 10),
    ("facebook", 10),
    ("instagram", 5),
)
KINDS = (
    ("industry", 30),
    ("thought_leadership", 20),
    ("corporate", 20),
    ("promotional", 10),
    ("culture", 10),
    ("product", 10),
)
TOPICS = (
    "ai",
    "cloud",
    "security",
    "data",
    "hiring",
    "finance",
    "product",
    "sustainability",
    "culture",
    "events",
    "customers",
    "leadership",
)
CATALOGUE = 6_000
"""Content items; later actions pick later items more often (the catalogue grows)."""
REVOKED = 0.003
"""Share of actions revoked afterwards (a deleted post)."""


@dataclass(frozen=True, slots=True)
class Spec:
    """What to generate; the cache file is keyed by all of it."""

    members: int
    actions: int
    seed: int

    @property
    def name(self) -> str:
        return (
            f"leaderboards-{self.members}m-{self.actions}a-s{self.seed}-f{FORMAT}"
            f"-{schema_digest()}.db"
        )


def schema_digest() -> str:
    """A digest of the tables the generator writes, as the engine defines them now: a
    cached file written for other definitions is not reused."""
    dialect = sqlite_dialect.dialect()
    ddl = "".join(
        str(CreateTable(table).compile(dialect=dialect))
        for table in (members, actions, ledger, revocations, rulesets)
    )
    return hashlib.sha256(ddl.encode()).hexdigest()[:8]


def teams() -> list[tuple[str, str, float]]:
    """The 40 teams as (name, region, weight): functions × regions, uneven sizes."""
    return [
        (f"{function} {region}", region, fw * rw)
        for function, fw in FUNCTIONS
        for region, rw in REGIONS
    ]


# -- generation -----------------------------------------------------------------------


@dataclass(slots=True)
class _Member:
    pk: int
    seq: int = 0


class _Picker:
    """Weighted choices at the cost of one ``random()`` and a bisection."""

    def __init__(self, rng: random.Random, choices: Sequence[tuple[Any, float]]) -> None:
        self.random = rng.random
        self.values = [value for value, _ in choices]
        self.cumulative = list(itertools.accumulate(weight for _, weight in choices))
        self.total = self.cumulative[-1]

    def __call__(self) -> Any:
        return self.values[bisect.bisect(self.cumulative, self.random() * self.total)]


def _members(rng: random.Random, spec: Spec) -> tuple[list[tuple[Any, ...]], list[float]]:
    """Member rows and each member's activity weight (0 for those who never act)."""
    team = _Picker(rng, [((name, region), weight) for name, region, weight in teams()])
    start = (NOW - SPAN).timestamp()
    rows, weights = [], []
    for pk in range(1, spec.members + 1):
        name, region = team()
        never = rng.random() < 0.08
        weight = 0.0 if never else min(math.exp(rng.gauss(0.0, 1.4)), 50.0)
        # The most active opt in more often: they are the ones who like the boards.
        opted_in = rng.random() < (0.9 if weight > 8 else 0.69)
        joined = start - rng.uniform(0, 200) * 86_400
        rows.append(
            (
                pk,
                f"m{pk:06d}",
                f"Member {pk}",
                name,
                int(opted_in),
                TIMEZONES[region][0],
                rng.choice(("en", "en", "fr", "de")),
                0,  # event_seq, set once the member's actions are known
                0,
                _sqlite_time(joined),
            )
        )
        weights.append(weight)
    return rows, weights


def _spans(rng: random.Random, count: int) -> list[tuple[float, float]]:
    """Each member's active period: most all year; some join later, some stop."""
    start = (NOW - SPAN).timestamp()
    end = NOW.timestamp()
    spans = []
    for _ in range(count):
        first = start if rng.random() < 0.75 else rng.uniform(start, end - 14 * 86_400)
        last = end if rng.random() < 0.85 else rng.uniform(first + 14 * 86_400, end)
        spans.append((first, last))
    return spans


def _instants(
    rng: random.Random,
    weights: Sequence[float],
    spans: Sequence[tuple[float, float]],
    offsets: Sequence[int],
    n: int,
) -> tuple[list[int], int]:
    """``n`` actions as ``ts << shift | member index``, sorted (chronological ids), and
    the shift.  Each falls on a working day (mostly) between 8:00 and 19:00 of the
    member's time zone, before :data:`NOW`."""
    shift = max(17, len(weights).bit_length())
    now = int(NOW.timestamp())
    keys = []
    for index in rng.choices(range(len(weights)), weights=weights, k=n):
        first, last = spans[index]
        while True:
            day = int(rng.uniform(first, last)) // 86_400 * 86_400
            weekday = (day // 86_400 + 3) % 7  # 1970-01-01 was a Thursday
            if weekday < 5 or rng.random() < 0.2:  # fewer at weekends
                break
        ts = day + int((8 - offsets[index] + rng.uniform(0, 11)) * 3600)
        keys.append(min(ts, now - 60) << shift | index)
    keys.sort()
    return keys, shift


_DAY_STRINGS: dict[int, str] = {}


def _sqlite_time(ts: float) -> str:
    """A UTC instant the way the engine's ``UTCDateTime`` stores it on SQLite."""
    whole = int(ts)
    day, rest = divmod(whole, 86_400)
    prefix = _DAY_STRINGS.get(day)
    if prefix is None:
        prefix = _DAY_STRINGS[day] = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{prefix} {hours:02d}:{minutes:02d}:{seconds:02d}.000000"


_STEP = '{"rule": "%s", "op": "add", "value": %r, "text": "%s"}'
_FACTOR = '{"rule": "%s", "op": "multiply", "value": %r}'
_BASE = {"share": 10, "read": 1, "kudos": 5, "post": 30, "suggest": 15, "training": 20}


class _Generator:
    """Action, ledger award and points of each action, in chronological order."""

    def __init__(self, rng: random.Random, people: list[_Member], zones: Sequence[str]) -> None:
        self.rng = rng
        self.random = rng.random
        self.people = people
        self.zones = zones
        self.verb = _Picker(rng, VERBS)
        self.channel = _Picker(rng, SHARE_CHANNELS)
        self.kind = _Picker(rng, KINDS)
        self.factor = _Picker(rng, ((1.0, 80), (0.5, 10), (0.25, 5), (0.0, 5)))
        self.topics = [json.dumps([t]) for t in TOPICS] + [
            json.dumps([a, b]) for a, b in zip(TOPICS, TOPICS[1:] + TOPICS[:1], strict=True)
        ]

    def points(self, verb: str) -> tuple[int, str]:
        """Points and their explanation (the ledger's JSON, as the engine writes it),
        in the range the default rules give: base, bonuses, then a repeat factor."""
        random = self.random
        points = _BASE.get(verb, 40)
        steps = [_STEP % (f"verbs.{verb}", float(points), verb)]
        if verb in ("share", "suggest") and random() < 0.6:
            bonus = 5 + int(random() * 11)
            steps.append(_STEP % ("personal-words", float(bonus), "personal words"))
            points += bonus
        if random() < 0.12:
            bonus = 5 if random() < 0.75 else 10
            steps.append(_STEP % ("variety", float(bonus), "variety: new this month"))
            points += bonus
        if verb in ("share", "read", "kudos"):
            factor = self.factor()
            if factor < 1:
                steps.append(_FACTOR % (f"{verb}-repeats", factor))
                points = int(points * factor)
        return points, f'{{"points": {points}, "steps": [{", ".join(steps)}]}}'

    def rows(
        self, keys: Sequence[int], shift: int
    ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], int]]:
        rng, random, people, zones = self.rng, self.random, self.people, self.zones
        mask = (1 << shift) - 1
        total = len(keys)
        for action_id, key in enumerate(keys, start=1):
            ts, index = key >> shift, key & mask
            member = people[index]
            member.seq += 1
            verb = self.verb()
            channel = content = kind = target = None
            topics = "[]"
            words = own = distinct = 0
            if verb in ("share", "read", "suggest"):
                # Later actions favour newer content: the catalogue grows over the year.
                newest = max(1, CATALOGUE * action_id // total)
                content = f"c-{max(1, newest - int(rng.expovariate(0.0025)))}"
                kind = self.kind()
                topics = rng.choice(self.topics)
                channel = self.channel() if verb == "share" else "intranet"
            elif verb == "post":
                channel = "linkedin"
                topics = rng.choice(self.topics)
            elif verb in ("kudos", "referral"):
                target = f"m{1 + int(random() * len(people)):06d}"
            if verb in ("share", "post", "suggest"):
                words = 8 + int(random() * 53)
                own = int(random() * (words + 1))
                distinct = own - int(random() * (own // 3 + 1))
            at = _sqlite_time(ts)  # recorded as it happened: recorded_at = at
            points, explanation = self.points(verb)
            action = (
                action_id, f"lb:{action_id:09d}", member.pk, member.seq, verb, at, zones[index],
                channel, content, kind, topics, None, None, target, "null", words, own,
                distinct, None, at,
            )  # fmt: skip
            award = (
                action_id, action_id, member.pk, "award", points, f"verbs.{verb}", 1,
                explanation, at,
            )  # fmt: skip
            yield action, award, points


def _columns(table: sa.Table) -> list[str]:
    return [column.name for column in table.columns]


def _insert_sql(table: sa.Table) -> str:
    names = _columns(table)
    return f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'


def _secondary_indexes(*tables: sa.Table) -> list[sa.Index]:
    """Non-unique indexes: dropped during a bulk load and built once at the end."""
    return [index for table in tables for index in table.indexes if not index.unique]


def generate(spec: Spec, path: Path) -> None:
    """Write the data set into a new SQLite file at ``path`` (without score rows)."""
    rng = random.Random(spec.seed)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = Engagement(f"sqlite:///{path}")
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    engine.close()

    member_rows, weights = _members(rng, spec)
    spans = _spans(rng, spec.members)
    people = [_Member(row[0]) for row in member_rows]
    zones = [row[5] for row in member_rows]
    offsets = [_OFFSETS[zone] for zone in zones]
    keys, shift = _instants(rng, weights, spans, offsets, spec.actions)

    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-1000000")
        indexes = _secondary_indexes(actions, ledger)
        dialect = sqlite_dialect.dialect()
        for index in indexes:
            db.execute(str(DropIndex(index).compile(dialect=dialect)))
        db.execute("BEGIN")
        db.executemany(_insert_sql(members), member_rows)
        action_sql, ledger_sql = _insert_sql(actions), _insert_sql(ledger)
        revoke: list[tuple[int, int, int, str]] = []  # action id, member index, points, at
        batch_a: list[tuple[Any, ...]] = []
        batch_l: list[tuple[Any, ...]] = []
        for action, award, points in _Generator(rng, people, zones).rows(keys, shift):
            batch_a.append(action)
            batch_l.append(award)
            if rng.random() < REVOKED:
                revoke.append((action[0], action[2] - 1, points, action[5]))
            if len(batch_a) >= 50_000:
                db.executemany(action_sql, batch_a)
                db.executemany(ledger_sql, batch_l)
                batch_a.clear()
                batch_l.clear()
        db.executemany(action_sql, batch_a)
        db.executemany(ledger_sql, batch_l)
        _write_revocations(db, revoke, people, len(keys))
        db.executemany(
            "UPDATE engagement_members SET event_seq = ? WHERE id = ?",
            [(person.seq, person.pk) for person in people if person.seq],
        )
        db.execute("COMMIT")
        for index in indexes:
            db.execute(str(CreateIndex(index).compile(dialect=dialect)))
        db.execute("PRAGMA journal_mode=WAL")  # as the engine leaves its files
    finally:
        db.close()


def _write_revocations(
    db: sqlite3.Connection,
    revoke: Sequence[tuple[int, int, int, str]],
    people: Sequence[_Member],
    ledger_ids: int,
) -> None:
    """A revocation and its compensating ledger entry per revoked action, a day later."""
    revocation_rows, entries = [], []
    for number, (action_id, index, points, at) in enumerate(revoke, start=1):
        member = people[index]
        member.seq += 1
        when = datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp() + 86_400
        revocation_rows.append(
            (number, action_id, member.pk, member.seq, "post deleted", _sqlite_time(when))
        )
        explanation = {"points": -points, "reason": "post deleted", "revoked": points}
        entries.append(
            (
                ledger_ids + number,
                action_id,
                member.pk,
                "revocation",
                -points,
                "revocation",
                1,
                json.dumps(explanation),
                _sqlite_time(when),
            )
        )
    db.executemany(_insert_sql(revocations), revocation_rows)
    db.executemany(_insert_sql(ledger), entries)


def cached(spec: Spec, directory: Path) -> tuple[Path, bool]:
    """The cached data file for ``spec``, generated first if missing: (path, was cached)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / spec.name
    if path.exists():
        return path, True
    partial = path.with_suffix(".partial")
    generate(spec, partial)
    partial.rename(path)
    return path, False


def working_copy(source: Path, target: Path) -> None:
    """A copy of a cached (closed, checkpointed) data file to measure on, with the
    score table (derived, empty in the cache) and any table added to the engine since
    the file was written created as the engine defines them now."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    engine = Engagement(f"sqlite:///{target}")
    try:
        scores.drop(engine.database, checkfirst=True)
        engine.create_schema()
    finally:
        engine.close()


# -- PostgreSQL -------------------------------------------------------------------------


def load_postgres(source: Path, url: str) -> None:
    """Copy members, actions, ledger and revocations from the SQLite file ``source``
    into the (empty) schema behind ``url`` with ``COPY``; the rulesets table is filled
    by activating the same default rule file, so its version is 1 there too."""
    engine = Engagement(url)
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    engine.close()
    database = sa.create_engine(url)
    indexes = _secondary_indexes(actions, ledger)
    dialect = database.dialect
    tables = (members, actions, ledger, revocations)
    reading = sqlite3.connect(source)
    try:
        with database.begin() as connection:
            raw: Any = connection.connection.driver_connection
            # Generated rows satisfy the foreign keys: skip their per-row triggers.
            raw.execute("SET LOCAL session_replication_role = replica")
            raw.execute("SET LOCAL TIME ZONE 'UTC'")
            for index in indexes:
                raw.execute(str(DropIndex(index).compile(dialect=dialect)))
            for table in tables:
                names = ", ".join(_columns(table))
                cursor = reading.execute(f'SELECT {names} FROM "{table.name}" ORDER BY id')
                with raw.cursor().copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in cursor:
                        copy.write_row(row)
                raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                )
            raw.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for index in indexes:
                raw.execute(str(CreateIndex(index).compile(dialect=dialect)))
    finally:
        reading.close()
        database.dispose()


def vacuum_analyze(url: str) -> None:
    """``VACUUM ANALYZE`` every table (outside a transaction, as it must run)."""
    database = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with database.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        database.dispose()
