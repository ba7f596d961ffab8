"""The engine facade: what a host application holds and calls."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event, func, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from . import privacy, recording, revocation
from . import replay as replaying
from .actions import Action, parse_action
from .analytics import metrics as analytics_metrics
from .analytics.metrics import MetricsReport
from .analytics.model import ProgrammeReport
from .analytics.report import build_report
from .announcing import Announcer
from .badges.criteria import CriterionKindRegistry
from .badges.evaluation import (
    BadgeProgress,
    ChallengeProgress,
    LevelStatus,
    TeamProgress,
    badge_progress,
    challenge_progress,
    held_labels,
    level_status,
    next_badges,
)
from .badges.events import BadgeAwarded, BadgeRevoked
from .badges.kinds import default_criteria
from .badges.service import Outcome, Recognition
from .database import create_database_engine, missing_schema
from .exceptions import InvalidInputError
from .facts import Fact
from .history_cache import HistoryCache
from .leaderboards import boards, tallies
from .leaderboards.ranking import Scope
from .leaderboards.rebuild import RebuildReport
from .leaderboards.rebuild import rebuild as rebuild_scores
from .leaderboards.standings import Leaderboard, Metric, Neighbourhood
from .leaderboards.tables import tallies as tallies_table
from .members import Member, get_member, upsert_member
from .outbox import LEASE, Deliver, DrainReport, OutboxMessage
from .outbox import drain as draining
from .outbox import store as outbox_store
from .privacy import Erasure
from .revocation import Revocation
from .rules import default_registry, load_ruleset, load_ruleset_file
from .rules.kinds import RuleKindRegistry
from .rules.ruleset import Ruleset
from .rules.store import RulesetCache, activate, active_version
from .scoring import Award
from .tables import actions, ledger, members, metadata

AfterCommit = Callable[[], None]
"""Work that must wait until the transaction commits: signals, cache refills."""
_PENDING = "engagement.after_commit"
_ON_ROLLBACK = "engagement.after_rollback"
DEFAULT_DATABASE = "sqlite:///engagement.db"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of the append-only points ledger."""

    key: str
    member: str
    entry_kind: str
    points: int
    rule_id: str
    ruleset_version: int
    explanation: dict[str, Any]
    created_at: datetime


