"""The data every measurement starts from: a year of busy history, on both backends.

A *base* is built once per programme (50 members for ``record()``, 200 for the
processes): the history imported with ``record_many()`` on a SQLite file (which is
also the bulk benchmark), then ``settle`` actions recorded one by one by one warm
engine, as a running system would have, so that every active member has a
snapshot; then the naive baseline's tables filled with the same actions.  Each
measurement runs on a copy: SQLite's online backup of the file, or on PostgreSQL a
database cloned from the base with ``CREATE DATABASE … TEMPLATE``.  Every database
created here is dropped at the end.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import workload
from bench.naive import Base as NaiveBase
from bench.naive import NaiveAction, NaiveLedger, NaiveMember, NaiveTopic, _own_words
from bench.report import Run
from bench.run import copy_sqlite, copy_tables, remove_sqlite, sqlite_url
from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.core.actions import parse_action
from engagement.storage.tables import actions, ledger
from engagement.storage.tables import metadata as engine_metadata

TEAMS = ("sales", "marketing", "engineering", "people", "finance")


@dataclass(frozen=True, slots=True)
class Programme:
    """A stream of actions: ``history`` of them imported, then the live tail."""

    stream: workload.Workload
    history: int
    settle: int

    @classmethod
    def generate(
        cls, members: int, weeks: int, per_member_week: float, tail: int, settle: int
    ) -> Programme:
        history = round(members * per_member_week * weeks)
        stream = workload.generate(
            history + settle + tail, members=members, per_member_week=per_member_week
        )
        return cls(stream, history, settle)

    @property
    def imported(self) -> Sequence[dict[str, Any]]:
        return self.stream.actions[: self.history]

    @property
    def settled(self) -> Sequence[dict[str, Any]]:
        return self.stream.actions[self.history : self.history + self.settle]

    @property
    def live(self) -> Sequence[dict[str, Any]]:
        """The actions after the base: what the measurements record."""
        return self.stream.actions[self.history + self.settle :]

    def per_member(self) -> tuple[int, int, int]:
        """Fewest, median and most actions of a member in the imported history."""
        counts: dict[str, int] = {}
        for action in self.imported:
            counts[action["member"]] = counts.get(action["member"], 0) + 1
        ordered = sorted(counts.values())
        return ordered[0], ordered[len(ordered) // 2], ordered[-1]


def team_of(member: workload.MemberSpec) -> str:
    return TEAMS[int(member.member_id.rsplit("-", 1)[1]) % len(TEAMS)]


def new_engine(url: str, members: Sequence[workload.MemberSpec]) -> Engagement:
    engine = Engagement(url)
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    for member in members:
        engine.members.upsert(
            member.member_id,
            timezone=member.timezone,
            team=team_of(member),
            opted_in=member.opted_in,
        )
    return engine


def import_history(path: Path, programme: Programme, chunk: int) -> tuple[Run, Run, int]:
    """A new SQLite file with ``programme``'s history imported by ``record_many()`` in
    chunks of ``chunk``, then replayed: the two timings and the replay's differences."""
    remove_sqlite(path)
    engine = new_engine(sqlite_url(path), programme.stream.members)
    history = programme.imported
    began = time.perf_counter_ns()
    for offset in range(0, len(history), chunk):
        engine.record_many(history[offset : offset + chunk], create_members=True)
    imported = Run(len(history), time.perf_counter_ns() - began)
    began = time.perf_counter_ns()
    report = engine.replay()
    replayed = Run(report.actions, time.perf_counter_ns() - began)
    engine.close()
    return imported, replayed, report.changed


def settle(path: Path, programme: Programme, *, naive: bool = True) -> None:
    """Record the ``settled`` actions one by one with one warm engine, then (with
    ``naive``) give the naive baseline's tables the same history."""
    url = sqlite_url(path)
    engine = Engagement(url)
    for action in programme.settled:
        engine.record(action)
    engine.close()
    if naive:
        load_naive(url, programme)


