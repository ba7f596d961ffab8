"""Running a file of actions through the engine: what HR uses to try a rule file.

Input files are JSONL in UTF-8 (a byte order mark is tolerated): one JSON object
per line, blank lines skipped.  A bad line raises :class:`InvalidInputError` (for
actions :class:`InvalidActionError`) whose message starts with ``FILE:LINE:``; with
``on_invalid`` it is handed to that callback and left out instead.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from engagement.analytics import ProgrammeReport
from engagement.core.actions import Action
from engagement.engine import Engagement
from engagement.exceptions import InvalidActionError, InvalidInputError
from engagement.jsonl import OnInvalid, at_line, load_members, parsed_lines
from engagement.leaderboards.standings import Leaderboard

if TYPE_CHECKING:
    from engagement import Award

CHUNK = 5000
"""Actions per :meth:`Engagement.record_many` call."""


@dataclass(slots=True)
class MemberResult:
    member: str
    points: int
    actions: int
    display_name: str | None = None
    team: str | None = None
    badges: list[str] = field(default_factory=list)
    """``id`` or ``id:tier`` (the highest tier held) per badge."""
    level: int = 0
    level_name: str | None = None
    rank: int = 0
    """Dense rank on the all-time board; for a member who did not opt in, where they
    would stand if they joined (as :meth:`engine.boards.standing
    <engagement.facades.Boards.standing>` tells them)."""
    on_board: bool = False
    """Whether the member appears on the public boards (opted in, with actions)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "rank": self.rank,
            "on_board": self.on_board,
            "points": self.points,
            "actions": self.actions,
            "display_name": self.display_name,
            "team": self.team,
            "badges": self.badges,
            "level": self.level,
            "level_name": self.level_name,
        }


