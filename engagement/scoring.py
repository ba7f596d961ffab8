"""The pure scoring function and the award it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .badges.events import BadgeAwarded
from .facts import Fact, Step, round_points
from .history import MemberHistory
from .rules.ruleset import Ruleset


@dataclass(frozen=True, slots=True)
class Award:
    """Points awarded for one action, with the steps that explain them.

    ``duplicate`` is true when the action's key had already been recorded: the award
    is then the one given the first time, and nothing new was written.
    """

    key: str
    member: str
    verb: str
    points: int
    steps: tuple[Step, ...] = field(default=())
    ruleset_version: int | None = None
    duplicate: bool = False
    badges: tuple[BadgeAwarded, ...] = ()
    """Badges (or tiers) the action earned anyone: its member, or the colleague it
    thanked.  Empty for a duplicate."""

    @property
    def summary(self) -> str:
        """One line a member can read: ``+10 share, +6 personal words (81 % own) = 16``."""
        parts = ", ".join(step.describe() for step in self.steps)
        return f"{parts} = {self.points}" if parts else str(self.points)

    def explanation(self) -> dict[str, Any]:
        """The structured explanation stored in the ledger."""
        return {"points": self.points, "steps": [step.to_json() for step in self.steps]}

    def __str__(self) -> str:
        return self.summary


def score(fact: Fact, history: MemberHistory, ruleset: Ruleset) -> tuple[int, tuple[Step, ...]]:
    """Points for ``fact`` given the member's earlier facts, and why.

    Pure: the same fact, history and ruleset always give the same result, which is
    what lets :meth:`engagement.Engagement.replay` rebuild the ledger from the log.
    """
    verb = ruleset.verbs[fact.verb]
    steps = [Step(f"verbs.{fact.verb}", "add", verb.points, verb.label or fact.verb)]
    if verb.target != "none" and fact.target == fact.member:
        steps.append(Step(f"verbs.{fact.verb}", "multiply", 0, "aimed at yourself"))
        return 0, tuple(steps)
    total = verb.points
    for apply, index in history.pipeline(fact.verb):
        step = apply(fact, index, total)
        if step is not None:
            steps.append(step)
            total = step.apply(total)
    return round_points(total), tuple(steps)


def score_and_remember(fact: Fact, history: MemberHistory, ruleset: Ruleset) -> tuple[Step, ...]:
    """Score ``fact``, set its points, and add it to ``history`` for the next one."""
    fact.points, steps = score(fact, history, ruleset)
    history.add(fact)
    return steps
