"""What a draft rule file would change: the whole history replayed under it, in memory.

HR tries a rule file before activating it: each member's points before (the ledger)
and after (a replay of the whole log under the draft), how the points would be
spread, and who would move on the all-time ranking.  Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engagement.engine import Engagement
from engagement.pipeline.replay import replay_awards
from engagement.rules.ruleset import Ruleset
from engagement.simulation import Distribution
from engagement.storage.tables import MANUAL_ENTRY, members


@dataclass(frozen=True, slots=True)
class MemberChange:
    member: str
    display_name: str | None
    before: int
    after: int
    rank_before: int
    rank_after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Preview:
    """Before and after per member (largest changes first), and the distributions."""

    actions: int
    changed_actions: int
    members: list[MemberChange] = field(default_factory=list)
    before: Distribution = field(default_factory=lambda: Distribution.of([]))
    after: Distribution = field(default_factory=lambda: Distribution.of([]))

    @property
    def rank_changes(self) -> int:
        return sum(1 for m in self.members if m.rank_before != m.rank_after)

    def to_json(self) -> dict[str, Any]:
        return {
            "actions": self.actions,
            "changed_actions": self.changed_actions,
            "rank_changes": self.rank_changes,
            "before": _distribution(self.before),
            "after": _distribution(self.after),
            "members": [
                {
                    "member": m.member,
                    "display_name": m.display_name,
                    "before": m.before,
                    "after": m.after,
                    "change": m.change,
                    "rank_before": m.rank_before,
                    "rank_after": m.rank_after,
                }
                for m in self.members
            ],
        }


def preview(engine: Engagement, draft: Ruleset) -> Preview:
    """Replay the whole log under ``draft`` (validated, not activated) beside the ledger.

    Revoked actions count for nothing on both sides.  Ranks are dense, by points,
    over every member (opted in or not: this is for HR's eyes).
    """
    before = engine.ledger.totals()
    current, manual = _current_points(engine)
    # Manual entries stand under any rules: they are on both sides.
    after: Counter[str] = Counter({member: manual.get(member, 0) for member in before})
    counted = changed = 0
    with engine.database.connect() as connection:
        names = dict(connection.execute(select(members.c.member_id, members.c.display_name)).all())
        for replayed in replay_awards(connection, draft):
            counted += 1
            points = 0 if replayed.revoked else replayed.award.points
            after[replayed.award.member] += points
            changed += points != current.get(replayed.award.key, 0)
    rank_before, rank_after = _ranks(before), _ranks(after)
    changes = [
        MemberChange(
            member=member,
            display_name=names.get(member),
            before=points,
            after=after[member],
            rank_before=rank_before[member],
            rank_after=rank_after[member],
        )
        for member, points in before.items()
    ]
    changes.sort(key=lambda m: (-abs(m.change), m.member))
    return Preview(
        actions=counted,
        changed_actions=changed,
        members=changes,
        before=Distribution.of(list(before.values())),
        after=Distribution.of(list(after.values())),
    )


def _current_points(engine: Engagement) -> tuple[dict[str, int], dict[str, int]]:
    """Each action's net points in the ledger now, and each member's manual points."""
    net: Counter[str] = Counter()
    manual: Counter[str] = Counter()
    for entry in engine.ledger.entries():
        if entry.entry_kind == MANUAL_ENTRY:
            manual[entry.member] += entry.points
        else:
            net[entry.key] += entry.points
    return dict(net), dict(manual)


def _ranks(points: dict[str, int] | Counter[str]) -> dict[str, int]:
    scores = sorted(set(points.values()), reverse=True)
    place = {score: index + 1 for index, score in enumerate(scores)}
    return {member: place[score] for member, score in points.items()}


def _distribution(d: Distribution) -> dict[str, Any]:
    return {
        "members": d.members,
        "points": d.points,
        "mean": round(d.mean, 2),
        "median": d.median,
        "top_10_percent_share": round(d.top_10_percent_share, 4),
    }
