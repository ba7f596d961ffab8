"""Revision 0002: rescore entries may repeat, manual entries belong to no action,
every other kind stays once per action and ruleset version; going back is refused
while the ledger holds what 0001 cannot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from test_signals import share

from engagement import Engagement
from engagement.migrations import current, downgrade
from engagement.storage.tables import actions, ledger


def entry(action_id: int | None, member_pk: int, kind: str, points: int = 1) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "member_pk": member_pk,
        "entry_kind": kind,
        "points": points,
        "rule_id": kind,
        "ruleset_version": 1,
        "explanation": {},
        "created_at": datetime.now(UTC),
    }


def first_action(engine: Engagement) -> tuple[int, int]:
    with engine.database.connect() as connection:
        row = connection.execute(sa.select(actions.c.id, actions.c.member_pk)).one()
    return int(row.id), int(row.member_pk)


def test_rescore_entries_repeat_and_other_kinds_stay_once(recognising: Any) -> None:
    engine = recognising()
    engine.record(share())
    action_id, member_pk = first_action(engine)
    with engine.database.begin() as connection:
        connection.execute(sa.insert(ledger), [entry(action_id, member_pk, "rescore")] * 2)
        connection.execute(sa.insert(ledger), [entry(None, member_pk, "manual", -3)] * 2)
    for kind in ("award", "adjustment"):
        with pytest.raises(sa.exc.IntegrityError), engine.database.begin() as connection:
            connection.execute(sa.insert(ledger), [entry(action_id, member_pk, kind)] * 2)


def test_going_back_to_0001_is_refused_while_the_ledger_needs_0002(recognising: Any) -> None:
    engine = recognising()
    engine.record(share())
    action_id, member_pk = first_action(engine)
    with engine.database.begin() as connection:
        connection.execute(sa.insert(ledger), entry(action_id, member_pk, "rescore"))
    with pytest.raises(RuntimeError, match="1 rescore or manual entries, which revision 0001"):
        downgrade(engine.database, "0001")
    assert current(engine.database).at_head
    with engine.database.begin() as connection:
        connection.execute(sa.delete(ledger).where(ledger.c.entry_kind == "rescore"))
    assert downgrade(engine.database, "0001").revision == "0001"
