"""Kudos: an action in which a member names a colleague, and what is announced of it.

Which verbs name a colleague is the rule file's decision (``target: required`` or
``optional`` in a verb's spec), so the engine never hard-codes a ``kudos`` verb.
An action aimed at its own member thanks nobody and announces nothing, and one
aimed at an id the engine does not know is refused: points for thanking nobody.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from engagement.core.actions import Action
from engagement.core.facts import Fact
from engagement.core.periods import from_timestamp
from engagement.exceptions import UnknownMemberError
from engagement.rules.reciprocity import ThanksReturned
from engagement.rules.ruleset import Ruleset
from engagement.storage.members import missing_members
from engagement.storage.prepared import PreparedCache
from engagement.storage.tables import actions, members

_RETURNED = (
    select(actions.c.at)
    .join(members, members.c.id == actions.c.member_pk)
    .where(
        actions.c.target == bindparam("member"),
        actions.c.verb == bindparam("verb"),
        members.c.member_id == bindparam("colleague"),
        actions.c.at >= bindparam("since"),
        actions.c.at < bindparam("until"),
    )
)
_AIMED_AT = (
    select(members.c.member_id, actions.c.target, actions.c.verb, actions.c.id, actions.c.at)
    .join(members, members.c.id == actions.c.member_pk)
    .where(
        actions.c.target.in_(bindparam("members", expanding=True)),
        actions.c.verb.in_(bindparam("verbs", expanding=True)),
    )
)
_PREPARED = PreparedCache()


@dataclass(frozen=True, slots=True)
class KudosGiven:
    """``giver`` named ``receiver`` in a ``verb`` action (kudos, a referral…).

    ``key`` is the action's idempotency key and ``at`` when it happened, with the
    offset it was recorded with; ``text`` is the giver's message, if any.
    """

    key: str
    giver: str
    receiver: str
    verb: str
    at: datetime
    text: str | None = None


def kudos_in(action: Action, ruleset: Ruleset) -> KudosGiven | None:
    """The kudos ``action`` gives a colleague under ``ruleset``, if it gives any."""
    target = action.target
    if target is None or target == action.member:
        return None
    spec = ruleset.verbs.get(action.verb)
    if spec is None or spec.target == "none":
        return None
    return KudosGiven(action.key, action.member, target, action.verb, action.at, action.text)


def colleagues(actions: Iterable[Action], ruleset: Ruleset) -> set[str]:
    """The members ``actions`` are aimed at, besides their own members (targets of
    verbs whose target may be anyone, such as a referred candidate, are not members)."""
    verbs = ruleset.verbs
    return {
        a.target
        for a in actions
        if a.target is not None
        and a.target != a.member
        and (spec := verbs.get(a.verb)) is not None
        and spec.target_is == "member"
    }


def check_targets(connection: Connection, actions: Iterable[Action], ruleset: Ruleset) -> None:
    """Refuse actions aimed at an id that names no member, before anything is written.

    A plain read: member rows are never deleted, only renamed by an erasure.
    """
    batch = list(actions)
    named = colleagues(batch, ruleset)
    if not named:
        return
    missing = missing_members(connection, sorted(named))
    if missing:
        first = next(a for a in batch if a.target in missing)
        shown = ", ".join(map(repr, missing[:10]))
        raise UnknownMemberError(
            f"target: unknown member{'s' if len(missing) > 1 else ''} {shown}; an action "
            "can only be aimed at a member: add them with members.upsert() first",
            key=first.key,
        )


# -- thanks given back ---------------------------------------------------------------
#
# A ``reciprocity`` rule asks, of each thank-you, whether the colleague thanked the
# member back (see :mod:`engagement.core.reciprocity`).  Those thanks are in the
# colleague's log, not the member's, so the writer reads them and passes them with the
# fact (:attr:`Fact.returned`).  Every writer of a thank-you holds both colleagues'
# locks (:func:`reciprocal`), so the thanks back a writer sees are exactly those logged
# before (a lower id): what a replay reads from the log.


def returned_window(ruleset: Ruleset, verb: str) -> float | None:
    """Seconds around a ``verb`` action within which thanks back matter to the
    ruleset's ``reciprocity`` rules; ``None`` when none scores ``verb``."""
    spec = ruleset.verbs.get(verb)
    if spec is None or spec.target == "none" or spec.target_is != "member":
        return None
    found = [r.test.seconds for r in ruleset.pipeline(verb) if isinstance(r, ThanksReturned)]
    return max(found) if found else None


def reciprocal(action: Action, ruleset: Ruleset) -> bool:
    """Whether scoring ``action`` reads the thanks its colleague gave back (their row
    must then be locked too)."""
    target = action.target
    return (
        target is not None
        and target != action.member
        and returned_window(ruleset, action.verb) is not None
    )


def read_returned(connection: Connection, fact: Fact, ruleset: Ruleset) -> None:
    """Set ``fact.returned``: when its colleague thanked its member with the same verb,
    near it in time, as logged so far (one read on ``(target, verb)``)."""
    target = fact.target
    seconds = returned_window(ruleset, fact.verb)
    if target is None or target == fact.member or seconds is None:
        return
    found = _PREPARED.get("returned", connection, lambda: _RETURNED).mappings(
        connection,
        {
            "member": fact.member,
            "verb": fact.verb,
            "colleague": target,
            "since": from_timestamp(fact.ts - seconds),
            "until": from_timestamp(fact.ts + seconds),
        },
    )
    fact.returned = tuple(sorted(row["at"].timestamp() for row in found))


class ThanksBack:
    """Thanks between members, read once for many facts: a batch (the thanks logged
    before it, then its own as they are scored) or a replay (a member's thanks
    received, each with its id, to keep only those logged before each fact)."""

    def __init__(self, ruleset: Ruleset) -> None:
        self._ruleset = ruleset
        self._verbs = sorted(v for v in ruleset.verbs if returned_window(ruleset, v) is not None)
        self._pairs: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)

    def __bool__(self) -> bool:
        return bool(self._verbs)

    def read(self, connection: Connection, receivers: Iterable[str]) -> None:
        """Add the thanks logged so far to each of ``receivers``."""
        names = sorted(set(receivers))
        if not self._verbs or not names:
            return
        for start in range(0, len(names), 500):
            rows = connection.execute(
                _AIMED_AT, {"members": names[start : start + 500], "verbs": self._verbs}
            )
            for giver, receiver, verb, action_id, at in rows:
                self._pairs[(giver, receiver, verb)].append((float(action_id), at.timestamp()))

    def add(self, fact: Fact) -> None:
        """Count ``fact`` (just scored) among the thanks logged before the next facts."""
        if fact.target is not None and fact.verb in self._verbs:
            self._pairs[(fact.member, fact.target, fact.verb)].append((-math.inf, fact.ts))

    def set_returned(self, fact: Fact, logged_before: float = math.inf) -> None:
        """Set ``fact.returned`` from the thanks read, those logged before id
        ``logged_before`` (a replay's) or all of them (a batch's)."""
        target = fact.target
        if target is None or target == fact.member:
            return
        seconds = returned_window(self._ruleset, fact.verb)
        if seconds is None:
            return
        pairs: Sequence[tuple[float, float]] = self._pairs.get((target, fact.member, fact.verb), ())
        low, high = fact.ts - seconds, fact.ts + seconds
        fact.returned = tuple(
            sorted(ts for order, ts in pairs if order < logged_before and low <= ts < high)
        )
