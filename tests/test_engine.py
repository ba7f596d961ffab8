from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import MONDAY, ActionFactory
from sqlalchemy.orm import Session

from engagement import (
    Award,
    Engagement,
    InvalidActionError,
    InvalidInputError,
    NotConfiguredError,
    UnknownActionError,
    UnknownMemberError,
)
from engagement.signals import action_recorded, action_revoked, points_awarded
from engagement.tables import actions, ledger, members


def counts(engine: Engagement) -> tuple[int, int, int]:
    with engine.database.connect() as connection:
        return (
            connection.execute(sa.select(sa.func.count()).select_from(actions)).scalar_one(),
            connection.execute(sa.select(sa.func.count()).select_from(ledger)).scalar_one(),
            connection.execute(sa.select(sa.func.sum(members.c.event_seq))).scalar_one() or 0,
        )


@pytest.fixture
def alice(engine: Engagement) -> Engagement:
    engine.upsert_member("alice", display_name="Alice", team="Sales", timezone="Europe/Paris")
    engine.upsert_member("bob", timezone="Europe/Paris")
    return engine


def test_record_awards_points_and_explains_them(
    alice: Engagement, make_action: ActionFactory
) -> None:
    award = alice.record(make_action(text="My own take: this changes how we plan cloud budgets"))
    assert award.points == 35  # 10 share + 15 personal + 10 variety (capped)
    assert award.summary.startswith("+10 share, +15 personal words (")
    [entry] = alice.ledger("alice")
    assert (entry.entry_kind, entry.points, entry.rule_id) == ("award", 35, "verbs.share")
    assert entry.ruleset_version == 1
    assert entry.explanation == award.explanation()
    assert alice.points("alice") == 35


def test_recording_a_key_twice_awards_once(alice: Engagement, make_action: ActionFactory) -> None:
    action = make_action()
    first = alice.record(action)
    again = alice.record({**action, "at": (MONDAY + timedelta(days=1)).isoformat()})
    assert again.duplicate and not first.duplicate
    assert (again.points, again.steps) == (first.points, first.steps)
    assert counts(alice)[:2] == (1, 1)


BAD_ACTIONS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"verb": "dance"}, InvalidActionError, "verb: unknown verb 'dance'; known: kudos, post"),
    ({"at": "2026-07-06T09:00:00"}, InvalidActionError, "at: needs a time zone offset"),
    ({"member": "nobody"}, UnknownMemberError, "member: unknown member 'nobody'"),
    ({"text": "x" * 5001}, InvalidActionError, "text: 5001 characters, more than the limit"),
    ({"content": None}, InvalidActionError, "content: a 'share' action needs content"),
    ({"colour": "red"}, InvalidActionError, "colour: unknown field"),
    ({"key": ""}, InvalidActionError, "key: String should have at least 1 character"),
    ({"verb": "kudos", "content": None, "channel": None}, InvalidActionError, "target: a 'kudos'"),
    ({"target": "bob"}, InvalidActionError, "target: a 'share' action has no target"),
    ({"content": {"id": "c", "kind": "x", "extra": 1}}, InvalidActionError, "content.extra"),
]


