"""What a European HR department must be able to do with one member's data.

Consent to appear on public boards can be given and withdrawn at any time, and
takes effect on every board in the same transaction.  Erasure removes what
identifies the person (their id, name, time zone, locale, the texts they wrote, the
reasons HR typed about them on badges and manual adjustments) and keeps the
numbers, so programme aggregates and other members' totals do not change: the
erased member's rows live on under a random pseudonym that nothing links back to
the person.  Outbox messages about the member are dropped.  Where the rule file
sets ``privacy: {erase_keys: true}`` (hosts whose action keys embed names or
addresses), the keys of the member's actions and of colleagues' actions aimed at
them are replaced by random ones too.  Erasure is the one case where append-only
tables are edited; it is the law's exception, not a revocation.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, or_, select, update

from engagement.analytics.tables import metric_reports
from engagement.badges.tables import badge_awards, badge_revocations, challenge_completions
from engagement.exceptions import UnknownMemberError
from engagement.leaderboards import book as scorebook
from engagement.leaderboards.book import Owner
from engagement.leaderboards.tables import group_members, scores
from engagement.outbox.tables import outbox
from engagement.pipeline import snapshots
from engagement.storage.members import Member, get_member, lock_order
from engagement.storage.tables import MANUAL_ENTRY, actions, ledger, members, revocations

ERASED_PREFIX = "erased-"


@dataclass(frozen=True, slots=True)
class Erasure:
    """The outcome of erasing a member: the pseudonym their numbers now live under,
    how many of their texts were removed and how many colleagues' actions named them."""

    member: str
    pseudonym: str
    texts_removed: int
    mentions_replaced: int
    keys_replaced: int = 0
    """Action keys replaced by random ones (only with ``privacy.erase_keys``)."""


def set_consent(connection: Connection, member_id: str, opted_in: bool) -> Member:
    """Record the member's choice to appear on public boards, on every board at once."""
    row = connection.execute(
        update(members)
        .where(members.c.member_id == member_id)
        .values(opted_in=opted_in, event_seq=members.c.event_seq + 1)
        .returning(members.c.id, members.c.team)
    ).first()
    if row is None:
        raise UnknownMemberError(f"member: unknown member {member_id!r}")
    scorebook.member_changed(connection, row.id, Owner(row.team, opted_in))
    found = get_member(connection, member_id)
    assert found is not None
    return found


def erase(connection: Connection, member_id: str, *, erase_keys: bool = False) -> Erasure:
    """Erase ``member_id``'s personal data, keeping anonymous aggregates (see module);
    with ``erase_keys``, the keys of the actions by or aimed at the member too."""
    pk = _pk(connection, member_id)
    pseudonym = f"{ERASED_PREFIX}{uuid.uuid4().hex}"
    namers = set(
        connection.execute(
            select(actions.c.member_pk).where(actions.c.target == member_id).distinct()
        ).scalars()
    )
    # The colleagues the member's actions name keep, in their snapshots, what they
    # received under the member's id: those snapshots go too.
    thanked = set(
        connection.execute(
            select(members.c.id)
            .join(actions, actions.c.target == members.c.member_id)
            .where(actions.c.member_pk == pk)
            .distinct()
        ).scalars()
    )
    # Every member whose rows change is locked, in the order every writer uses.
    locked = select(members.c.id).where(members.c.id.in_(sorted(namers | thanked | {pk})))
    if connection.dialect.name == "postgresql":
        locked = locked.order_by(lock_order("postgresql")).with_for_update()
    connection.execute(locked).all()
    renamed = _replace_keys(connection, pk, member_id) if erase_keys else {}
    connection.execute(
        update(members)
        .where(members.c.id == pk)
        .values(
            member_id=pseudonym,
            display_name=None,
            timezone=None,
            locale=None,
            opted_in=False,
            event_seq=members.c.event_seq + 1,
        )
    )
    texts = connection.execute(
        update(actions)
        .where(actions.c.member_pk == pk, actions.c.text.is_not(None))
        .values(text=None)
    ).rowcount
    named = [
        row
        for row in connection.execute(
            select(actions.c.id).where(actions.c.target == member_id)
        ).scalars()
    ]
    connection.execute(
        update(actions).where(actions.c.target == member_id).values(target=pseudonym)
    )
    _rewrite_explanations(connection, named, member_id, pseudonym)
    if namers - {pk}:
        # Their cached histories still name the member: make them reload.
        connection.execute(
            update(members)
            .where(members.c.id.in_(sorted(namers - {pk})))
            .values(event_seq=members.c.event_seq + 1)
        )
    connection.execute(
        update(badge_awards).where(badge_awards.c.member_pk == pk).values(reason=None)
    )
    _forget_manual_reasons(connection, pk, erase_keys=erase_keys)
    connection.execute(delete(group_members).where(group_members.c.member_pk == pk))
    # Texts, fingerprints and targets changed: snapshots derived from them go.
    snapshots.discard(connection, namers | thanked | {pk})
    _forget_messages(connection, member_id, {member_id: pseudonym, **renamed})
    scorebook.member_changed(connection, pk, Owner(_team(connection, pk), False))
    return Erasure(member_id, pseudonym, int(texts or 0), len(named), len(renamed))


