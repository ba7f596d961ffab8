"""Revoking an action: a compensating ledger entry, never an edit or a delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, select, update

from engagement.core.limits import ID_LENGTH, REASON_LENGTH, checked
from engagement.core.scoring import Award
from engagement.exceptions import InvalidInputError, UnknownActionError
from engagement.leaderboards import book as scorebook
from engagement.leaderboards.book import ScoreChanges
from engagement.pipeline import persist, rescoring, snapshots
from engagement.pipeline.arrival import Place
from engagement.rules.ruleset import Ruleset
from engagement.rules.store import active_version
from engagement.storage.database import insert_if_absent
from engagement.storage.tables import actions, ledger, members, revocations


@dataclass(frozen=True, slots=True)
class Revocation:
    """The outcome of revoking one action.

    ``points`` is the (negative or zero) compensating entry; ``duplicate`` is true
    when the action had already been revoked, in which case nothing new was written.
    """

    key: str
    member: str
    points: int
    reason: str
    duplicate: bool = False


_ACTION = (
    select(
        actions.c.id,
        actions.c.member_pk,
        members.c.member_id,
        actions.c.at,
        actions.c.member_seq,
        actions.c.scored_as_of,
        actions.c.verb,
    )
    .join(members, members.c.id == actions.c.member_pk)
    .where(actions.c.key == bindparam("key"))
)
_LOCK = (
    update(members)
    .where(members.c.id == bindparam("pk"))
    .values(event_seq=members.c.event_seq + 1)
    .returning(members.c.event_seq)
)


def checked_request(key: object, reason: object) -> tuple[str, str]:
    """``key`` and ``reason`` as they are stored (see :mod:`engagement.core.limits`), or
    :class:`InvalidInputError` naming the field and its limit."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInputError("reason: say why the action is revoked; it is kept for audit")
    return checked("key", key, ID_LENGTH), checked("reason", reason, REASON_LENGTH)


def marked_revoked(connection: Connection, awards: Sequence[Award]) -> list[Award]:
    """``awards`` with ``revoked`` set on the duplicates whose action was revoked since:
    recording a revoked key again says so rather than show points the member no
    longer has."""
    keys = sorted({award.key for award in awards if award.duplicate})
    revoked: set[str] = set()
    for start in range(0, len(keys), 500):
        revoked.update(
            connection.execute(
                select(actions.c.key)
                .join(revocations, revocations.c.action_id == actions.c.id)
                .where(actions.c.key.in_(keys[start : start + 500]))
            ).scalars()
        )
    if not revoked:
        return list(awards)
    return [
        replace(award, revoked=True) if award.duplicate and award.key in revoked else award
        for award in awards
    ]


def revoke(connection: Connection, key: str, reason: str, ruleset: Ruleset) -> Revocation:
    """Revoke the action logged under ``key``, inside the caller's transaction.

    The member's later actions are re-scored as if the revoked one never happened
    (``rescore`` entries, see :mod:`engagement.pipeline.rescoring`); earlier ones
    are left as they were.  The action leaves the leaderboards in the same
    transaction.
    """
    if not reason or not reason.strip():
        raise InvalidInputError("reason: say why the action is revoked; it is kept for audit")
    found = connection.execute(_ACTION, {"key": key}).first()
    if found is None:
        raise UnknownActionError(f"no action was recorded with key {key!r}")
    action_id, member_pk, member, at, member_seq, scored_as_of, verb = found
    seq = connection.execute(_LOCK, {"pk": member_pk}).scalar_one()
    now = datetime.now(UTC)
    inserted = connection.execute(
        insert_if_absent(connection, revocations, "action_id").returning(revocations.c.id),
        {
            "action_id": action_id,
            "member_pk": member_pk,
            "member_seq": seq,
            "reason": reason,
            "revoked_at": now,
        },
    ).scalar()
    if inserted is None:
        earlier = connection.execute(
            select(revocations.c.reason, ledger.c.points)
            .join(ledger, ledger.c.action_id == revocations.c.action_id)
            .where(revocations.c.action_id == action_id, ledger.c.entry_kind == "revocation")
        ).one()
        return Revocation(key, member, earlier.points, earlier.reason, duplicate=True)
    net = connection.execute(
        select(func.coalesce(func.sum(ledger.c.points), 0)).where(ledger.c.action_id == action_id)
    ).scalar_one()
    connection.execute(
        ledger.insert(),
        {
            "action_id": action_id,
            "member_pk": member_pk,
            "entry_kind": "revocation",
            "points": -int(net),
            "rule_id": "revocation",
            "ruleset_version": active_version(connection) or 0,
            "explanation": {"points": -int(net), "reason": reason, "revoked": int(net)},
            "created_at": now,
        },
    )
    boards = ruleset.boards
    scorebook.revoked(connection, boards, member_pk, at.timestamp(), int(net))
    changes = ScoreChanges(boards)
    later = rescoring.rescore(
        connection,
        ruleset,
        member_pk,
        member,
        start=Place.of(
            at.timestamp(),
            key,
            seq=member_seq,
            scored_as_of=scored_as_of.timestamp() if scored_as_of is not None else None,
        ),
        because=f"an earlier {verb} was revoked",
        boards=changes,
    )
    if later.entries:
        persist.compensate(connection, later.entries, changes)
    # The member's past changed: what their snapshot derived from it no longer holds
    # (the thanked colleague's goes once they are locked: Recognition.after_revocation).
    snapshots.discard(connection, [member_pk])
    return Revocation(key, member, -int(net), reason)
