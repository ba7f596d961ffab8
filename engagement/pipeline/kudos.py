"""Kudos: an action in which a member names a colleague, and what is announced of it.

Which verbs name a colleague is the rule file's decision (``target: required`` or
``optional`` in a verb's spec), so the engine never hard-codes a ``kudos`` verb.
An action aimed at its own member thanks nobody and announces nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engagement.core.actions import Action
from engagement.rules.ruleset import Ruleset


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
