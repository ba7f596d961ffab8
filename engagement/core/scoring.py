"""The pure scoring function and the award it returns."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from engagement.core.events import BadgeAwarded
from engagement.core.facts import Fact, Step
from engagement.core.history import Apply, MemberHistory, Rules
from engagement.core.timeindex import TimeIndex


@dataclass(frozen=True, slots=True, init=False)
class Award:
    """Points awarded for one action, with the steps that explain them.

    ``duplicate`` is true when the action's key had already been recorded: the award
    is then the one given the first time, and nothing new was written.  ``revoked``
    is true on such a duplicate when the action has been revoked since: its points
    were taken back, and recording the key again does not restore them.
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
    revoked: bool = False

    def __init__(
        self,
        key: str,
        member: str,
        verb: str,
        points: int,
        steps: tuple[Step, ...] = (),
        ruleset_version: int | None = None,
        duplicate: bool = False,
        badges: tuple[BadgeAwarded, ...] = (),
        revoked: bool = False,
    ) -> None:
        # The dataclass's own __init__ sets each field through object.__setattr__ (the
        # class is frozen), which costs twice as much as the slots' own setters, and
        # replay builds an Award for every logged action.  Keep in step with the
        # fields (tests/test_scoring.py checks).
        _SET_KEY(self, key)
        _SET_MEMBER(self, member)
        _SET_VERB(self, verb)
        _SET_POINTS(self, points)
        _SET_STEPS(self, steps)
        _SET_RULESET_VERSION(self, ruleset_version)
        _SET_DUPLICATE(self, duplicate)
        _SET_BADGES(self, badges)
        _SET_REVOKED(self, revoked)

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


(
    _SET_KEY,
    _SET_MEMBER,
    _SET_VERB,
    _SET_POINTS,
    _SET_STEPS,
    _SET_RULESET_VERSION,
    _SET_DUPLICATE,
    _SET_BADGES,
    _SET_REVOKED,
) = (vars(Award)[each.name].__set__ for each in fields(Award))  # a new field fails here


def score(fact: Fact, history: MemberHistory, ruleset: Rules) -> tuple[int, tuple[Step, ...]]:
    """Points for ``fact`` given the member's earlier facts, and why.

    Pure: the same fact, history and ruleset always give the same result, which is
    what lets :meth:`engagement.Engagement.replay` rebuild the ledger from the log.
    ``history`` must have been built for ``ruleset`` (it holds the verbs' plans).
    """
    plan = history.plan(fact.verb)
    if plan.aimed_at_self is not None and fact.target == fact.member:
        return 0, (plan.base, plan.aimed_at_self)
    return _score(fact, plan.points, plan.base, plan.rules)


def score_and_remember(fact: Fact, history: MemberHistory, ruleset: Rules) -> tuple[Step, ...]:
    """Score ``fact``, set its points, and add it to ``history`` for the next one.

    The same as :func:`score` then ``history.add(fact)``, faster: rules that do not
    remember points remember the fact as they score it (``plan.scoring``), and only
    the others remember it afterwards (``plan.remembering_after``).
    """
    plan = history.plans.get(fact.verb) or history.plan(fact.verb)
    if plan.aimed_at_self is not None and fact.target == fact.member:
        fact.points = 0
        history.remember(fact, plan.remembering)
        return (plan.base, plan.aimed_at_self)
    fact.points, steps = _score(fact, plan.points, plan.base, plan.scoring)
    history.facts[fact.seq] = fact  # history.remember(fact, plan.remembering_after), inlined
    for remember_in, index in plan.remembering_after:
        remember_in(fact, index)
    return steps


def _score(
    fact: Fact, total: float, base: Step, rules: tuple[tuple[Apply, TimeIndex], ...]
) -> tuple[int, tuple[Step, ...]]:
    """Run ``rules`` from the verb's base points; ``Step.apply`` and
    :func:`~engagement.core.facts.round_points` inlined, as this runs for every action."""
    steps = [base]
    for apply, index in rules:
        step = apply(fact, index, total)
        if step is not None:
            steps.append(step)
            op = step.op
            if op == "add":
                total = total + step.value
            elif op == "multiply":
                total = total * step.value
            else:
                total = min(total, step.value)
    points = int(total + 0.5 + 1e-9)
    return (points if points > 0 else 0), tuple(steps)
