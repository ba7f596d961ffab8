"""The naive baseline: the default rules written the way most teams would write them.

Plain SQLAlchemy ORM, declarative mapped classes on tables of their own (``naive_*``),
one :class:`~sqlalchemy.orm.Session` per action.  Every rule is answered by asking
the database again: how many shares on this channel this week, how many points this
week, was this content already shared here, how many corporate shares in the last 30
days, which channels and topics were already used this month.  Then the action, its
topics and a ledger row are inserted and the session commits.

It approximates :file:`engagement/rules/default.yaml` closely enough to do the same
amount of work, not to give the same points: the personalisation ratio is simplified
(words of the text not in the suggested text, compared as sets), the reused-words test
compares those own words verbatim, and the engine's other refinements (per-verb rule
scoping of history, revocations, explanations in words) are left out.  Input goes
through the same pydantic validation as the engine's (:func:`engagement.core.actions.parse_action`),
so that validation costs the same on both sides.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from engagement.core.actions import Action, parse_action
from engagement.storage.database import create_database_engine

VERB_POINTS = {
    "share": 10,
    "post": 30,
    "suggest": 15,
    "read": 1,
    "training": 20,
    "referral": 40,
    "kudos": 5,
}
TARGETED = {"referral", "kudos"}
CORPORATE = {"corporate", "promotional", "product"}
SHARE_REPEATS = (1.0, 1.0, 1.0, 0.5, 0.25, 0.1, 0.0)
READ_REPEATS = (1.0, 1.0, 0.5, 0.0)
KUDOS_REPEATS = (1.0, 0.5, 0.0)
_WORD = re.compile(r"\w+")


class Base(DeclarativeBase):
    """The baseline's own metadata: its tables never mix with ``engagement_*``."""


class NaiveMember(Base):
    __tablename__ = "naive_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(255), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))


class NaiveAction(Base):
    __tablename__ = "naive_actions"
    __table_args__ = (Index("ix_naive_actions_member_at", "member_pk", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    member_pk: Mapped[int] = mapped_column(ForeignKey("naive_members.id"))
    verb: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime())  # naive UTC
    channel: Mapped[str | None] = mapped_column(String(64))
    content_id: Mapped[str | None] = mapped_column(String(255))
    content_kind: Mapped[str | None] = mapped_column(String(64))
    suggested_text: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    own_text: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(String(255))
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    member: Mapped[NaiveMember] = relationship()
    topics: Mapped[list[NaiveTopic]] = relationship(cascade="all, delete-orphan")


class NaiveTopic(Base):
    __tablename__ = "naive_action_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("naive_actions.id"), index=True)
    topic: Mapped[str] = mapped_column(String(64))


class NaiveLedger(Base):
    __tablename__ = "naive_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("naive_actions.id"), unique=True)
    member_pk: Mapped[int] = mapped_column(ForeignKey("naive_members.id"), index=True)
    points: Mapped[int]
    explanation: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime())


@dataclass(slots=True)
class NaiveReplayReport:
    actions: int = 0
    changed: int = 0


