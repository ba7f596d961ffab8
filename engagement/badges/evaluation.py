"""Deciding awards, revocations and progress from a member's state: pure functions.

Only goals whose criterion the action's verb can move are looked at, and a badge
whose tiers are all held for the period is skipped before anything is measured:
that is what keeps badges cheap on the ``record()`` hot path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo

from engagement.badges.catalogue import Badge, Challenge, Goal, Tier
from engagement.badges.criteria import Measure
from engagement.badges.i18n import language, pick
from engagement.badges.state import AwardKey, HeldAward, MemberState
from engagement.core.facts import Fact


@dataclass(frozen=True, slots=True)
class NewAward:
    """A tier of a badge the member has just met."""

    badge: Badge
    tier: Tier
    period_key: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class NewCompletion:
    challenge: Challenge


def after_action(
    state: MemberState, fact: Fact, *, own: bool, week_start: int
) -> tuple[list[NewAward], list[NewCompletion]]:
    """What ``fact`` (already added to ``state``) earns the member.

    ``own`` is false when the member is the fact's target (kudos they received).
    """
    catalogue = state.catalogue
    goals = catalogue.own(fact.verb) if own else catalogue.received(fact.verb)
    awards: list[NewAward] = []
    completions: list[NewCompletion] = []
    for goal in goals:
        if not goal.open_at(fact.ts) or not goal.criterion.counts(fact):
            continue
        if isinstance(goal, Badge):
            awards.extend(_badge_awards(state, goal, fact, week_start))
        elif isinstance(goal, Challenge) and _completes(state, goal):
            completions.append(NewCompletion(goal))
    return awards, completions


def pending(
    state: MemberState, week_start: int, *, touching: Fact | None = None
) -> tuple[list[NewAward], list[NewCompletion]]:
    """Everything the member's whole history meets but does not hold yet: what a new
    or changed badge owes members once its rule file is activated.

    With ``touching`` (an action that arrived late), only what that action's own
    span can now meet, measured on the whole history (the actions after it too):
    nothing else changed.
    """
    awards: list[NewAward] = []
    completions: list[NewCompletion] = []
    for goal in state.catalogue.goals:
        reads = goal.criterion.reads
        if reads == "none":
            continue
        if touching is not None and not (
            goal.open_at(touching.ts) and goal.criterion.counts(touching)
        ):
            continue
        facts = (
            [touching]
            if touching is not None
            else sorted((state.own if reads == "own" else state.received).values(), key=_when)
        )
        if isinstance(goal, Challenge):
            if _completes(state, goal):
                completions.append(NewCompletion(goal))
            continue
        assert isinstance(goal, Badge)
        measured: set[str | tuple[float, float]] = set()
        claimed: set[AwardKey] = set()
        for fact in facts:
            if not goal.open_at(fact.ts) or not goal.criterion.counts(fact):
                continue
            span = goal.period_key(fact, week_start) or goal.bounds(fact, week_start)
            if span in measured:
                continue
            measured.add(span)
            found = _badge_awards(state, goal, fact, week_start, claimed=claimed)
            claimed.update((a.badge.id, a.tier.name, a.period_key) for a in found)
            awards.extend(found)
    return awards, completions


def _when(fact: Fact) -> tuple[float, int]:
    return fact.ts, fact.seq


def _badge_awards(
    state: MemberState,
    badge: Badge,
    fact: Fact,
    week_start: int,
    *,
    claimed: set[AwardKey] | None = None,
) -> list[NewAward]:
    """Tiers ``fact`` completes.  With ``claimed`` (a backfill), tiers in it are
    skipped too, and the measure is taken even if ``fact`` itself moved nothing."""
    period_key = badge.period_key(fact, week_start)
    if (badge.id, period_key) in state.blocked:
        return []
    held = state.held
    pending = [
        t
        for t in badge.tiers
        if (key := (badge.id, t.name, period_key)) not in held
        and (claimed is None or key not in claimed)
    ]
    if not pending:
        return []
    start, end = badge.bounds(fact, week_start)
    index = state.index(badge.key)
    if claimed is None and not badge.criterion.moved(index, fact, start, end):
        return []
    measure = badge.criterion.measure(index, start, end)
    return [
        NewAward(badge, tier, period_key, start, end)
        for tier in pending
        if badge.criterion.met(measure, tier.target)
    ]


def _completes(state: MemberState, challenge: Challenge) -> bool:
    if challenge.id in state.completed or not challenge.open_to(state.team):
        return False
    return _met(state, challenge, challenge.starts, challenge.ends, challenge.target)


def _met(state: MemberState, goal: Goal, start: float, end: float, target: float) -> bool:
    criterion = goal.criterion
    return criterion.met(criterion.measure(state.index(goal.key), start, end), target)


def after_removal(state: MemberState, fact: Fact, *, own: bool) -> list[HeldAward]:
    """Awards that no longer hold once ``fact`` (already removed from ``state``) is
    gone, among badges whose rule says to revoke rather than keep."""
    catalogue = state.catalogue
    lost: list[HeldAward] = []
    for held in list(state.held.values()):
        badge = catalogue.by_id.get(held.badge_id)
        if held.source != "criteria" or badge is None or badge.on_revocation != "revoke":
            continue
        criterion = badge.criterion
        if criterion.reads != ("own" if own else "received") or not criterion.counts(fact):
            continue
        if not held.period_start <= fact.ts < held.period_end:
            continue
        tier = next((t for t in badge.tiers if t.name == held.tier), None)
        if tier is None:
            continue  # a tier since renamed or removed: nothing to measure it against
        if not _met(state, badge, held.period_start, held.period_end, tier.target):
            lost.append(held)
    return lost


@dataclass(frozen=True, slots=True)
class BadgeProgress:
    """Where a member stands on one badge, for their badge page.

    ``tier`` is the next tier to earn (or the highest, once all are earned);
    ``earned`` lists the tiers held in the current period (``[""]`` for an
    untiered badge that is held).
    """

    badge: str
    name: str
    description: str
    tier: str
    earned: tuple[str, ...]
    current: float
    target: float | None
    """``None`` for a badge only HR grants."""
    percent: int
    complete: bool
    secret: bool
    image: str
    hint: str | None
    period_key: str


def badge_progress(
    state: MemberState, now: float, tz: tzinfo, week_start: int, locale: str | None = None
) -> list[BadgeProgress]:
    """Every badge the member may see, in rule-file order.

    Secret badges appear once earned; time-boxed ones while open or once earned.
    """
    catalogue = state.catalogue
    default = catalogue.default_locale
    locale = locale or state.locale
    probe = Fact(seq=0, member=state.member_id, verb="", ts=now, tz=tz)
    items: list[BadgeProgress] = []
    for badge in catalogue.badges:
        period_key = badge.period_key(probe, week_start)
        earned = tuple(t.name for t in badge.tiers if (badge.id, t.name, period_key) in state.held)
        ever = any(key[0] == badge.id for key in state.held)
        if (badge.secret and not ever) or (not badge.open_at(now) and not ever):
            continue
        next_tier = next((t for t in badge.tiers if t.name not in earned), badge.tiers[-1])
        start, end = badge.bounds(probe, week_start)
        criterion = badge.criterion
        measure = criterion.measure(state.index(badge.key), start, end)
        complete = len(earned) == len(badge.tiers)
        percent = 100 if complete else criterion.percent(measure, next_tier.target)
        items.append(
            BadgeProgress(
                badge=badge.id,
                name=pick(badge.name, locale, default),
                description=pick(badge.description, locale, default),
                tier=next_tier.name,
                earned=earned,
                current=_shown(measure),
                target=None if math.isinf(next_tier.target) else next_tier.target,
                percent=percent,
                complete=complete,
                secret=badge.secret,
                image=next_tier.image,
                hint=None
                if complete or (badge.id, period_key) in state.blocked
                else _hint(state, badge, next_tier, measure, locale),
                period_key=period_key,
            )
        )
    return items


def _shown(measure: Measure) -> float:
    return round(measure.value, 4) if not math.isinf(measure.value) else 0.0


def _hint(
    state: MemberState, badge: Badge, tier: Tier, measure: Measure, locale: str | None
) -> str:
    """``Use 1 more channel to earn Polyglot (silver).``, or HR's own sentence."""
    catalogue = state.catalogue
    default = catalogue.default_locale
    name = badge.title(locale, default)
    full_name = f"{name} ({tier.name})" if tier.name else name
    gap = tier.target - measure.value
    remaining = max(0, math.ceil(gap)) if math.isfinite(gap) else 0
    if badge.hint is not None:
        return fill_hint(
            pick(badge.hint, locale, default),
            remaining=remaining,
            current=_number(_shown(measure)),
            target=_number(tier.target),
            badge=full_name,
            tier=tier.name,
        )
    lang = language(locale, default)
    phrase = badge.criterion.hint(measure, tier.target, catalogue.words, lang)
    phrase = phrase[:1].upper() + phrase[1:]
    if math.isinf(tier.target):  # granted by hand: nothing to earn by acting
        return f"{phrase}."
    joiner = "pour obtenir" if lang == "fr" else "to earn"
    return f"{phrase} {joiner} {full_name}."


