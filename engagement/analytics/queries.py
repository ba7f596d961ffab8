"""The report's reads: filtering, joining and summing are done by the database.

Every query takes the same scope (the period's instants, an optional team) and
leaves out revoked actions.  The period's bounds are computed in Python in the
leaderboards' time zone (SQLite has no time zone functions) and compared with the
logged instants, which are stored in UTC on both backends: no per-row conversion.
What the database cannot do on both backends alike (reading topics from JSON,
merging late metrics reports counter by counter) is left to
:mod:`engagement.analytics.kpis`, over narrow rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Case,
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    select,
)

from engagement.analytics.metrics import COUNTERS, current, latest_reports
from engagement.analytics.periods import ReportPeriod
from engagement.analytics.tables import metric_reports
from engagement.storage.tables import actions, ledger, members, revocations

NO_TEAM = "(no team)"
"""How members without a team are labelled in per-team figures."""


@dataclass(frozen=True, slots=True)
class ActionRow:
    """The columns of one counted action that the KPIs read, with its reach now:
    the metrics it was logged with, overridden by later reports."""

    id: int
    member_pk: int
    team: str | None
    verb: str
    channel: str | None
    content_id: str | None
    content_kind: str | None
    topics: tuple[str, ...]
    distinct_own_words: int
    impressions: int
    clicks: int
    reactions: int


@dataclass(frozen=True, slots=True)
class Enrolment:
    team: str | None
    enrolled: int
    opted_in: int


@dataclass(frozen=True, slots=True)
class PointsRow:
    member_pk: int
    member: str
    display_name: str | None
    team: str | None
    opted_in: bool
    points: int


@dataclass(frozen=True, slots=True)
class Scope:
    """Which actions a report counts: those of the period (and team), not revoked."""

    period: ReportPeriod
    team: str | None = None

    def actions_filter(self) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [
            ~exists().where(revocations.c.action_id == actions.c.id)
        ]
        if self.period.start is not None and self.period.end is not None:
            conditions += [actions.c.at >= self.period.start, actions.c.at < self.period.end]
        if self.team is not None:
            conditions.append(
                actions.c.member_pk.in_(select(members.c.id).where(members.c.team == self.team))
            )
        return and_(*conditions)


def counted_actions(connection: Connection, scope: Scope) -> list[ActionRow]:
    """The counted actions, late metrics reports applied.

    Metrics are read out of their JSON by the database, and topics as text parsed
    once per distinct list: parsing JSON row by row in Python would cost more than
    everything else in the report.
    """
    reported = latest_reports(_reports(connection, scope))
    query = (
        select(
            actions.c.id,
            actions.c.member_pk,
            members.c.team,
            actions.c.verb,
            actions.c.channel,
            actions.c.content_id,
            actions.c.content_kind,
            cast(actions.c.topics, Text),
            actions.c.distinct_own_words,
            # BIGINT: counters go up to 2**53, past PostgreSQL's INTEGER.
            *(cast(actions.c.metrics[name].as_string(), BigInteger) for name in COUNTERS),
        )
        .join(members, members.c.id == actions.c.member_pk)
        .where(scope.actions_filter())
    )
    topics: dict[str | None, tuple[str, ...]] = {None: ()}
    rows = []
    for row in connection.execute(query).all():
        text = row[7]
        parsed = topics.get(text)
        if parsed is None:
            parsed = topics[text] = tuple(json.loads(text) or ())
        reach = current((row[9], row[10], row[11]), reported.get(row[0]))
        rows.append(
            ActionRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                parsed,
                row[8],
                reach[0],
                reach[1],
                reach[2],
            )
        )
    return rows


def _reports(
    connection: Connection, scope: Scope
) -> list[tuple[int, int | None, int | None, int | None]]:
    """Late metrics reports of the counted actions, oldest first (the latest wins)."""
    query = (
        select(
            metric_reports.c.action_id,
            metric_reports.c.impressions,
            metric_reports.c.clicks,
            metric_reports.c.reactions,
        )
        .join(actions, actions.c.id == metric_reports.c.action_id)
        .where(scope.actions_filter())
        .order_by(metric_reports.c.reported_at, metric_reports.c.id)
    )
    return [(row[0], row[1], row[2], row[3]) for row in connection.execute(query).all()]


def enrolment(connection: Connection, team: str | None) -> list[Enrolment]:
    """Members (and those opted in) per team, now: enrolment is not dated."""
    opted: Case[Any] = case((members.c.opted_in.is_(True), 1), else_=0)
    query: Select[Any] = select(members.c.team, func.count(), func.sum(opted)).group_by(
        members.c.team
    )
    if team is not None:
        query = query.where(members.c.team == team)
    return [
        Enrolment(row[0], int(row[1]), int(row[2] or 0)) for row in connection.execute(query).all()
    ]


def points(connection: Connection, scope: Scope) -> list[PointsRow]:
    """Each member's net points from the counted actions (awards and adjustments)."""
    query = (
        select(
            members.c.id,
            members.c.member_id,
            members.c.display_name,
            members.c.team,
            members.c.opted_in,
            func.sum(ledger.c.points),
        )
        .join(actions, actions.c.id == ledger.c.action_id)
        .join(members, members.c.id == ledger.c.member_pk)
        .where(scope.actions_filter())
        .group_by(
            members.c.id,
            members.c.member_id,
            members.c.display_name,
            members.c.team,
            members.c.opted_in,
        )
    )
    return [PointsRow(*row[:5], points=int(row[5] or 0)) for row in connection.execute(query)]


def teams(connection: Connection) -> Sequence[str | None]:
    return [row[0] for row in connection.execute(select(members.c.team).distinct())]