class NaiveEngagement:
    """The baseline, with the slice of the engine's API the benchmarks call."""

    def __init__(self, url: str) -> None:
        # The engine's SQLite settings (WAL, synchronous=NORMAL, BEGIN IMMEDIATE), so
        # that both sides pay for the same durability and the comparison is about code.
        self.database: Engine = create_database_engine(url)

    def create_schema(self) -> None:
        Base.metadata.create_all(self.database)

    def drop_schema(self) -> None:
        Base.metadata.drop_all(self.database)

    def upsert_member(self, member_id: str, *, timezone: str) -> None:
        with Session(self.database) as session, session.begin():
            member = session.scalar(select(NaiveMember).filter_by(member_id=member_id))
            if member is None:
                session.add(NaiveMember(member_id=member_id, timezone=timezone))
            else:
                member.timezone = timezone

    def record(self, data: Action | Mapping[str, Any]) -> int:
        """Score and store one action in a transaction of its own; its points."""
        action = parse_action(data)
        with Session(self.database) as session, session.begin():
            return _record(session, action)

    def record_many(self, batch: Iterable[Action | Mapping[str, Any]]) -> list[int]:
        """The same, for many actions in one session and one transaction."""
        parsed = [parse_action(data) for data in batch]
        with Session(self.database) as session, session.begin():
            return [_record(session, action) for action in parsed]

    def replay(self) -> NaiveReplayReport:
        """Rescore every logged action against the ones logged before it."""
        report = NaiveReplayReport()
        with Session(self.database) as session:
            logged = session.scalars(
                select(NaiveAction).order_by(NaiveAction.id).execution_options(yield_per=1000)
            )
            for action in logged:
                ledger = session.scalars(select(NaiveLedger).filter_by(action_id=action.id)).one()
                member = action.member
                points, _ = _score(
                    session,
                    member,
                    _Facts.of_row(action, ZoneInfo(member.timezone)),
                    before_id=action.id,
                )
                report.actions += 1
                report.changed += points != ledger.points
        return report

    def totals(self) -> dict[str, int]:
        with Session(self.database) as session:
            rows = session.execute(
                select(NaiveMember.member_id, func.coalesce(func.sum(NaiveLedger.points), 0))
                .outerjoin(NaiveLedger, NaiveLedger.member_pk == NaiveMember.id)
                .group_by(NaiveMember.member_id)
            )
            return {member_id: int(points) for member_id, points in rows}


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the queries need to know about the action being scored."""

    member_id: str
    verb: str
    at: datetime  # naive UTC, as stored
    local_day: date
    tz: ZoneInfo
    channel: str | None
    content_id: str | None
    content_kind: str | None
    topics: tuple[str, ...]
    target: str | None
    own_words: Sequence[str]
    words: int

    @classmethod
    def of_action(cls, action: Action, tz: ZoneInfo) -> _Facts:
        content = action.content
        own, words = _own_words(action.text, content.suggested_text if content else None)
        return cls(
            member_id=action.member,
            verb=action.verb,
            at=action.at.astimezone(UTC).replace(tzinfo=None),
            local_day=action.at.astimezone(tz).date(),
            tz=tz,
            channel=action.channel,
            content_id=content.id if content else None,
            content_kind=content.kind if content else None,
            topics=content.topics if content else (),
            target=action.target,
            own_words=own,
            words=words,
        )

    @classmethod
    def of_row(cls, row: NaiveAction, tz: ZoneInfo) -> _Facts:
        own, words = _own_words(row.text, row.suggested_text)
        return cls(
            member_id=row.member.member_id,
            verb=row.verb,
            at=row.at,
            local_day=row.at.replace(tzinfo=UTC).astimezone(tz).date(),
            tz=tz,
            channel=row.channel,
            content_id=row.content_id,
            content_kind=row.content_kind,
            topics=tuple(topic.topic for topic in row.topics),
            target=row.target,
            own_words=own,
            words=words,
        )


def _record(session: Session, action: Action) -> int:
    existing = session.scalar(select(NaiveAction).filter_by(key=action.key))
    if existing is not None:  # idempotent: the points it got the first time
        return session.scalars(select(NaiveLedger.points).filter_by(action_id=existing.id)).one()
    member = session.scalars(select(NaiveMember).filter_by(member_id=action.member)).one()
    facts = _Facts.of_action(action, ZoneInfo(member.timezone))
    points, explanation = _score(session, member, facts, before_id=None)
    content = action.content
    row = NaiveAction(
        key=action.key,
        member=member,
        verb=action.verb,
        at=facts.at,
        channel=action.channel,
        content_id=facts.content_id,
        content_kind=facts.content_kind,
        suggested_text=content.suggested_text if content else None,
        text=action.text,
        own_text=" ".join(facts.own_words) or None,
        target=action.target,
        metrics=action.metrics.model_dump() if action.metrics else None,
        topics=[NaiveTopic(topic=topic) for topic in facts.topics],
    )
    session.add(row)
    session.flush()
    session.add(
        NaiveLedger(
            action_id=row.id,
            member_pk=member.id,
            points=points,
            explanation=explanation,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
    )
    session.flush()
    return points


def _score(
    session: Session, member: NaiveMember, facts: _Facts, *, before_id: int | None
) -> tuple[int, list[str]]:
    """The default rules, each answered with its own query over the member's history."""
    verb = facts.verb
    total = float(VERB_POINTS[verb])
    steps = [f"+{total:g} {verb}"]
    if verb in TARGETED and facts.target == facts.member_id:
        return 0, [*steps, "x0 aimed at yourself"]

    def history(*conditions: Any) -> Any:
        clauses = [NaiveAction.member_pk == member.id, *conditions]
        if before_id is not None:  # replay: only what was logged before
            clauses.append(NaiveAction.id < before_id)
        return and_(*clauses)

    def count(*conditions: Any) -> int:
        return session.scalar(select(func.count(NaiveAction.id)).where(history(*conditions))) or 0

    def points(*conditions: Any) -> int:
        return (
            session.scalar(
                select(func.coalesce(func.sum(NaiveLedger.points), 0))
                .join(NaiveAction, NaiveAction.id == NaiveLedger.action_id)
                .where(history(*conditions))
            )
            or 0
        )

    day = _bounds(facts.local_day, facts.tz, "day")
    week = _bounds(facts.local_day, facts.tz, "week")
    month = _bounds(facts.local_day, facts.tz, "month")

    def within(bounds: tuple[datetime, datetime]) -> Any:
        return NaiveAction.at.between(bounds[0], bounds[1] - timedelta(microseconds=1))

    # Personal words: shares and suggestions, not reused within 90 days.
    if verb in ("share", "suggest"):
        distinct = len(set(facts.own_words))
        if distinct >= 4:
            reused = count(
                NaiveAction.own_text == " ".join(facts.own_words),
                within((facts.at - timedelta(days=90), facts.at + timedelta(days=90))),
            )
            if not reused:
                bonus = 15 * min(1.0, len(facts.own_words) / facts.words / 0.6)
                total += bonus
                steps.append(f"+{bonus:.3g} personal words")

    # Variety: a channel, topic or verb new this month, +5 each, at most +10.
    new = 0
    if facts.channel is not None and not count(NaiveAction.channel == facts.channel, within(month)):
        new += 1
    if not count(NaiveAction.verb == verb, within(month)):
        new += 1
    if facts.topics:
        seen = set(
            session.scalars(
                select(NaiveTopic.topic)
                .distinct()
                .join(NaiveAction, NaiveAction.id == NaiveTopic.action_id)
                .where(history(within(month)))
            )
        )
        new += len(set(facts.topics) - seen)
    if new:
        bonus = min(10, 5 * new)
        total += bonus
        steps.append(f"+{bonus} variety")

    # Diminishing returns.
    if verb == "share":
        earlier = count(
            NaiveAction.verb == "share", NaiveAction.channel == facts.channel, within(week)
        )
        total *= SHARE_REPEATS[min(earlier, len(SHARE_REPEATS) - 1)]
    elif verb in ("read", "suggest"):
        earlier = count(NaiveAction.verb == verb, within(day))
        total *= READ_REPEATS[min(earlier, len(READ_REPEATS) - 1)]
    elif verb == "kudos":
        earlier = count(
            NaiveAction.verb == "kudos", NaiveAction.target == facts.target, within(week)
        )
        total *= KUDOS_REPEATS[min(earlier, len(KUDOS_REPEATS) - 1)]

    if verb == "share":
        # Once per content and channel.
        if count(
            NaiveAction.verb == "share",
            NaiveAction.content_id == facts.content_id,
            NaiveAction.channel == facts.channel,
        ):
            total = 0.0
            steps.append("x0 already shared")
        # The 80/20 content mix over 30 days either side.
        if facts.content_kind in CORPORATE:
            recent = within((facts.at - timedelta(days=30), facts.at + timedelta(days=30)))
            shares = count(NaiveAction.verb == "share", recent) + 1
            corporate = (
                count(
                    NaiveAction.verb == "share",
                    NaiveAction.content_kind.in_(CORPORATE),
                    recent,
                )
                + 1
            )
            if corporate > max(1, math.floor(0.2 * shares + 1e-9)):
                total *= 0.25
                steps.append("x0.25 content mix")

    # Caps: the remainder up to the cap, never more.
    if verb == "share":
        total = min(total, max(0, 120 - points(NaiveAction.verb == "share", within(week))))
    if verb == "read":
        total = min(total, max(0, 10 - points(NaiveAction.verb == "read", within(week))))
    total = min(total, max(0, 150 - points(within(day))))
    return max(0, int(total + 0.5 + 1e-9)), steps


def _own_words(text: str | None, suggested: str | None) -> tuple[list[str], int]:
    """The words of ``text`` that are not in ``suggested``, and the number of words."""
    if not text:
        return [], 0
    written = _WORD.findall(text.lower())
    offered = set(_WORD.findall(suggested.lower())) if suggested else set()
    return [word for word in written if word not in offered], len(written)


def _bounds(day: date, tz: ZoneInfo, unit: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of the local day, week or month containing ``day``, in naive UTC."""
    if unit == "day":
        start, end = day, day + timedelta(days=1)
    elif unit == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    else:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)

    def utc(local: date) -> datetime:
        midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
        return midnight.astimezone(UTC).replace(tzinfo=None)

    return utc(start), utc(end)
