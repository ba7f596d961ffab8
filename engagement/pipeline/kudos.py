"""Kudos: an action in which a member names a colleague, and what is announced of it.

Which verbs name a colleague is the rule file's decision (``target: required`` or
``optional`` in a verb's spec), so the engine never hard-codes a ``kudos`` verb.
An action aimed at its own member thanks nobody and announces nothing, and one
aimed at an id the engine does not know is refused: points for thanking nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from engagement.core.actions import Action
from engagement.exceptions import UnknownMemberError
from engagement.rules.ruleset import Ruleset
from engagement.storage.members import missing_members


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