def load_naive(url: str, programme: Programme) -> None:
    """Fill the naive baseline's tables with the base's actions directly (its own
    ``record_many()`` runs at about 200 actions/s: a year would take minutes).  Rows
    are built as :mod:`bench.naive` builds them; points are the engine's, which the
    baseline's approximated rules match within a few points in 100,000."""
    database = sa.create_engine(url)
    NaiveBase.metadata.create_all(database)
    logged = [*programme.imported, *programme.settled]
    zones = {m.member_id: m.timezone for m in programme.stream.members}
    with database.begin() as connection:
        points = {
            key: value
            for key, value in connection.execute(
                sa.select(actions.c.key, ledger.c.points)
                .join(ledger, ledger.c.action_id == actions.c.id)
                .where(ledger.c.entry_kind == "award")
            )
        }
        member_pks = {member_id: n for n, member_id in enumerate(zones, start=1)}
        connection.execute(
            sa.insert(NaiveMember.__table__),
            [{"id": pk, "member_id": m, "timezone": zones[m]} for m, pk in member_pks.items()],
        )
        rows: list[dict[str, Any]] = []
        topics: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        for action_id, data in enumerate(logged, start=1):
            action = parse_action(data)
            content = action.content
            own, _ = _own_words(action.text, content.suggested_text if content else None)
            at = action.at.astimezone(UTC).replace(tzinfo=None)
            rows.append(
                {
                    "id": action_id,
                    "key": action.key,
                    "member_pk": member_pks[action.member],
                    "verb": action.verb,
                    "at": at,
                    "channel": action.channel,
                    "content_id": content.id if content else None,
                    "content_kind": content.kind if content else None,
                    "suggested_text": content.suggested_text if content else None,
                    "text": action.text,
                    "own_text": " ".join(own) or None,
                    "target": action.target,
                    "metrics": action.metrics.model_dump() if action.metrics else None,
                }
            )
            topics += [
                {"action_id": action_id, "topic": t} for t in (content.topics if content else ())
            ]
            entries.append(
                {
                    "action_id": action_id,
                    "member_pk": member_pks[action.member],
                    "points": points[action.key],
                    "explanation": [],
                    "created_at": at,
                }
            )
        for table, values in (
            (NaiveAction.__table__, rows),
            (NaiveTopic.__table__, topics),
            (NaiveLedger.__table__, entries),
        ):
            for offset in range(0, len(values), 5_000):
                connection.execute(sa.insert(table), values[offset : offset + 5_000])
    database.dispose()


# -- copies -------------------------------------------------------------------------


class Postgres:
    """Databases on one PostgreSQL server, created here and all dropped by :meth:`close`.

    The base is a database of its own; each measurement gets a clone of it
    (``CREATE DATABASE … TEMPLATE base``, a file-level copy, much faster than
    reloading), which needs the base to have no open connection.
    """

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []
        self.prefix = f"bench_v2_{uuid.uuid4().hex[:6]}"

    def settings(self) -> str:
        """The server's version and the settings that decide the cost of a commit."""
        with self.admin.connect() as connection:
            found = {
                name: connection.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method")
            }
        version = found.pop("server_version")
        return f"{version}; " + ", ".join(f"{k}={v}" for k, v in found.items())

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, suffix: str, template: str | None = None) -> str:
        """A new database (a clone of ``template`` if given); its name."""
        name = f"{self.prefix}_{suffix}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    @contextmanager
    def clone(self, base: str, suffix: str) -> Iterator[str]:
        """The URL of a fresh clone of ``base``, dropped afterwards."""
        name = self.create(f"{suffix}_{uuid.uuid4().hex[:6]}", template=base)
        try:
            yield self.url_of(name)
        finally:
            self.drop(name)

    def base_from(self, source: Path, suffix: str, *, naive: bool = True) -> str:
        """A database holding the engine's tables of the SQLite file ``source`` (and the
        naive baseline's, with ``naive``): its name."""
        name = self.create(suffix)
        target = sa.create_engine(self.url_of(name))
        reading = sa.create_engine(sqlite_url(source))
        for tables in (engine_metadata, NaiveBase.metadata) if naive else (engine_metadata,):
            tables.create_all(target)
            copy_tables(reading, target, tables)
        reading.dispose()
        target.dispose()
        return name

    def close(self) -> None:
        for name in list(self.created):
            self.drop(name)
        self.admin.dispose()


@contextmanager
def sqlite_copy(base: Path, workdir: Path, name: str) -> Iterator[str]:
    """The URL of a fresh copy of the SQLite file ``base``, removed afterwards."""
    path = workdir / f"{name}.db"
    copy_sqlite(base, path)
    try:
        yield sqlite_url(path)
    finally:
        remove_sqlite(path)


def forget_snapshots(url: str) -> None:
    """Delete every member snapshot, so ``snapshot_every=0`` behaves as the engine did
    before snapshots (a snapshot left behind would still be read, and help)."""
    database = sa.create_engine(url)
    with database.begin() as connection:
        connection.exec_driver_sql("DELETE FROM engagement_member_snapshots")
    database.dispose()


def describe_base(path: Path) -> str:
    """What a cold ``record()`` reads for a member of the base: the size of a snapshot
    and of the badge awards it loads, for the report."""
    database = sa.create_engine(sqlite_url(path))
    with database.connect() as connection:

        def one(sql: str) -> Sequence[Any]:
            return tuple(connection.exec_driver_sql(sql).one())

        snapshots, mean, most = one(
            "SELECT count(*), avg(length(state)), max(length(state)) "
            "FROM engagement_member_snapshots"
        )
        awards, held_mean, held_most = one(
            "SELECT sum(n), avg(n), max(n) FROM (SELECT count(*) AS n "
            "FROM engagement_badge_awards GROUP BY member_pk) AS per_member"
        )
        (rows,) = one("SELECT count(*) FROM engagement_scores")
        (tallies,) = one("SELECT count(*) FROM engagement_score_tallies")
    database.dispose()
    return (
        f"The base holds {snapshots:,} member snapshots of {mean / 1024:,.0f} KiB on "
        f"average (largest {most / 1024:,.0f} KiB, marshal), {awards:,} badge awards "
        f"({held_mean:,.0f} per member on average, {held_most:,} at most), {rows:,} score "
        f"rows and {tallies:,} score tallies."
    )