class Engagement:
    """The gamification engine of one programme, over one database.

    Built from a database URL (by default ``sqlite:///engagement.db``, a file in the
    working directory; or ``postgresql+psycopg://…``) or from a host's SQLAlchemy
    :class:`~sqlalchemy.Engine`.
    Every operation accepts ``session=``: given one, it works inside the caller's
    transaction (it flushes, never commits, and its signals wait for the caller's
    commit); without one, it runs in a transaction of its own.

    Errors caused by the caller's input raise :class:`engagement.InvalidInputError`
    (or its subclass :class:`engagement.InvalidActionError`) and write nothing.

    ``history_cache_size`` bounds how many members' histories this process keeps
    between calls (0 turns the cache off).  With ``outbox=True`` every event the
    signals announce is also written to the outbox table, in the same transaction,
    for :meth:`drain_outbox` to deliver to other systems.  :meth:`close`, or leaving a ``with``
    block, releases the connection pool if the engine created it from a URL.
    """

    def __init__(
        self,
        database: str | sa.URL | Engine = DEFAULT_DATABASE,
        *,
        rule_kinds: RuleKindRegistry | None = None,
        criteria_kinds: CriterionKindRegistry | None = None,
        history_cache_size: int = 4096,
        outbox: bool = False,
    ) -> None:
        if (
            not isinstance(history_cache_size, int)
            or isinstance(history_cache_size, bool)
            or history_cache_size < 0
        ):
            raise InvalidInputError(
                f"history_cache_size: a number of members, 0 or more, not {history_cache_size!r}"
            )
        if not isinstance(outbox, bool):
            raise InvalidInputError(f"outbox: True or False, not {outbox!r}")
        self._owns_database = not isinstance(database, Engine)
        self.database = (
            database if isinstance(database, Engine) else create_database_engine(database)
        )
        self.rule_kinds = rule_kinds if rule_kinds is not None else default_registry()
        self.criteria_kinds = criteria_kinds if criteria_kinds is not None else default_criteria()
        """Badge criteria kinds; register a host's own on it before loading rules."""
        self._rulesets = RulesetCache(self.rule_kinds, self.criteria_kinds)
        self._histories = HistoryCache(history_cache_size)
        self._recognition = Recognition(history_cache_size)
        self._announcer = Announcer(outbox=outbox)

    def close(self) -> None:
        """Release the connection pool, if this engine created it.

        A host's own :class:`~sqlalchemy.Engine` is left alone: the host may still use
        it, and disposing it is the host's call.  The cached histories go too.
        """
        self._histories.clear()
        self._recognition.clear()
        if self._owns_database:
            self.database.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- schema and rules ---------------------------------------------------------

    def create_schema(self) -> None:
        """Create the engine's tables (``engagement_*``) where they do not exist yet.

        A database from a version without score tallies gets them counted from its
        score rows, so its boards keep their participants.
        """
        had_tallies = inspect(self.database).has_table(tallies_table.name)
        metadata.create_all(self.database)
        if not had_tallies:
            with self.database.begin() as connection:
                tallies.recount(connection)

    def drop_schema(self) -> None:
        """Drop the engine's tables and everything in them."""
        metadata.drop_all(self.database)

    def load_rules(self, path: str | Path) -> Ruleset:
        """Validate the rule file at ``path`` without activating it.

        Raises :class:`engagement.RuleFileError` listing every problem.
        """
        return load_ruleset_file(path, self.rule_kinds, self.criteria_kinds)

    def load_rules_text(self, text: str, *, source: str = "<rules>") -> Ruleset:
        return load_ruleset(text, self.rule_kinds, source=source, criteria=self.criteria_kinds)

    def activate_rules(
        self, rules: str | Path | Ruleset, *, session: Session | None = None
    ) -> Ruleset:
        """Make ``rules`` (a path or a loaded :class:`Ruleset`) the active ruleset.

        A new version is stored and switched to in one transaction; a file with
        problems raises before anything is written.  Actions recorded earlier keep
        the points they were given; use :meth:`replay` to rescore them.
        """
        ruleset = rules if isinstance(rules, Ruleset) else self.load_rules(rules)
        source = str(rules) if not isinstance(rules, Ruleset) else "<rules>"
        # The version number only becomes this text's once the transaction commits: a
        # rolled-back activation frees it for another text, which the cache (keyed by
        # version) must then not shadow.  So it is remembered after commit, and on
        # rollback every compiled version (also one read back inside the doomed
        # transaction) is dropped, to be recompiled from the database on demand.
        with self._unit(session, on_rollback=[self._forget_rulesets]) as (
            connection,
            after_commit,
        ):
            version = active_version(connection)
            previous = self._rulesets.get(connection, version) if version is not None else None
            stored = activate(connection, ruleset, source)
            if previous is None or previous.boards.signature != stored.boards.signature:
                # The boards' weeks or seasons moved: every score row is re-cut.
                rebuild_scores(connection, stored.boards)
            after_commit.append(partial(self._rulesets.remember, stored))
        return stored

    def _forget_rulesets(self) -> None:
        self._rulesets = RulesetCache(self.rule_kinds, self.criteria_kinds)

    def active_rules(self, *, session: Session | None = None) -> Ruleset:
        with self._unit(session) as (connection, _):
            return self._rulesets.active(connection)

    # -- members ------------------------------------------------------------------

    def upsert_member(
        self, member_id: str, *, session: Session | None = None, **fields: Any
    ) -> Member:
        """Create or update a member: ``display_name``, ``team``, ``opted_in``,
        ``timezone`` (IANA name) and ``locale``; fields not passed are kept."""
        unknown = set(fields) - {"display_name", "team", "opted_in", "timezone", "locale"}
        if unknown:
            raise InvalidInputError(f"unknown member field(s): {', '.join(sorted(unknown))}")
        with self._unit(session) as (connection, _):
            return upsert_member(connection, member_id, **fields)

    def get_member(self, member_id: str, *, session: Session | None = None) -> Member | None:
        with self._unit(session) as (connection, _):
            return get_member(connection, member_id)

    # -- recording ----------------------------------------------------------------

    def record(
        self, action: Action | Mapping[str, Any], *, session: Session | None = None
    ) -> Award:
        """Log one action and award its points; idempotent by ``action.key``.

        Recording a key again, even concurrently from another process, awards
        nothing new and returns the first award with ``duplicate=True``.
        """
        parsed = parse_action(action)
        with self._unit(session) as (connection, after_commit):
            recorded = recording.record_one(connection, parsed, self._rulesets, self._histories)
            award = recorded.award
            if recorded.history is not None and recorded.member_pk is not None:
                after_commit.append(
                    partial(self._histories.put, recorded.member_pk, recorded.history)
                )
            if not award.duplicate:
                outcome = self._recognise(connection, recorded, after_commit)
                if outcome.awarded:
                    award = replace(award, badges=tuple(outcome.awarded))
                self._announcer.awards(
                    connection, after_commit, [(parsed, award)], recorded.ruleset
                )
                self._announcer.outcome(connection, after_commit, outcome)
        return award

    def _recognise_batch(
        self,
        connection: Connection,
        ruleset: Ruleset,
        awards: list[Award],
        written: list[tuple[Fact, int]],
        after_commit: list[AfterCommit],
    ) -> tuple[list[Award], Outcome]:
        # New awards come in logging order, the order of ``written``.
        keys = [award.key for award in awards if not award.duplicate]
        outcome = self._recognition.after_batch(
            connection,
            ruleset,
            [(fact, action_id, key) for (fact, action_id), key in zip(written, keys, strict=True)],
            after_commit,
        )
        if not outcome.awarded:
            return awards, outcome
        earned: dict[str, list[BadgeAwarded]] = {}
        for badge in outcome.awarded:
            earned.setdefault(badge.action_key or "", []).append(badge)
        return [
            replace(award, badges=tuple(earned[award.key]))
            if not award.duplicate and award.key in earned
            else award
            for award in awards
        ], outcome

    def _recognise(
        self, connection: Connection, recorded: recording.Recorded, after_commit: list[AfterCommit]
    ) -> Outcome:
        """Evaluate the badges, levels and challenges a freshly recorded action moves."""
        if recorded.fact is None or recorded.ruleset is None or recorded.person is None:
            return Outcome()
        assert recorded.action_id is not None
        return self._recognition.after_action(
            connection,
            recorded.ruleset,
            recorded.fact,
            person=recorded.person,
            action_id=recorded.action_id,
            action_key=recorded.award.key,
            after_commit=after_commit,
            target=recorded.target,
        )

    def record_many(
        self,
        actions: Iterable[Action | Mapping[str, Any]],
        *,
        session: Session | None = None,
        create_members: bool = False,
        notify: bool = False,
    ) -> list[Award]:
        """Log many actions in order, all or nothing, much faster than :meth:`record`.

        Made for imports and backfills, which is why signals and outbox messages are
        only sent with ``notify=True``.  With ``create_members``, unknown members are created
        (not opted in).  Every action is validated before anything is written.
        """
        parsed = [parse_action(action) for action in actions]
        with self._unit(session) as (connection, after_commit):
            ruleset = self._rulesets.active(connection)
            written: list[tuple[Fact, int]] = []
            self._recognition.lock_batch(connection, ruleset, parsed)
            awards = recording.record_batch(
                connection, parsed, ruleset, create_members=create_members, written=written
            )
            awards, outcome = self._recognise_batch(
                connection, ruleset, awards, written, after_commit
            )
            if notify:
                self._announcer.awards(
                    connection, after_commit, zip(parsed, awards, strict=True), ruleset
                )
                self._announcer.outcome(connection, after_commit, outcome)
        return awards

    def revoke(self, key: str, reason: str, *, session: Session | None = None) -> Revocation:
        """Revoke the action logged under ``key`` with a compensating ledger entry.

        Revoking twice writes nothing more and returns the first revocation with
        ``duplicate=True``.  Raises :class:`engagement.UnknownActionError` for a key
        never recorded.
        """
        with self._unit(session) as (connection, after_commit):
            ruleset = self._rulesets.active(connection)
            target = self._recognition.lock_before_revocation(connection, ruleset, key)
            result = revocation.revoke(connection, key, reason, ruleset.boards)
            if not result.duplicate:
                outcome = self._recognition.after_revocation(
                    connection, ruleset, key, reason, after_commit, locked_target=target
                )
                self._announcer.revocation(connection, after_commit, result)
                self._announcer.outcome(connection, after_commit, outcome)
        return result

    # -- notifications --------------------------------------------------------------

    def drain_outbox(
        self,
        deliver: Deliver,
        *,
        limit: int = 100,
        max_attempts: int = 8,
        lease: timedelta = LEASE,
        now: datetime | None = None,
    ) -> DrainReport:
        """Deliver up to ``limit`` due outbox messages to ``deliver``, at least once.

        ``deliver`` returns once a message is delivered and raises if it was not: the
        message is then retried with exponential backoff, and dead-lettered after
        ``max_attempts`` (see :meth:`requeue_dead`).  Messages are claimed for
        ``lease`` and delivered outside any transaction, so several drainers (cron
        jobs, workers) can run at once; a drainer that dies leaves its messages to
        come back after the lease, which is why a receiver can see a message twice
        and must be idempotent on :attr:`OutboxMessage.id`.  Runs in transactions of
        its own (there is no ``session=``).
        """
        return draining.drain(
            self.database,
            deliver,
            limit=limit,
            max_attempts=max_attempts,
            lease=lease,
            now=now,
        )

    def outbox_messages(
        self, status: str | None = None, *, limit: int | None = 100, session: Session | None = None
    ) -> list[OutboxMessage]:
        """Outbox messages, oldest first: all, or those ``pending``, ``delivered`` or
        ``dead`` (dead letters carry their ``last_error``)."""
        with self._unit(session) as (connection, _):
            return outbox_store.messages(connection, status, limit)

    def requeue_dead(
        self, ids: Iterable[int] | None = None, *, session: Session | None = None
    ) -> int:
        """Give dead letters (all, or those with ``ids``) a fresh set of attempts,
        due at once; returns how many.  Fix the receiver first."""
        chosen = None if ids is None else list(ids)
        with self._unit(session) as (connection, _):
            return outbox_store.requeue_dead(connection, chosen, datetime.now(UTC))

    def prune_outbox(self, delivered_before: datetime, *, session: Session | None = None) -> int:
        """Delete messages delivered before ``delivered_before``; returns how many.

        Delivered rows are kept for inspection until pruned; pending and dead ones
        are never pruned.
        """
        if not isinstance(delivered_before, datetime) or delivered_before.tzinfo is None:
            raise InvalidInputError("delivered_before: give an aware datetime (with a time zone)")
        with self._unit(session) as (connection, _):
            return outbox_store.prune(connection, delivered_before)

    # -- badges, levels and challenges ---------------------------------------------

    def badges(
        self,
        member_id: str,
        *,
        locale: str | None = None,
        at: datetime | None = None,
        session: Session | None = None,
    ) -> list[BadgeProgress]:
        """Every badge the member can see, with current/target, percent and a hint.

        Texts are in ``locale`` (default: the member's, then the rule file's).
        Secret badges only appear once earned.
        """
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            state, tz = self._recognition.read_state(connection, ruleset, member_id)
            now = _instant(at)
            return badge_progress(state, now, tz, ruleset.clock.week_start, locale)

    def next_badges(
        self,
        member_id: str,
        count: int = 3,
        *,
        locale: str | None = None,
        at: datetime | None = None,
        session: Session | None = None,
    ) -> list[BadgeProgress]:
        """The ``count`` badges the member is closest to, each with a sentence on how
        to get there ("Share on 1 more channel to earn Polyglot (silver).")."""
        return next_badges(self.badges(member_id, locale=locale, at=at, session=session), count)

    def earned_badges(self, member_id: str, *, session: Session | None = None) -> list[str]:
        """The badges the member holds, as ``id`` or ``id:tier`` (highest tier held)."""
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            state, _ = self._recognition.read_state(connection, ruleset, member_id)
            return held_labels(state)

    def level(
        self, member_id: str, *, locale: str | None = None, session: Session | None = None
    ) -> LevelStatus:
        """The member's level from cumulative points, and what the next one takes."""
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            state, _ = self._recognition.read_state(connection, ruleset, member_id)
            return level_status(state, locale)

    def challenges(
        self, member_id: str, *, locale: str | None = None, session: Session | None = None
    ) -> list[ChallengeProgress]:
        """The challenges open to the member's team, with the member's progress."""
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            state, tz = self._recognition.read_state(connection, ruleset, member_id)
            return challenge_progress(state, tz, locale)

    def team_progress(
        self, challenge_id: str, team: str, *, session: Session | None = None
    ) -> TeamProgress:
        """A team's progress on a challenge: members, completions, their sum."""
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            return self._recognition.team_progress(connection, ruleset, challenge_id, team)

    def award_pending_badges(
        self,
        members: Iterable[str] | None = None,
        *,
        notify: bool = False,
        session: Session | None = None,
    ) -> list[BadgeAwarded]:
        """Award the badges and challenge completions members' histories already meet
        but they do not hold (all members, or ``members``).

        Run it after activating a rule file that adds or lowers badges: recording
        only evaluates what each new action moves.  Like imports, it announces
        nothing unless ``notify`` is true.
        """
        with self._unit(session) as (connection, after_commit):
            ruleset = self._rulesets.active(connection)
            chosen = list(members) if members is not None else None
            outcome = self._recognition.backfill(connection, ruleset, chosen, after_commit)
            if notify:
                self._announcer.outcome(connection, after_commit, outcome)
            return outcome.awarded

    def grant_badge(
        self,
        member_id: str,
        badge_id: str,
        *,
        reason: str,
        tier: str | None = None,
        session: Session | None = None,
    ) -> BadgeAwarded:
        """Award a badge by hand (a ``manual`` badge, or any badge HR sees fit), with a
        reason kept for audit.  Granting a badge already held writes nothing."""
        with self._unit(session) as (connection, after_commit):
            ruleset = self._rulesets.active(connection)
            award, new = self._recognition.grant(
                connection,
                ruleset,
                member_id,
                badge_id,
                tier=tier,
                reason=reason,
                now=_instant(None),
                after_commit=after_commit,
            )
            if new:
                self._announcer.outcome(connection, after_commit, Outcome(awarded=[award]))
            return award

    def revoke_badge(
        self,
        member_id: str,
        badge_id: str,
        *,
        reason: str,
        tier: str | None = None,
        session: Session | None = None,
    ) -> list[BadgeRevoked]:
        """Revoke the member's awards of a badge (one tier, or all) with a reason.

        The awards stay on record with their revocation; nothing is deleted.
        """
        with self._unit(session) as (connection, after_commit):
            ruleset = self._rulesets.active(connection)
            revoked = self._recognition.take_back(
                connection,
                ruleset,
                member_id,
                badge_id,
                tier=tier,
                reason=reason,
                after_commit=after_commit,
            )
            self._announcer.outcome(connection, after_commit, Outcome(revoked=revoked))
            return revoked

    # -- leaderboards -------------------------------------------------------------

    def leaderboard(
        self,
        period: str = "week",
        *,
        at: datetime | None = None,
        team: str | None = None,
        group: str | None = None,
        metric: Metric = "points",
        limit: int = 20,
        offset: int = 0,
        locale: str | None = None,
        reveal: bool = False,
        session: Session | None = None,
    ) -> Leaderboard:
        """The top of a board: ``period`` is ``week``, ``month``, ``quarter``, ``year``,
        ``all`` or ``season:<id>`` (the one containing ``at``, default now, in the
        boards' time zone); scope everyone, a ``team`` or a ``group``
        (:meth:`set_group`); ``metric`` ``points`` or ``variety`` (distinct verbs,
        channels and topics).  Only members who opted in appear.  ``reveal`` gives
        every entry its exact rank, whatever the rule file's ``exact_ranks`` lets
        members see: for HR's reports, not for pages members read."""
        scope = Scope(team, group)
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            return boards.leaderboard(
                connection, ruleset, period, _instant(at), scope, metric, limit, offset, locale,
                reveal=reveal,
            )  # fmt: skip

    def standing(
        self,
        member_id: str,
        period: str = "week",
        *,
        at: datetime | None = None,
        team: str | None = None,
        group: str | None = None,
        metric: Metric = "points",
        k: int = 3,
        locale: str | None = None,
        session: Session | None = None,
    ) -> Neighbourhood:
        """Where a member stands ("around me"): their rank or band, percentile, the
        ``k`` members above and below, and how many take part.  A member who has not
        opted in gets where they would stand, for their eyes only."""
        scope = Scope(team, group)
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            return boards.neighbourhood(
                connection, ruleset, member_id, period, _instant(at), scope, metric, k, locale
            )

    def set_group(
        self, group_id: str, member_ids: Iterable[str], *, session: Session | None = None
    ) -> int:
        """Make ``member_ids`` the whole membership of a custom group with its own
        boards (a region, a pilot cohort); returns its size.  An empty list empties it."""
        with self._unit(session) as (connection, _):
            return boards.set_group(connection, group_id, member_ids)

    def rebuild_leaderboards(
        self, *, check: bool = False, session: Session | None = None
    ) -> RebuildReport:
        """Recompute every board's score rows from the ledger; with ``check``, only
        report rows that differ.  Rows are kept in step by every write, so a check
        finding differences means a bug or a database edited by hand."""
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            return rebuild_scores(connection, ruleset.boards, check=check)

    # -- privacy ------------------------------------------------------------------

    def opt_in(self, member_id: str, *, session: Session | None = None) -> Member:
        """The member agrees to appear on public boards (from now, on all of them)."""
        with self._unit(session) as (connection, _):
            return privacy.set_consent(connection, member_id, True)

    def opt_out(self, member_id: str, *, session: Session | None = None) -> Member:
        """The member leaves every public board at once; they keep their points and
        badges, and still see privately where they would stand."""
        with self._unit(session) as (connection, _):
            return privacy.set_consent(connection, member_id, False)

    def erase_member(self, member_id: str, *, session: Session | None = None) -> Erasure:
        """Erase a member's personal data (right to erasure): their id becomes a random
        pseudonym, their name, time zone, locale, texts and HR's reasons about them go,
        and colleagues' actions naming them name the pseudonym.  Points, badges and
        aggregates stay, anonymous.  Irreversible; the old id can join again as new."""
        with self._unit(session) as (connection, _):
            return privacy.erase(connection, member_id)

    def export_member(self, member_id: str, *, session: Session | None = None) -> dict[str, Any]:
        """Everything held on one member, as JSON-ready data (right of access)."""
        with self._unit(session) as (connection, _):
            return privacy.export(connection, member_id)

    # -- replay and reading -------------------------------------------------------

    def replay(
        self, *, apply: bool = False, rules: Ruleset | None = None, session: Session | None = None
    ) -> replaying.ReplayReport:
        """Rescore the whole log under the active ruleset (or ``rules``).

        Without ``apply`` it only reports differences with the ledger; with it, it
        appends an adjustment entry per differing action, so the ledger then equals
        the replay while keeping its history.  Only the active ruleset can be applied
        (:class:`engagement.InvalidInputError` otherwise): the ledger must agree with
        what later actions, scored under the active rules, will be given.
        """
        with self._unit(session) as (connection, _):
            ruleset = rules if rules is not None else self._rulesets.active(connection)
            return replaying.replay(connection, ruleset, apply=apply)

    def replayed_awards(self, *, rules: Ruleset | None = None) -> Iterator[Award]:
        """The award each logged action gets when the log is replayed, member by member."""
        with self.database.connect() as connection:
            try:
                ruleset = rules if rules is not None else self._rulesets.active(connection)
                for replayed in replaying.replay_awards(connection, ruleset):
                    yield replayed.award
            except Exception as error:
                _raise_if_not_configured(connection, error)
                raise

    def points(self, member_id: str, *, session: Session | None = None) -> int:
        """The member's current total: awards, adjustments and revocations."""
        with self._unit(session) as (connection, _):
            return int(
                connection.execute(
                    select(func.coalesce(func.sum(ledger.c.points), 0))
                    .join(members, members.c.id == ledger.c.member_pk)
                    .where(members.c.member_id == member_id)
                ).scalar_one()
            )

    def totals(self, *, session: Session | None = None) -> dict[str, int]:
        """Every member's current total, members without points included."""
        with self._unit(session) as (connection, _):
            rows = connection.execute(
                select(members.c.member_id, func.coalesce(func.sum(ledger.c.points), 0))
                .outerjoin(ledger, ledger.c.member_pk == members.c.id)
                .group_by(members.c.member_id)
            )
            return {member: int(points) for member, points in rows}

    def ledger(
        self, member_id: str | None = None, *, session: Session | None = None
    ) -> list[LedgerEntry]:
        """Ledger entries in the order they were written, for one member or all."""
        query = (
            select(
                actions.c.key,
                members.c.member_id,
                ledger.c.entry_kind,
                ledger.c.points,
                ledger.c.rule_id,
                ledger.c.ruleset_version,
                ledger.c.explanation,
                ledger.c.created_at,
            )
            .join(actions, actions.c.id == ledger.c.action_id)
            .join(members, members.c.id == ledger.c.member_pk)
            .order_by(ledger.c.id)
        )
        if member_id is not None:
            query = query.where(members.c.member_id == member_id)
        with self._unit(session) as (connection, _):
            return [LedgerEntry(*row) for row in connection.execute(query)]

    # -- analytics ------------------------------------------------------------------

    def report_metrics(
        self,
        key: str,
        *,
        impressions: int | None = None,
        clicks: int | None = None,
        reactions: int | None = None,
        at: datetime | None = None,
        session: Session | None = None,
    ) -> MetricsReport:
        """Record the reach a network reported for the action logged under ``key``.

        The counters are cumulative: for each one, the latest report (by ``at``, when
        the network counted; default now) replaces earlier ones and the metrics the
        action was logged with.  The action log is not changed.  Raises
        :class:`engagement.UnknownActionError` for an unknown key and
        :class:`engagement.InvalidInputError` for a negative or non-integer counter;
        nothing is written then.
        """
        with self._unit(session) as (connection, _):
            return analytics_metrics.report_metrics(
                connection, key, impressions=impressions, clicks=clicks, reactions=reactions, at=at
            )

    def programme_report(
        self,
        period: str = "month",
        *,
        at: datetime | date | None = None,
        start: date | None = None,
        end: date | None = None,
        season: str | None = None,
        team: str | None = None,
        by_team: bool = False,
        top: int = 10,
        session: Session | None = None,
    ) -> ProgrammeReport:
        """The programme's KPIs for a period, in the leaderboards' time zone.

        ``period`` is ``week``, ``month``, ``quarter`` or ``year`` (the one containing
        ``at``, default now) or ``all``; ``season`` (an id of the rule file's
        ``leaderboards.seasons``) or ``start`` and ``end`` (dates, both included) take
        precedence.  ``team`` limits every figure to one team; ``by_team`` adds a
        section per team.  Revoked actions never count; only members who opted in
        are named among the ``top`` contributors.  Bad arguments raise
        :class:`engagement.InvalidInputError`.  See docs/analytics.md.
        """
        with self._unit(session) as (connection, _):
            ruleset = self._rulesets.active(connection)
            return build_report(
                connection,
                ruleset,
                period,
                at=at,
                start=start,
                end=end,
                season=season,
                team=team,
                by_team=by_team,
                top=top,
            )

    # -- transactions and after_commit -------------------------------------------------

    @contextmanager
    def _unit(
        self, session: Session | None, *, on_rollback: Iterable[AfterCommit] = ()
    ) -> Iterator[tuple[Connection, list[AfterCommit]]]:
        """A connection in a transaction, and a list of work to run once it commits.

        ``on_rollback`` runs if the work fails or the caller's session does not commit.
        A statement that fails because the engine's tables are missing raises
        :class:`engagement.NotConfiguredError`; that check runs only on failure.
        """
        after_commit: list[AfterCommit] = []
        if session is None:
            try:
                with self.database.begin() as connection:
                    tallies.discard(connection)
                    try:
                        yield connection, after_commit
                        tallies.flush(connection)
                    except Exception as error:
                        tallies.discard(connection)
                        _raise_if_not_configured(connection, error)
                        raise
            except BaseException:
                _run(list(on_rollback))
                raise
            _run(after_commit)
            return
        connection = session.connection()
        tallies.discard(connection)
        try:
            yield connection, after_commit
            # The host's session may write more before it commits; the tallies still
            # come after every member lock the engine took.
            tallies.flush(connection)
        except Exception as error:
            tallies.discard(connection)
            _run(list(on_rollback))
            _raise_if_not_configured(connection, error)
            raise
        if after_commit or on_rollback:
            _defer_until_commit(session, after_commit, list(on_rollback))


