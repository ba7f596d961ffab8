"""Reach reported after the fact: validating reports and reading the latest numbers.

An action may carry ``metrics`` when it is logged, but LinkedIn and the other
networks only know a post's reach days later, and their counters keep growing.  A
report gives any of the three counters; each counter's value is the one of the
latest report that gave it (by ``reported_at``, then by arrival), else the value the
action was logged with, else 0.  Reports never change the action log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from engagement.analytics.tables import metric_reports
from engagement.core.limits import DEFAULT_LIMITS, ID_LENGTH, Limits, checked, count_problem
from engagement.exceptions import InvalidInputError, UnknownActionError
from engagement.storage.tables import actions, members

COUNTERS = ("impressions", "clicks", "reactions")


@dataclass(frozen=True, slots=True)
class MetricsReport:
    """One stored report; a counter that the report did not give is ``None``."""

    key: str
    member: str
    impressions: int | None
    clicks: int | None
    reactions: int | None
    reported_at: datetime


def _checked(
    counters: Mapping[str, object], at: object, limits: Limits, now: datetime
) -> dict[str, int | None]:
    """The counters as ints, or :class:`InvalidInputError` naming each bad field and
    its limit (counters from 0 to 2**53; ``at`` within ``limits``)."""
    problems = [
        problem
        for name in COUNTERS
        if counters[name] is not None and (problem := count_problem(name, counters[name]))
    ]
    values = {name: int(v) if isinstance(v, int) else None for name, v in counters.items()}
    if not problems and all(value is None for value in values.values()):
        problems.append("metrics: give at least one of impressions, clicks or reactions")
    if at is not None and (not isinstance(at, datetime) or at.tzinfo is None):
        problems.append("at: an aware datetime (with a time zone), when the network counted")
    elif at is not None and (late := limits.instant_problem("at", at, now)):
        problems.append(late)
    if problems:
        raise InvalidInputError("; ".join(problems))
    return values


def report_metrics(
    connection: Connection,
    key: str,
    *,
    impressions: object = None,
    clicks: object = None,
    reactions: object = None,
    at: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> MetricsReport:
    """Append a report of the counters given for the action logged under ``key``.

    Raises :class:`InvalidInputError` for a counter that is not a whole number from 0
    to 2**53, an empty report, a bad key or an ``at`` that is naive or outside
    ``limits``, and :class:`UnknownActionError` for a key never recorded; nothing is
    written then.  ``at`` (default: now) is when the network counted, which orders
    reports that arrive out of order.
    """
    now = datetime.now(UTC)
    key = checked("key", key, ID_LENGTH)
    values = _checked(
        {"impressions": impressions, "clicks": clicks, "reactions": reactions}, at, limits, now
    )
    found = connection.execute(
        select(actions.c.id, members.c.member_id)
        .join(members, members.c.id == actions.c.member_pk)
        .where(actions.c.key == key)
    ).first()
    if found is None:
        raise UnknownActionError(
            f"no action was recorded with key {key!r}; record it before reporting its reach"
        )
    reported_at = (at or now).astimezone(UTC)
    connection.execute(
        metric_reports.insert(),
        {"action_id": found.id, "reported_at": reported_at, "recorded_at": now, **values},
    )
    return MetricsReport(key, found.member_id, reported_at=reported_at, **values)


Counters = tuple[int | None, int | None, int | None]
"""``(impressions, clicks, reactions)``; ``None`` where unknown."""


def latest_reports(reports: Iterable[tuple[int, *Counters]]) -> dict[int, Counters]:
    """Per action id, the latest value of each counter in ``reports``
    ``(action_id, impressions, clicks, reactions)``, which must come oldest first."""
    latest: dict[int, list[int | None]] = {}
    for action_id, *counters in reports:
        values = latest.setdefault(action_id, [None, None, None])
        for index, value in enumerate(counters):
            if value is not None:
                values[index] = value
    return {action_id: (v[0], v[1], v[2]) for action_id, v in latest.items()}


def current(logged: Counters, reported: Counters | None) -> tuple[int, int, int]:
    """An action's counters now: each reported one, else the logged one, else 0."""
    if reported is None:
        return (logged[0] or 0, logged[1] or 0, logged[2] or 0)
    return (
        int(reported[0] if reported[0] is not None else logged[0] or 0),
        int(reported[1] if reported[1] is not None else logged[1] or 0),
        int(reported[2] if reported[2] is not None else logged[2] or 0),
    )
