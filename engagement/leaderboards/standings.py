"""What a leaderboard shows: standings, boards and a member's neighbourhood."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Metric = Literal["points", "variety"]
METRICS: tuple[Metric, ...] = ("points", "variety")


@dataclass(frozen=True, slots=True)
class Standing:
    """One member on one board.

    ``rank`` is a dense rank (ties share it, the next score is one lower) and is
    ``None`` past the rule file's ``exact_ranks``: those members see ``band``
    instead.  ``top_percent`` is how far down the board the member is (1 for the
    leaders of a large board, 100 for the last); ``band`` is the smallest of the
    rule file's bands that covers it, ``None`` below the last band so that nobody is
    told they are in the bottom half.  Within a rank, members are listed in the order
    they joined the programme.
    """

    member: str
    display_name: str | None
    team: str | None
    score: int
    points: int
    variety: int
    actions: int
    rank: int | None
    top_percent: int
    band: int | None
    public: bool = True
    """Whether the member appears on the public board (opted in)."""
    you: bool = False
    """The member who asked (``around``)."""


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """The first entries of a board.  ``participants`` counts every public member
    with a score row in the period and scope, not only those listed."""

    period: str
    name: str | None
    starts: datetime | None
    ends: datetime | None
    metric: Metric
    scope: str
    participants: int
    entries: tuple[Standing, ...]


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """Where a member stands on a board, with the ``k`` members just above and below.

    A member who has not opted in sees where they *would* stand (``me.public`` is
    false; ``participants`` then counts them too), and nobody else sees them.
    """

    period: str
    name: str | None
    starts: datetime | None
    ends: datetime | None
    metric: Metric
    scope: str
    participants: int
    me: Standing
    above: tuple[Standing, ...]
    below: tuple[Standing, ...]


@dataclass(frozen=True, slots=True)
class Display:
    """How much of a standing the rule file lets members see."""

    exact_ranks: int | None
    bands: tuple[int, ...]

    def top_percent(self, ahead: int, participants: int) -> int:
        return max(1, math.ceil(100 * (ahead + 1) / max(participants, 1)))

    def band(self, top_percent: int) -> int | None:
        return next((band for band in self.bands if top_percent <= band), None)

    def rank(self, rank: int) -> int | None:
        return rank if self.exact_ranks is None or rank <= self.exact_ranks else None