_NEW_KEY = (
    update(actions).where(actions.c.id == bindparam("action_id")).values(key=bindparam("new_key"))
)


def _replace_keys(connection: Connection, pk: int, member_id: str) -> dict[str, str]:
    """Give the actions by or aimed at the member random keys; old key to new."""
    found = connection.execute(
        select(actions.c.id, actions.c.key).where(
            or_(actions.c.member_pk == pk, actions.c.target == member_id)
        )
    ).all()
    renamed = {key: f"{ERASED_PREFIX}{uuid.uuid4().hex}" for _, key in found}
    if found:
        connection.execute(
            _NEW_KEY, [{"action_id": id_, "new_key": renamed[key]} for id_, key in found]
        )
    return renamed


def _forget_messages(connection: Connection, member_id: str, renamed: dict[str, str]) -> None:
    """Drop the outbox messages about the member (news of an erased person must not
    go out) and, in colleagues' messages, replace each value in ``renamed`` (the
    member's id, replaced keys) by its new one."""
    connection.execute(delete(outbox).where(outbox.c.member_id == member_id))
    for message_id, payload in connection.execute(select(outbox.c.id, outbox.c.payload)).all():
        rewritten = _renamed(payload, renamed)
        if rewritten != payload:
            connection.execute(
                update(outbox).where(outbox.c.id == message_id).values(payload=rewritten)
            )


def _renamed(value: Any, renamed: dict[str, str]) -> Any:
    """``value`` (decoded JSON) with every string in ``renamed``, key or value, replaced."""
    if isinstance(value, str):
        return renamed.get(value, value)
    if isinstance(value, list):
        return [_renamed(item, renamed) for item in value]
    if isinstance(value, dict):
        return {renamed.get(k, k): _renamed(v, renamed) for k, v in value.items()}
    return value


def _forget_manual_reasons(connection: Connection, pk: int, *, erase_keys: bool) -> None:
    """Keep the member's manual entries' points, as their other entries', and drop the
    reasons HR typed about them (and their keys, with ``erase_keys``)."""
    for entry_id, explanation in connection.execute(
        select(ledger.c.id, ledger.c.explanation).where(
            ledger.c.member_pk == pk, ledger.c.entry_kind == MANUAL_ENTRY
        )
    ).all():
        rewritten = {**(explanation if isinstance(explanation, dict) else {}), "reason": None}
        if erase_keys:
            rewritten["key"] = f"{ERASED_PREFIX}{uuid.uuid4().hex}"
        connection.execute(
            update(ledger).where(ledger.c.id == entry_id).values(explanation=rewritten)
        )