@dataclass(slots=True)
class Distribution:
    """How points are spread: a healthy programme is not carried by a handful."""

    members: int
    points: int
    mean: float
    median: float
    top_10_percent_share: float

    @classmethod
    def of(cls, points: list[int]) -> Distribution:
        ordered = sorted(points, reverse=True)
        total = sum(ordered)
        count = len(ordered)
        top = ordered[: max(1, math.ceil(count / 10))] if count else []
        middle = sorted(ordered)
        median = (
            0.0
            if not count
            else float(middle[count // 2])
            if count % 2
            else (middle[count // 2 - 1] + middle[count // 2]) / 2
        )
        return cls(
            members=count,
            points=total,
            mean=total / count if count else 0.0,
            median=median,
            top_10_percent_share=sum(top) / total if total else 0.0,
        )


@dataclass(slots=True)
class SimulationResult:
    actions: int
    duplicates: int
    ruleset_version: int | None
    members: list[MemberResult] = field(default_factory=list)
    skipped: int = 0
    """Bad lines left out (only with ``on_invalid``)."""
    kpis: ProgrammeReport | None = None
    """The programme report over everything simulated (see docs/analytics.md)."""
    board: Leaderboard | None = None
    """The top of the all-time board as members see it (ranks or bands)."""

    @property
    def distribution(self) -> Distribution:
        return Distribution.of([m.points for m in self.members])

    def to_json(self) -> dict[str, Any]:
        d = self.distribution
        return {
            "actions": self.actions,
            "duplicates": self.duplicates,
            "ruleset_version": self.ruleset_version,
            "distribution": {
                "members": d.members,
                "points": d.points,
                "mean": round(d.mean, 2),
                "median": d.median,
                "top_10_percent_share": round(d.top_10_percent_share, 4),
            },
            "members": [m.to_json() for m in self.members],
            "kpis": self.kpis.to_json() if self.kpis is not None else None,
            **({"skipped": self.skipped} if self.skipped else {}),
        }


def simulate(
    engine: Engagement,
    actions_path: str | Path,
    *,
    members_path: str | Path | None = None,
    session: Session | None = None,
    on_invalid: OnInvalid | None = None,
) -> SimulationResult:
    """Record every action of ``actions_path`` (members created on the fly) and total up.

    ``engine`` must have its schema and an active ruleset.  Everything happens in
    ``session``, whose transaction the caller owns: commit it to keep the simulated
    actions, roll it back for a pure what-if (the results are read before).  Without
    ``session``, one transaction of its own is committed at the end, and only if no
    line was bad: an import either writes everything or nothing.

    A bad line, in either file, raises :class:`InvalidInputError` (for actions
    :class:`InvalidActionError`) as ``FILE:LINE: message``.  With ``on_invalid``, each
    bad line is given to it and left out instead; the others are recorded.
    """
    if session is None:
        with Session(engine.database) as own, own.begin():
            return simulate(
                engine,
                actions_path,
                members_path=members_path,
                session=own,
                on_invalid=on_invalid,
            )
    run = _Run(engine, session, actions_path, on_invalid)
    if members_path is not None:
        load_members(
            engine, members_path, session=session, on_invalid=run.reject if on_invalid else None
        )
    for number, parsed in parsed_lines(actions_path):
        if isinstance(parsed, Action):
            run.add(number, parsed)
        else:
            run.refused(number, parsed)
    run.flush()
    result = _results(engine, session, run.per_member)
    result.actions, result.duplicates, result.skipped = run.recorded, run.duplicates, run.skipped
    return result


class _Run:
    """A simulation under way: actions recorded by chunks of :data:`CHUNK`, each bad
    line reported in line order once the chunk it falls in is recorded."""

    def __init__(
        self,
        engine: Engagement,
        session: Session,
        path: str | Path,
        on_invalid: OnInvalid | None,
    ) -> None:
        self.engine = engine
        self.session = session
        self.path = path
        self.on_invalid = on_invalid
        self.chunk: list[tuple[int, Action]] = []
        self.bad: list[tuple[int, InvalidActionError]] = []
        self.recorded = self.duplicates = self.skipped = 0
        self.per_member: Counter[str] = Counter()

    def add(self, number: int, action: Action) -> None:
        self.chunk.append((number, action))
        if len(self.chunk) >= CHUNK:
            self.flush()

    def refused(self, number: int, error: InvalidActionError) -> None:
        if self.on_invalid is None:
            self.flush()  # the engine may refuse an earlier line: that one comes first
            raise error
        self.bad.append((number, error))

    def reject(self, error: InvalidInputError) -> None:
        self.skipped += 1
        assert self.on_invalid is not None
        self.on_invalid(error)

    def flush(self) -> None:
        for award in self._record(self.chunk):
            self.recorded += 1
            self.duplicates += award.duplicate
            if not award.duplicate:
                self.per_member[award.member] += 1
        self.chunk.clear()
        for _, error in sorted(self.bad, key=lambda bad: bad[0]):
            self.reject(error)
        self.bad.clear()

    def _record(self, batch: Sequence[tuple[int, Action]]) -> list[Award]:
        """Record ``batch`` in a savepoint; if the engine refuses an action, split the
        batch in halves (recorded in order) until the refused action's line is found."""
        if not batch:
            return []
        try:
            with self.session.begin_nested():
                return self.engine.record_many(
                    [action for _, action in batch], session=self.session, create_members=True
                )
        except InvalidActionError as exc:
            if len(batch) > 1:
                middle = len(batch) // 2
                return self._record(batch[:middle]) + self._record(batch[middle:])
            number = batch[0][0]
            error = at_line(self.path, number, exc)
            if self.on_invalid is None:
                raise error from None
            self.bad.append((number, error))
            return []


def _results(engine: Engagement, session: Session, per_member: Counter[str]) -> SimulationResult:
    totals = engine.ledger.totals(session=session)
    ranks = _all_time_ranks(engine, session)
    public_scores = sorted({points for _, points in ranks.values()}, reverse=True)
    results = []
    for member_id, points in totals.items():
        info = engine.members.get(member_id, session=session)
        level = engine.badges.level(member_id, session=session)
        results.append(
            MemberResult(
                member=member_id,
                points=points,
                actions=per_member[member_id],
                display_name=info.display_name if info else None,
                team=info.team if info else None,
                badges=engine.badges.earned(member_id, session=session),
                level=level.level,
                level_name=level.name,
                rank=_rank(member_id, points, ranks, public_scores),
                on_board=member_id in ranks,
            )
        )
    results.sort(key=lambda m: (-m.points, m.member))
    return SimulationResult(
        actions=0,
        duplicates=0,
        ruleset_version=engine.active_rules(session=session).version,
        members=results,
        kpis=engine.analytics.report("all", session=session),
        board=engine.boards.top("all", limit=10, session=session),
    )


def _all_time_ranks(engine: Engagement, session: Session) -> dict[str, tuple[int, int]]:
    """Every public member's (exact rank, points) on the all-time board, by pages."""
    ranks: dict[str, tuple[int, int]] = {}
    while True:
        page = engine.boards.top("all", limit=1000, offset=len(ranks), reveal=True, session=session)
        ranks.update((s.member, (s.rank or 0, s.points)) for s in page.entries)
        if len(page.entries) < 1000:
            return ranks


def _rank(
    member_id: str, points: int, ranks: dict[str, tuple[int, int]], public_scores: list[int]
) -> int:
    """The member's rank, or the one they would have if they joined the board."""
    if member_id in ranks:
        return ranks[member_id][0]
    return 1 + sum(1 for score in public_scores if score > points)
