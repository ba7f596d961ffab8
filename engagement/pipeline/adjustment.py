"""Manual adjustments: points an administrator adds or takes away, with a reason.

An adjustment is a ledger entry of kind ``manual`` that belongs to no action: a
correction HR makes by hand (a prize, points lost in an outage, a penalty).  Like
every ledger entry it is append-only; undoing one is another adjustment.  It counts
wherever points count (the member's total, level, score rows and the boards'
tallies, in the periods holding the instant it was written), and nowhere actions
count: scoring histories, caps and badges measuring actions never see it, and a
replay leaves it alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from engagement.badges.state import MemberState
from engagement.core.limits import ID_LENGTH, NAME_LENGTH, checked
from engagement.exceptions import InvalidInputError, KeyConflictError, UnknownMemberError
from engagement.leaderboards import book as scorebook
from engagement.leaderboards.book import Owner, ScoreChanges
from engagement.pipeline import snapshots
from engagement.pipeline.outcome import Outcome, level_change
from engagement.pipeline.recognition import Recognition
from engagement.pipeline.unit import AfterCommit
from engagement.rules.board_clock import BoardClock
from engagement.rules.ruleset import Ruleset
from engagement.storage.members import PERSON_COLUMNS, Person
from engagement.storage.tables import MANUAL_ENTRY, ledger, members

MAX_POINTS = 10_000
"""The largest adjustment either way: a typo of a few digits is refused, not booked."""
REASON_MAX = 500
"""An adjustment's reason, in characters: it is shown on the member's ledger page."""
RULE_ID = "manual"

_LOCK = (
    update(members)
    .where(members.c.member_id == bindparam("member"))
    .values(event_seq=members.c.event_seq + 1)
    .returning(*PERSON_COLUMNS, members.c.opted_in)
)
_MANUAL_OF_MEMBER = select(
    ledger.c.points, ledger.c.explanation, ledger.c.created_at, ledger.c.ruleset_version
).where(ledger.c.member_pk == bindparam("pk"), ledger.c.entry_kind == MANUAL_ENTRY)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A manual adjustment as written (or as first written, when ``duplicate``).

    ``by`` names who made it (the administrator, as the host identifies them);
    ``duplicate`` is true when ``key`` had been used for this very adjustment
    before, in which case nothing new was written.
    """

    key: str
    member: str
    points: int
    reason: str
    by: str | None
    created_at: datetime
    duplicate: bool = False

    def explanation(self) -> dict[str, Any]:
        """What the ledger entry's ``explanation`` holds."""
        return {"points": self.points, "reason": self.reason, "by": self.by, "key": self.key}


def checked_request(
    member_id: object, points: object, reason: object, key: object, by: object
) -> tuple[str, int, str, str, str | None]:
    """The request as it is stored, or :class:`InvalidInputError` naming the field."""
    member: str = checked("member_id", member_id, ID_LENGTH)
    if (
        not isinstance(points, int)
        or isinstance(points, bool)
        or points == 0
        or abs(points) > MAX_POINTS
    ):
        raise InvalidInputError(
            f"points: a whole number from -{MAX_POINTS:,} to {MAX_POINTS:,} other than 0, "
            f"not {points!r}"
        )
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInputError(
            "reason: say why, in 1 to 500 characters; the member sees it on their ledger"
        )
    return (
        member,
        points,
        checked("reason", reason.strip(), REASON_MAX),
        checked("key", key, ID_LENGTH),
        checked("by", by, NAME_LENGTH, optional=True),
    )


def adjust(
    connection: Connection,
    clock: BoardClock,
    ruleset_version: int,
    member_id: str,
    points: int,
    reason: str,
    *,
    key: str,
    by: str | None,
) -> tuple[Adjustment, Person | None]:
    """Write the adjustment (arguments as :func:`checked_request` returns them) in the
    caller's transaction, with the member's score rows; the member's locked row, or
    ``None`` for a retry that wrote nothing."""
    row = connection.execute(_LOCK, {"member": member_id}).first()
    if row is None:
        raise UnknownMemberError(f"member: unknown member {member_id!r}")
    person = Person(*row[:6])
    wanted = Adjustment(key, member_id, points, reason, by, datetime.now(UTC))
    # Check-then-insert, which the engine avoids elsewhere, is safe here: every writer
    # of a member's ledger entries holds the member's row lock taken just above until
    # it commits, so no adjustment under this key can be written between the check
    # and the insert.  Keys are the member's: the same key for another member is
    # another adjustment.
    earlier = _earlier(connection, person.pk, key, member_id)
    if earlier is not None:
        if (earlier.points, earlier.reason, earlier.by) != (points, reason, by):
            raise KeyConflictError(
                f"key: {key!r} was used for another adjustment of {member_id!r} "
                f"({earlier.points:+d}: {earlier.reason}); choose a key unique to "
                "each adjustment",
                key=key,
            )
        return earlier, None
    connection.execute(
        ledger.insert(),
        {
            "action_id": None,
            "member_pk": person.pk,
            "entry_kind": MANUAL_ENTRY,
            "points": points,
            "rule_id": RULE_ID,
            "ruleset_version": ruleset_version,
            "explanation": wanted.explanation(),
            "created_at": wanted.created_at,
        },
    )
    changes = ScoreChanges(clock)
    changes.adjusted(person.pk, wanted.created_at.timestamp(), points)
    scorebook.write(connection, changes, {person.pk: Owner(person.team, bool(row.opted_in))})
    # The member's snapshot holds their points and score rows as of before.
    snapshots.discard(connection, [person.pk])
    return wanted, person


def level_after(
    recognition: Recognition,
    connection: Connection,
    ruleset: Ruleset,
    person: Person,
    points: int,
    after_commit: list[AfterCommit],
) -> Outcome:
    """The level the member reaches with the adjustment just written, if a new one.

    Levels follow the member's total, manual points included; badges measure
    actions, so an adjustment earns none.
    """
    outcome = Outcome()
    if not ruleset.catalogue.levels:
        return outcome

    def _add(state: MemberState) -> None:
        state.points += points

    state = recognition.state(connection, ruleset, person, after_commit, apply=_add)
    level_change(state, state.points - points, outcome)
    return outcome


def _earlier(connection: Connection, pk: int, key: str, member_id: str) -> Adjustment | None:
    for points, explanation, created_at, _ in connection.execute(_MANUAL_OF_MEMBER, {"pk": pk}):
        if isinstance(explanation, dict) and explanation.get("key") == key:
            return Adjustment(
                key,
                member_id,
                int(points),
                str(explanation.get("reason") or ""),
                explanation.get("by"),
                created_at,
                duplicate=True,
            )
    return None