def fill_hint(template: str, **values: object) -> str:
    """HR's sentence with its ``{placeholders}`` filled; unknown ones are left as
    written (the loader has already refused malformed templates)."""
    return template.format_map(_Fill(values))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


class _Fill(dict[str, object]):
    """Leaves unknown ``{placeholders}`` in HR's sentences as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def next_badges(progress: list[BadgeProgress], count: int = 3) -> list[BadgeProgress]:
    """The badges closest to being earned, with a sentence on how to get there.

    Manual badges and complete ones are left out: nothing the member does moves them.
    """
    open_ = [p for p in progress if not p.complete and p.hint and p.target is not None]
    return sorted(open_, key=lambda p: (-p.percent, p.badge))[:count]


@dataclass(frozen=True, slots=True)
class LevelStatus:
    """The member's level and what the next one takes."""

    points: int
    level: int
    name: str | None
    next_level: int | None
    next_name: str | None
    points_to_next: int | None


def level_status(state: MemberState, locale: str | None = None) -> LevelStatus:
    levels = state.catalogue.levels
    default = state.catalogue.default_locale
    locale = locale or state.locale
    points = round(state.points)
    current = state.catalogue.level_of(points)
    upcoming = next((lvl for lvl in levels if lvl.points > points), None)
    return LevelStatus(
        points=points,
        level=current.number if current else 0,
        name=pick(current.name, locale, default) if current else None,
        next_level=upcoming.number if upcoming else None,
        next_name=pick(upcoming.name, locale, default) if upcoming else None,
        points_to_next=upcoming.points - points if upcoming else None,
    )


