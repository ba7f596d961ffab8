"""Running a file of actions through the engine: what HR uses to try a rule file."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engagement.analytics import ProgrammeReport
from engagement.core.actions import Action, parse_action_json
from engagement.engine import Engagement
from engagement.exceptions import InvalidActionError, InvalidInputError
from engagement.leaderboards.standings import Leaderboard

CHUNK = 5000


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
        }


def read_actions(path: str | Path) -> Iterator[tuple[int, Action]]:
    """``(line number, action)`` from a JSONL file; a bad line raises with ``FILE:LINE:``."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, parse_action_json(line)
            except InvalidActionError as exc:
                raise InvalidActionError(f"{path}:{number}: {exc}") from None


def load_members(engine: Engagement, path: str | Path) -> int:
    """Members from a JSONL file of ``{member, display_name, team, timezone, opted_in}``."""
    count = 0
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                member_id = data.pop("member")
                engine.members.upsert(member_id, **data)
            except (ValueError, KeyError, TypeError, InvalidInputError) as exc:
                raise InvalidInputError(f"{path}:{number}: {exc}") from None
            count += 1
    return count


def simulate(
    engine: Engagement, actions_path: str | Path, *, members_path: str | Path | None = None
) -> SimulationResult:
    """Record every action of ``actions_path`` (members created on the fly) and total up.

    ``engine`` must have its schema and an active ruleset.  Actions go in chunks of
    {CHUNK}, each in its own transaction.
    """
    if members_path is not None:
        load_members(engine, members_path)
    recorded = duplicates = 0
    per_member: Counter[str] = Counter()
    chunk: list[Action] = []
    lines: dict[str, int] = {}

    def flush() -> None:
        nonlocal recorded, duplicates
        try:
            awards = engine.record_many(chunk, create_members=True)
        except InvalidActionError as exc:
            where = f"{actions_path}:{lines[exc.key]}: " if exc.key in lines else ""
            raise InvalidActionError(f"{where}{exc}") from None
        lines.clear()
        for award in awards:
            recorded += 1
            duplicates += award.duplicate
            if not award.duplicate:
                per_member[award.member] += 1
        chunk.clear()

    for number, action in read_actions(actions_path):
        chunk.append(action)
        lines.setdefault(action.key, number)
        if len(chunk) >= CHUNK:
            flush()
    flush()
    totals = engine.ledger.totals()
    ranks = _all_time_ranks(engine)
    public_scores = sorted({points for _, points in ranks.values()}, reverse=True)
    results = []
    for member_id, points in totals.items():
        info = engine.members.get(member_id)
        level = engine.badges.level(member_id)
        results.append(
            MemberResult(
                member=member_id,
                points=points,
                actions=per_member[member_id],
                display_name=info.display_name if info else None,
                team=info.team if info else None,
                badges=engine.badges.earned(member_id),
                level=level.level,
                level_name=level.name,
                rank=_rank(member_id, points, ranks, public_scores),
                on_board=member_id in ranks,
            )
        )
    results.sort(key=lambda m: (-m.points, m.member))
    return SimulationResult(
        actions=recorded,
        duplicates=duplicates,
        ruleset_version=engine.active_rules().version,
        members=results,
        kpis=engine.analytics.report("all"),
        board=engine.boards.top("all", limit=10),
    )


def _all_time_ranks(engine: Engagement) -> dict[str, tuple[int, int]]:
    """Every public member's (exact rank, points) on the all-time board, by pages."""
    ranks: dict[str, tuple[int, int]] = {}
    while True:
        page = engine.boards.top("all", limit=1000, offset=len(ranks), reveal=True)
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
