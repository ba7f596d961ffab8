"""After the run: the database against what the clients were told.

:func:`bench.engine_v2.crowd.check` gives the invariants every multi-process run
keeps (each accepted key logged once with one award entry, no badge held twice, the
engine's own ``replay()`` finding nothing to change, ``boards.rebuild(check=True)``
no difference in scores or tallies, no badge the log earns left unawarded).  Added
here: the points each answer announced are the points in the ledger, and each badge
awarded has its one ``badge-awarded`` message in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from bench.engine_v2.crowd import check

COUNTS = ("logged", "badges awarded")
"""Counts that are reported, not required to be 0."""


def marks(url: str) -> tuple[int, int]:
    """The last action's and the last outbox message's ids: a run's are those after."""
    database = sa.create_engine(url)
    try:
        with database.connect() as connection:
            return (
                int(
                    connection.exec_driver_sql("SELECT max(id) FROM engagement_actions").scalar()
                    or 0
                ),
                int(
                    connection.exec_driver_sql("SELECT max(id) FROM engagement_outbox").scalar()
                    or 0
                ),
            )
    finally:
        database.dispose()


def verify(url: str, accepted: Mapping[str, int], since: tuple[int, int]) -> dict[str, int]:
    """Every count must be 0 except those in :data:`COUNTS`; ``logged`` must equal the
    keys accepted.  ``since`` is :func:`marks` before the run."""
    before, outbox_before = since
    found = check(url, list(accepted), before)
    database = sa.create_engine(url)
    try:
        with database.connect() as connection:
            ledger = dict(
                connection.execute(
                    sa.text(
                        "SELECT a.key, l.points FROM engagement_actions a JOIN engagement_ledger l"
                        " ON l.action_id = a.id AND l.entry_kind = 'award' WHERE a.id > :before"
                    ),
                    {"before": before},
                ).all()
            )
            awards = connection.execute(
                sa.text("SELECT count(*) FROM engagement_badge_awards WHERE action_id > :before"),
                {"before": before},
            ).scalar_one()
            messages = connection.execute(
                sa.text(
                    "SELECT count(*) FROM engagement_outbox WHERE event = 'badge-awarded' "
                    "AND id > :before"
                ),
                {"before": outbox_before},
            ).scalar_one()
    finally:
        database.dispose()
    found["accepted keys whose answer's points differ from the ledger"] = sum(
        1 for key, points in accepted.items() if key in ledger and ledger[key] != points
    )
    found["badges awarded minus badge-awarded outbox messages"] = int(awards) - int(messages)
    found["logged minus accepted"] = found["logged"] - len(accepted)
    return found


def failures(found: Mapping[str, int]) -> dict[str, int]:
    """The checks that failed."""
    return {name: count for name, count in found.items() if count and name not in COUNTS}
