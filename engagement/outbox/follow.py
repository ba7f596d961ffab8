"""Draining without end, for a service (a systemd unit) rather than cron.

One drain after another: a batch that came back full is followed at once (there is
more), otherwise the next waits ``interval`` seconds.  Setting ``stop`` (a signal
handler does, in the command) ends the loop once the current batch is done, so no
message is left claimed by a drainer that exited: its outcome is recorded first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from engagement.exceptions import InvalidInputError
from engagement.outbox.message import DrainReport

MAX_INTERVAL = 3600.0


def follow(
    drain_once: Callable[[], DrainReport],
    *,
    limit: int,
    interval: float,
    stop: threading.Event,
    max_polls: int | None = None,
    on_report: Callable[[DrainReport], None] | None = None,
) -> tuple[int, DrainReport]:
    """Run ``drain_once`` until ``stop`` is set (or ``max_polls`` drains ran).

    ``limit`` is the drain's batch size: a batch that claimed that many is followed
    at once.  ``on_report`` sees each batch's report.  Returns how many drains ran
    and their totals.
    """
    check(interval, max_polls)
    polls = 0
    totals = DrainReport()
    while not stop.is_set():
        report = drain_once()
        polls += 1
        totals = _add(totals, report)
        if on_report is not None:
            on_report(report)
        if max_polls is not None and polls >= max_polls:
            break
        if report.claimed < limit and not report.released:
            stop.wait(interval)
    return polls, totals


def check(interval: object, max_polls: object) -> None:
    """Refuse an interval or a bound the loop cannot use."""
    if (
        not isinstance(interval, int | float)
        or isinstance(interval, bool)
        or not 0 < interval <= MAX_INTERVAL
    ):
        raise InvalidInputError(
            f"interval: seconds between polls, more than 0 and at most {MAX_INTERVAL:g}, "
            f"not {interval!r}"
        )
    if max_polls is not None and (
        not isinstance(max_polls, int) or isinstance(max_polls, bool) or max_polls < 1
    ):
        raise InvalidInputError(f"max_polls: a whole number, 1 or more, or None, not {max_polls!r}")


def _add(total: DrainReport, report: DrainReport) -> DrainReport:
    return DrainReport(
        claimed=total.claimed + report.claimed,
        delivered=total.delivered + report.delivered,
        failed=total.failed + report.failed,
        dead=total.dead + report.dead,
        released=total.released + report.released,
    )
