"""The fixed mix of operations, the same for the HTTP clients and the baseline.

An operation is what a member does, not how it travels: :mod:`bench.load.client`
turns it into a request, :mod:`bench.load.direct` into an engine call.  Each stream
is seeded, so a run can be repeated; keys are unique to the run and the stream, and
a duplicate re-sends an action the same stream sent before (a client's retry).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

KINDS = ("record", "duplicate", "kudos", "me", "leaderboard")
"""Every kind of operation, in the order of the reports."""
WRITES = frozenset({"record", "duplicate", "kudos"})
"""The kinds that are record requests (the target counts them together)."""
WEIGHTS = {"record": 55, "duplicate": 5, "kudos": 10, "me": 20, "leaderboard": 10}
"""Percentages: 70% record requests (of which about 5 in 70 re-send a key and 10 in
70 are kudos), 20% a member's own page, 10% a board."""
MIXES = {
    "mixed": WEIGHTS,
    "writes": {"record": 79, "duplicate": 7, "kudos": 14, "me": 0, "leaderboard": 0},
}
"""``mixed``, the issue's; ``writes``, its record requests alone in the same
proportions, to see what writing costs without the reads beside it."""
PERIODS = ("week", "month", "all")
TEAMS = 10
CHANNELS = ("linkedin", "x", "mastodon", "intranet")
TOPICS = ("product", "hiring", "events", "culture", "research", "customers")


def member_id(index: int) -> str:
    return f"m{index:05d}"


@dataclass(frozen=True, slots=True)
class Operation:
    """One thing a member does: ``body`` is the JSON body or query of its request."""

    kind: str
    member: int
    body: dict[str, Any]

    @property
    def key(self) -> str | None:
        return self.body.get("key") if self.kind in WRITES else None


def _action(rng: random.Random, key: str) -> dict[str, Any]:
    verb = rng.choices(("share", "post", "suggest", "read", "training"), (50, 10, 10, 25, 5))[0]
    action: dict[str, Any] = {"key": key, "verb": verb}
    if verb in ("share", "read"):
        item = rng.randrange(400)
        action["content"] = {"id": f"c{item}", "topics": [TOPICS[item % len(TOPICS)]]}
    if verb == "share":
        action["channel"] = rng.choice(CHANNELS)
        if rng.random() < 0.5:
            action["text"] = f"my take on item {rng.randrange(10_000)}: worth a read"
    if verb == "suggest":
        action["text"] = f"what about a post on subject {rng.randrange(10_000)}?"
    return action


def stream(seed: int, prefix: str, members: int, mix: str = "mixed") -> Iterator[Operation]:
    """An endless stream of operations (the caller bounds it by time or count)."""
    rng = random.Random(seed)
    kinds = list(MIXES[mix])
    weights = list(MIXES[mix].values())
    sent: list[Operation] = []
    for n in range(1 << 62):
        kind = rng.choices(kinds, weights)[0]
        who = rng.randrange(members)
        if kind == "duplicate" and not sent:
            kind = "record"
        if kind == "record":
            op = Operation("record", who, _action(rng, f"{prefix}-{n}"))
            sent.append(op)
            del sent[:-50]
        elif kind == "duplicate":
            earlier = rng.choice(sent)
            op = Operation("duplicate", earlier.member, earlier.body)
        elif kind == "kudos":
            to = (who + 1 + rng.randrange(members - 1)) % members
            op = Operation("kudos", who, {"key": f"{prefix}-{n}", "to": member_id(to)})
        elif kind == "me":
            op = Operation("me", who, {"page": 1, "per_page": 10})
        else:
            op = Operation("leaderboard", who, {"period": rng.choice(PERIODS), "limit": 20})
        yield op