@dataclass(frozen=True, slots=True)
class ChallengeProgress:
    challenge: str
    name: str
    starts: datetime
    ends: datetime
    current: float
    target: float
    percent: int
    completed: bool
    hint: str | None


def challenge_progress(
    state: MemberState, tz: tzinfo, locale: str | None = None
) -> list[ChallengeProgress]:
    """Challenges open to the member's team, with their progress."""
    default = state.catalogue.default_locale
    locale = locale or state.locale
    items: list[ChallengeProgress] = []
    for challenge in state.catalogue.challenges:
        if not challenge.open_to(state.team):
            continue
        criterion = challenge.criterion
        measure = criterion.measure(state.index(challenge.key), challenge.starts, challenge.ends)
        completed = challenge.id in state.completed
        items.append(
            ChallengeProgress(
                challenge=challenge.id,
                name=challenge.title(locale, default),
                starts=datetime.fromtimestamp(challenge.starts, tz),
                ends=datetime.fromtimestamp(challenge.ends, tz),
                current=_shown(measure),
                target=challenge.target,
                percent=100 if completed else criterion.percent(measure, challenge.target),
                completed=completed,
                hint=None if completed else _challenge_hint(state, challenge, measure, locale),
            )
        )
    return items


def _challenge_hint(
    state: MemberState, challenge: Challenge, measure: Measure, locale: str | None
) -> str:
    catalogue = state.catalogue
    default = catalogue.default_locale
    name = challenge.title(locale, default)
    if challenge.hint is not None:
        return fill_hint(
            pick(challenge.hint, locale, default),
            remaining=max(0, math.ceil(challenge.target - measure.value)),
            current=_number(_shown(measure)),
            target=_number(challenge.target),
            challenge=name,
        )
    lang = language(locale, default)
    phrase = challenge.criterion.hint(measure, challenge.target, catalogue.words, lang)
    joiner = "pour terminer" if lang == "fr" else "to complete"
    return f"{phrase[:1].upper()}{phrase[1:]} {joiner} {name}."


def _by_id(held: HeldAward) -> int:
    return held.id


def held_labels(state: MemberState) -> list[str]:
    """``id`` or ``id:tier`` per badge held (its highest tier), in rule-file order."""
    labels: list[str] = []
    for badge in state.catalogue.badges:
        held = sorted((h for h in state.held.values() if h.badge_id == badge.id), key=_by_id)
        if not held:
            continue
        tiers = {h.tier for h in held}
        # A tier renamed since it was awarded still counts, under its old name: the
        # last one awarded.
        highest = next((t.name for t in reversed(badge.tiers) if t.name in tiers), held[-1].tier)
        labels.append(f"{badge.id}:{highest}" if highest else badge.id)
    return labels


@dataclass(frozen=True, slots=True)
class TeamProgress:
    """How far a team has got together; ``percent`` only with a ``team_target``."""

    challenge: str
    team: str
    members: int
    completed: int
    current: float
    target: float | None
    percent: int | None
