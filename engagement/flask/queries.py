"""What a view needs from several facades, read in one session (one connection).

A view stays "load, one call, dump": where a page shows several things (a member's
summary, a public profile, the badge catalogue), the one call is a function here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engagement.badges.evaluation import BadgeProgress, LevelStatus, next_badges
from engagement.badges.i18n import pick
from engagement.core.facts import Step
from engagement.engine import Engagement
from engagement.exceptions import EngagementError
from engagement.facades import LedgerEntry
from engagement.leaderboards.standings import Neighbourhood
from engagement.storage.members import Member
from engagement.storage.tables import MANUAL_ENTRY

BOARD_PERIODS = ("week", "month", "quarter", "year", "all")


class NotFoundError(EngagementError, LookupError):
    """Nothing public under that id (a member who did not opt in looks like none)."""


@dataclass(frozen=True, slots=True)
class LedgerPage:
    page: int
    per_page: int
    total: int
    entries: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Summary:
    member: Member
    points: int
    level: LevelStatus
    badges: list[BadgeProgress]
    next: list[BadgeProgress]
    boards: list[Neighbourhood]
    ledger: LedgerPage


def enrolled(engine: Engagement, member_id: str, session: Session) -> Member:
    member = engine.members.get(member_id, session=session)
    if member is None:
        raise NotFoundError(
            f"member {member_id!r} is not enrolled in the programme; ask HR to enrol you"
        )
    return member


def summary(
    engine: Engagement, member_id: str, *, page: int, per_page: int, locale: str | None
) -> Summary:
    """The member's page: points, level, badges and what next, their standing on
    every board (everyone and their team), and one page of their ledger."""
    with Session(engine.database) as session:
        member = enrolled(engine, member_id, session)
        badges = engine.badges.progress(member_id, locale=locale, session=session)
        boards = [
            engine.boards.standing(member_id, period, k=0, locale=locale, session=session)
            for period in BOARD_PERIODS
        ]
        if member.team is not None:
            boards += [
                engine.boards.standing(
                    member_id, period, team=member.team, k=0, locale=locale, session=session
                )
                for period in BOARD_PERIODS
            ]
        entries, total = engine.ledger.page(
            member_id, limit=per_page, offset=(page - 1) * per_page, session=session
        )
        return Summary(
            member=member,
            points=engine.ledger.points(member_id, session=session),
            level=engine.badges.level(member_id, locale=locale, session=session),
            badges=badges,
            next=next_badges(badges, 3),
            boards=boards,
            ledger=LedgerPage(page, per_page, total, [_entry(e) for e in entries]),
        )


def _entry(entry: LedgerEntry) -> dict[str, Any]:
    steps = entry.explanation.get("steps") if isinstance(entry.explanation, dict) else None
    if isinstance(steps, list) and steps:
        try:
            line = ", ".join(Step.from_json(s).describe() for s in steps)
        except (KeyError, TypeError, ValueError):
            line = entry.entry_kind
        summary = f"{line} = {entry.points}"
    else:
        explained = entry.explanation if isinstance(entry.explanation, dict) else {}
        reason = explained.get("reason")
        if entry.entry_kind == MANUAL_ENTRY:  # "manual adjustment by hr-ana: prize (+50)"
            by = explained.get("by")
            summary = "manual adjustment" + (f" by {by}" if by else "")
            summary += f": {reason} ({entry.points:+d})" if reason else f" {entry.points:+d}"
        else:
            summary = f"{entry.entry_kind} {entry.points:+d}" + (f": {reason}" if reason else "")
    return {
        "key": entry.key,
        "entry_kind": entry.entry_kind,
        "points": entry.points,
        "rule_id": entry.rule_id,
        "ruleset_version": entry.ruleset_version,
        "explanation": entry.explanation,
        "summary": summary,
        "created_at": entry.created_at,
    }


def profile(engine: Engagement, member_id: str, locale: str | None) -> dict[str, Any]:
    """What a member made public: nothing unless they opted in to the boards."""
    with Session(engine.database) as session:
        member = engine.members.get(member_id, session=session)
        if member is None or not member.opted_in:
            raise NotFoundError(f"no public profile for {member_id!r}")
        level = engine.badges.level(member_id, locale=locale, session=session)
        return {
            "member": member.member_id,
            "display_name": member.display_name,
            "team": member.team,
            "points": level.points,
            "level": level.level,
            "level_name": level.name,
            "badges": engine.badges.earned(member_id, session=session),
        }


def catalogue(
    engine: Engagement, member_id: str | None, reveal: bool, locale: str | None
) -> list[dict[str, Any]]:
    """The rule file's badges; a secret one only once the member holds it (or for an
    administrator, who sees them all)."""
    with Session(engine.database) as session:
        ruleset = engine.active_rules(session=session)
        held = (
            {label.split(":")[0] for label in engine.badges.earned(member_id, session=session)}
            if member_id is not None and engine.members.get(member_id, session=session)
            else set()
        )
    found = ruleset.catalogue
    default = found.default_locale
    return [
        {
            "id": badge.id,
            "name": badge.title(locale, default),
            "description": pick(badge.description, locale, default),
            "secret": badge.secret,
            "tiers": [{"name": t.name, "target": t.target, "image": t.image} for t in badge.tiers],
        }
        for badge in found.badges
        if not badge.secret or reveal or badge.id in held
    ]
