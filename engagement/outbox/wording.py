"""Outbox messages as one plain-English sentence, for chat notifiers.

Names come from :attr:`OutboxMessage.names` (display names at delivery time), so a
renamed member is announced under their new name, and an id stands in for a member
without one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engagement.outbox.message import OutboxMessage

Describe = Callable[[OutboxMessage, Mapping[str, Any]], str]


def describe(message: OutboxMessage) -> str:
    """ "Alice earned the badge Storyteller (silver)", "Bob reached level Champion"…"""
    sentence = _SENTENCES.get(message.event)
    if sentence is None:
        return f"{message.name(message.member)}: {message.event}"
    return sentence(message, message.payload)


def _badge(p: Mapping[str, Any]) -> str:
    name = p.get("name") or p.get("badge")
    return f"{name} ({p['tier']})" if p.get("tier") else str(name)


def _points(points: int) -> str:
    return f"{points} point" if abs(points) == 1 else f"{points} points"


_SENTENCES: dict[str, Describe] = {
    "action-recorded": lambda m, p: (
        f"{m.name(m.member)} recorded a {p['verb']} ({_points(p['points'])})"
    ),
    "points-awarded": lambda m, p: (
        f"{m.name(m.member)} earned {_points(p['points'])} for a {p['verb']}"
    ),
    "kudos-given": lambda m, p: (
        f"{m.name(p['giver'])} thanked {m.name(p['receiver'])}"
        + (f" ({p['verb']})" if p["verb"] != "kudos" else "")
        + (f": “{p['text']}”" if p.get("text") else "")
    ),
    "action-revoked": lambda m, p: (
        f"{m.name(m.member)}'s action {p['key']} was revoked ({_points(p['points'])}): "
        f"{p['reason']}"
    ),
    "points-adjusted": lambda m, p: (
        f"{m.name(m.member)}'s points were adjusted by {p['points']:+d}: {p['reason']}"
    ),
    "badge-awarded": lambda m, p: f"{m.name(m.member)} earned the badge {_badge(p)}",
    "badge-revoked": lambda m, p: f"{m.name(m.member)} lost the badge {_badge(p)}: {p['reason']}",
    "level-reached": lambda m, p: f"{m.name(m.member)} reached level {p['name']}",
    "challenge-completed": lambda m, p: (
        f"{m.name(m.member)} completed the challenge {p['challenge']}"
    ),
}