@pytest.mark.parametrize(("change", "error", "message"), BAD_ACTIONS)
def test_bad_actions_raise_one_error_type_and_write_nothing(
    alice: Engagement,
    make_action: ActionFactory,
    change: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    action = {k: v for k, v in {**make_action(), **change}.items() if v is not None}
    before = counts(alice)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        alice.record(action)
    assert issubclass(error, InvalidActionError)
    assert counts(alice) == before


def test_missing_fields_are_listed(alice: Engagement) -> None:
    with pytest.raises(InvalidActionError) as caught:
        alice.record({"key": "k1", "member": "alice"})
    assert str(caught.value) == "action 'k1': verb: is required; at: is required"


def test_recording_without_an_active_ruleset_says_what_to_do(database_url: str) -> None:
    engine = Engagement(database_url)
    engine.create_schema()
    with pytest.raises(NotConfiguredError, match=r"call Engagement.activate_rules\(path\)"):
        engine.record({"key": "k", "member": "a", "verb": "share", "at": MONDAY.isoformat()})
    engine.database.dispose()


def test_revoke_writes_a_compensating_entry(alice: Engagement, make_action: ActionFactory) -> None:
    action = make_action()
    award = alice.record(action)
    revocation = alice.revoke(action["key"], "the post was deleted")
    assert revocation.points == -award.points
    assert alice.points("alice") == 0
    kinds = [(e.entry_kind, e.points) for e in alice.ledger("alice")]
    assert kinds == [("award", award.points), ("revocation", -award.points)]
    again = alice.revoke(action["key"], "twice")
    assert again.duplicate and again.reason == "the post was deleted"
    assert len(alice.ledger("alice")) == 2


def test_revoke_refuses_unknown_keys_and_empty_reasons(
    alice: Engagement, make_action: ActionFactory
) -> None:
    with pytest.raises(UnknownActionError, match="no action was recorded with key 'nope'"):
        alice.revoke("nope", "why not")
    action = make_action()
    alice.record(action)
    with pytest.raises(InvalidInputError, match="reason: say why the action is revoked"):
        alice.revoke(action["key"], "  ")
    assert len(alice.ledger()) == 1


def test_record_many_is_all_or_nothing(alice: Engagement, make_action: ActionFactory) -> None:
    good = [make_action(at=MONDAY + timedelta(hours=h)) for h in range(3)]
    bad = make_action(verb="dance")
    with pytest.raises(InvalidActionError, match="unknown verb 'dance'"):
        alice.record_many([*good, bad])
    assert counts(alice)[:2] == (0, 0)


def test_record_many_returns_awards_in_order_with_duplicates(
    alice: Engagement, make_action: ActionFactory
) -> None:
    first, second = make_action(), make_action(at=MONDAY + timedelta(hours=1))
    alice.record(first)
    awards = alice.record_many([second, first, second])
    assert [a.key for a in awards] == [second["key"], first["key"], second["key"]]
    assert [a.duplicate for a in awards] == [False, True, True]
    assert awards[0].points == awards[2].points
    assert counts(alice)[:2] == (2, 2)


def test_record_many_creates_members_only_when_asked(
    engine: Engagement, make_action: ActionFactory
) -> None:
    batch = [make_action(member="zoe"), make_action(member="yann")]
    with pytest.raises(UnknownMemberError, match="unknown members 'yann', 'zoe'"):
        engine.record_many(batch)
    engine.record_many(batch, create_members=True)
    zoe = engine.get_member("zoe")
    assert zoe is not None and zoe.opted_in is False  # never enrolled on a board by default


def test_members_are_upserted_field_by_field(engine: Engagement) -> None:
    engine.upsert_member("alice", display_name="Alice", team="Sales", opted_in=True)
    updated = engine.upsert_member("alice", team="Marketing")
    assert (updated.display_name, updated.team, updated.opted_in) == ("Alice", "Marketing", True)
    with pytest.raises(InvalidInputError, match="unknown time zone 'Paris'"):
        engine.upsert_member("alice", timezone="Paris")
    with pytest.raises(InvalidInputError, match="unknown member field"):
        engine.upsert_member("alice", shoe_size=42)
    with pytest.raises(InvalidInputError, match="member_id: a non-empty string"):
        engine.upsert_member("")


def test_signals_fire_after_commit(alice: Engagement, make_action: ActionFactory) -> None:
    received: list[Award] = []

    def receiver(sender: object, award: Award) -> None:
        received.append(award)

    with action_recorded.connected_to(receiver), points_awarded.connected_to(receiver):
        award = alice.record(make_action())
        alice.record(make_action(key=award.key))  # duplicate: no signal
    assert received == [award, award]


def test_signals_wait_for_the_callers_commit_and_skip_rollbacks(
    alice: Engagement, make_action: ActionFactory
) -> None:
    received: list[str] = []

    def receiver(sender: object, award: Award) -> None:
        received.append(award.key)

    with action_recorded.connected_to(receiver):
        with Session(alice.database) as session:
            rolled_back = alice.record(make_action(), session=session)
            assert received == []
            session.rollback()
        with Session(alice.database) as session:
            kept = alice.record(make_action(), session=session)
            assert received == []
            session.commit()
    assert received == [kept.key]
    assert alice.ledger(session=None)[0].key == kept.key
    assert rolled_back.key not in {entry.key for entry in alice.ledger()}


def test_a_failing_receiver_is_logged_and_does_not_break_recording(
    alice: Engagement, make_action: ActionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(sender: object, **payload: object) -> None:
        raise RuntimeError("webhook down")

    with action_recorded.connected_to(broken), caplog.at_level(logging.ERROR, "engagement"):
        award = alice.record(make_action())
    assert award.points > 0
    assert "failed" in caplog.text and "webhook down" in caplog.text


def test_revocation_signal(alice: Engagement, make_action: ActionFactory) -> None:
    seen: list[object] = []
    action = make_action()
    alice.record(action)
    with action_revoked.connected_to(lambda sender, revocation: seen.append(revocation)):
        alice.revoke(action["key"], "spam")
        alice.revoke(action["key"], "spam")
    assert len(seen) == 1


def test_record_many_of_nothing_does_nothing(alice: Engagement) -> None:
    assert alice.record_many([]) == []
    assert counts(alice)[:2] == (0, 0)


def test_a_key_reused_for_another_member_is_refused(
    alice: Engagement, make_action: ActionFactory
) -> None:
    action = make_action(key="shared-key")
    alice.record(action)
    message = r"action 'shared-key': key: already recorded for another member \('alice'\)"
    with pytest.raises(InvalidActionError, match=message):
        alice.record({**action, "member": "bob"})
    with pytest.raises(InvalidActionError, match=message):
        alice.record_many([make_action(member="bob"), {**action, "member": "bob"}])
    with pytest.raises(InvalidActionError, match=r"another member \('bob'\)"):
        alice.record_many([make_action(member="bob", key="k"), make_action(key="k")])
    assert counts(alice)[:2] == (1, 1)