def _rewrite_explanations(
    connection: Connection, action_ids: list[int], old: str, new: str
) -> None:
    """Replace the member's id in colleagues' award explanations ("kudos to …")."""
    if not action_ids:
        return
    entries = connection.execute(
        select(ledger.c.id, ledger.c.explanation).where(ledger.c.action_id.in_(action_ids))
    ).all()
    for entry_id, explanation in entries:
        text = json.dumps(explanation)
        if old in text:
            rewritten = json.loads(text.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
            connection.execute(
                update(ledger).where(ledger.c.id == entry_id).values(explanation=rewritten)
            )


def export(connection: Connection, member_id: str) -> dict[str, Any]:
    """Everything the engine holds on ``member_id``, as JSON-ready data (a subject
    access request): profile, actions with their texts, ledger, badges, challenge
    completions, reach reported later, board rows and groups."""
    pk = _pk(connection, member_id)
    profile = connection.execute(select(members).where(members.c.id == pk)).one()._asdict()
    revoked = {
        action_id: (reason, revoked_at)
        for action_id, reason, revoked_at in connection.execute(
            select(revocations.c.action_id, revocations.c.reason, revocations.c.revoked_at).where(
                revocations.c.member_pk == pk
            )
        )
    }
    logged = []
    for row in connection.execute(
        select(actions).where(actions.c.member_pk == pk).order_by(actions.c.member_seq)
    ):
        item = row._asdict()
        reason, revoked_at = revoked.get(item["id"], (None, None))
        item.update(revoked=item["id"] in revoked, revoked_reason=reason, revoked_at=revoked_at)
        logged.append(item)
    keys = {row["id"]: row["key"] for row in logged}
    entries = [
        {**row._asdict(), "key": keys.get(row.action_id) or _manual_key(row.explanation)}
        for row in connection.execute(
            select(ledger).where(ledger.c.member_pk == pk).order_by(ledger.c.id)
        )
    ]
    awards = [
        row._asdict()
        for row in connection.execute(
            select(
                badge_awards,
                badge_revocations.c.reason.label("revoked_reason"),
                badge_revocations.c.revoked_at,
            )
            .outerjoin(badge_revocations, badge_revocations.c.award_id == badge_awards.c.id)
            .where(badge_awards.c.member_pk == pk)
            .order_by(badge_awards.c.id)
        )
    ]
    received = connection.execute(
        select(func.count()).where(actions.c.target == member_id)
    ).scalar_one()
    data = {
        "exported_at": datetime.now(UTC),
        "member": _public(profile),
        "actions": [_public(row) for row in logged],
        "ledger": [_public(row) for row in entries],
        "badges": [_public(row) for row in awards],
        "challenges": [
            _public(row._asdict())
            for row in connection.execute(
                select(challenge_completions).where(challenge_completions.c.member_pk == pk)
            )
        ],
        "leaderboard_rows": [
            _public(row._asdict())
            for row in connection.execute(
                select(scores).where(scores.c.member_pk == pk).order_by(scores.c.period)
            )
        ],
        "metric_reports": [
            {**_public(row._asdict()), "key": keys.get(row.action_id)}
            for row in connection.execute(
                select(metric_reports)
                .join(actions, actions.c.id == metric_reports.c.action_id)
                .where(actions.c.member_pk == pk)
                .order_by(metric_reports.c.id)
            )
        ],
        "groups": sorted(
            connection.execute(
                select(group_members.c.group_id).where(group_members.c.member_pk == pk)
            ).scalars()
        ),
        "actions_naming_member": int(received),
    }
    exported: dict[str, Any] = json.loads(json.dumps(data, default=_jsonable))
    return exported


def _manual_key(explanation: Any) -> str | None:
    """A manual entry's own key (it belongs to no action)."""
    return explanation.get("key") if isinstance(explanation, dict) else None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without the engine's internal keys, which mean nothing to the member."""
    return {k: v for k, v in row.items() if k not in {"id", "member_pk", "award_id"}}


def _jsonable(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def _pk(connection: Connection, member_id: str) -> int:
    pk = connection.execute(select(members.c.id).where(members.c.member_id == member_id)).scalar()
    if pk is None:
        raise UnknownMemberError(f"member: unknown member {member_id!r}")
    return int(pk)


def _team(connection: Connection, pk: int) -> str | None:
    return connection.execute(select(members.c.team).where(members.c.id == pk)).scalar()