def _raise_if_not_configured(connection: Connection, error: Exception) -> None:
    """Raise :class:`NotConfiguredError` from ``error`` if the engine's tables are missing."""
    replacement = missing_schema(connection, error)
    if replacement is not None:
        raise replacement from error


def _instant(at: datetime | None) -> float:
    if at is None:
        return time.time()
    if at.tzinfo is None:
        raise InvalidInputError("at: give an aware datetime (with a time zone)")
    return at.timestamp()


def _run(after_commit: list[AfterCommit]) -> None:
    for work in after_commit:
        work()


def _defer_until_commit(
    session: Session, after_commit: list[AfterCommit], on_rollback: list[AfterCommit]
) -> None:
    """Run ``after_commit`` when ``session`` commits, or ``on_rollback`` when its
    transaction ends otherwise (rolled back, or closed without a commit)."""
    pending: list[AfterCommit] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        session.info[_ON_ROLLBACK] = []

        def _after_commit(committed: Session) -> None:
            ready = list(committed.info.get(_PENDING, ()))
            committed.info[_PENDING] = []
            committed.info[_ON_ROLLBACK] = []
            _run(ready)

        def _after_transaction_end(ended: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is not None:  # a savepoint or subtransaction
                return
            undo = list(ended.info.get(_ON_ROLLBACK, ()))  # empty after a commit
            ended.info[_PENDING] = []
            ended.info[_ON_ROLLBACK] = []
            _run(undo)

        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_transaction_end", _after_transaction_end)
    pending.extend(after_commit)
    session.info[_ON_ROLLBACK].extend(on_rollback)
