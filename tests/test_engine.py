from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import MONDAY, ActionFactory
from sqlalchemy import event
from sqlalchemy.orm import Session

from engagement import (
    DEFAULT_RULES_PATH,
    Award,
    Engagement,
    InvalidActionError,
    InvalidInputError,
    NotConfiguredError,
    UnknownActionError,
    UnknownMemberError,
)
from engagement.signals import action_recorded, action_revoked, points_awarded
from engagement.storage.tables import actions, ledger, members


def counts(engine: Engagement) -> tuple[int, int, int]:
    with engine.database.connect() as connection:
        return (
            connection.execute(sa.select(sa.func.count()).select_from(actions)).scalar_one(),
            connection.execute(sa.select(sa.func.count()).select_from(ledger)).scalar_one(),
            connection.execute(sa.select(sa.func.sum(members.c.event_seq))).scalar_one() or 0,
        )


@pytest.fixture
def alice(engine: Engagement) -> Engagement:
    engine.members.upsert("alice", display_name="Alice", team="Sales", timezone="Europe/Paris")
    engine.members.upsert("bob", timezone="Europe/Paris")
    return engine


def test_record_awards_points_and_explains_them(
    alice: Engagement, make_action: ActionFactory
) -> None:
    award = alice.record(make_action(text="My own take: this changes how we plan cloud budgets"))
    assert award.points == 35  # 10 share + 15 personal + 10 variety (capped)
    assert award.summary.startswith("+10 share, +15 personal words (")
    [entry] = alice.ledger.entries("alice")
    assert (entry.entry_kind, entry.points, entry.rule_id) == ("award", 35, "verbs.share")
    assert entry.ruleset_version == 1
    assert entry.explanation == award.explanation()
    assert alice.ledger.points("alice") == 35


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
    ({"key": ""}, InvalidActionError, "key: must not be empty"),
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
    assert alice.ledger.points("alice") == 0
    kinds = [(e.entry_kind, e.points) for e in alice.ledger.entries("alice")]
    assert kinds == [("award", award.points), ("revocation", -award.points)]
    again = alice.revoke(action["key"], "twice")
    assert again.duplicate and again.reason == "the post was deleted"
    assert len(alice.ledger.entries("alice")) == 2


def test_revoke_refuses_unknown_keys_and_empty_reasons(
    alice: Engagement, make_action: ActionFactory
) -> None:
    with pytest.raises(UnknownActionError, match="no action was recorded with key 'nope'"):
        alice.revoke("nope", "why not")
    action = make_action()
    alice.record(action)
    with pytest.raises(InvalidInputError, match="reason: say why the action is revoked"):
        alice.revoke(action["key"], "  ")
    assert len(alice.ledger.entries()) == 1


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
    zoe = engine.members.get("zoe")
    assert zoe is not None and zoe.opted_in is False  # never enrolled on a board by default


def test_members_are_upserted_field_by_field(engine: Engagement) -> None:
    engine.members.upsert("alice", display_name="Alice", team="Sales", opted_in=True)
    updated = engine.members.upsert("alice", team="Marketing")
    assert (updated.display_name, updated.team, updated.opted_in) == ("Alice", "Marketing", True)
    with pytest.raises(InvalidInputError, match="unknown time zone 'Paris'"):
        engine.members.upsert("alice", timezone="Paris")
    with pytest.raises(InvalidInputError, match="unknown member field"):
        engine.members.upsert("alice", shoe_size=42)
    with pytest.raises(InvalidInputError, match="member_id: a non-empty string"):
        engine.members.upsert("")


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
    assert alice.ledger.entries(session=None)[0].key == kept.key
    assert rolled_back.key not in {entry.key for entry in alice.ledger.entries()}


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
    message = (
        "action 'shared-key': key: already recorded for another member; "
        "idempotency keys must be unique across the programme"
    )
    with pytest.raises(InvalidActionError, match=message) as raised:
        alice.record({**action, "member": "bob"})
    assert "alice" not in str(raised.value)  # the owner of a key is nobody else's business
    with pytest.raises(InvalidActionError, match=message):
        alice.record_many([make_action(member="bob"), {**action, "member": "bob"}])
    with pytest.raises(InvalidActionError, match="another member;") as raised:
        alice.record_many([make_action(member="bob", key="k"), make_action(key="k")])
    assert "bob" not in str(raised.value)
    assert counts(alice)[:2] == (1, 1)


WITHOUT_TABLES: dict[str, Callable[[Engagement], object]] = {
    "record": lambda e: e.record(
        {"key": "k", "member": "m", "verb": "post", "at": MONDAY.isoformat()}
    ),
    "record_many": lambda e: e.record_many(
        [{"key": "k", "member": "m", "verb": "post", "at": MONDAY.isoformat()}]
    ),
    "revoke": lambda e: e.revoke("k", "spam"),
    "points": lambda e: e.ledger.points("m"),
    "totals": lambda e: e.ledger.totals(),
    "ledger": lambda e: e.ledger.entries(),
    "upsert_member": lambda e: e.members.upsert("m"),
    "get_member": lambda e: e.members.get("m"),
    "active_rules": lambda e: e.active_rules(),
    "replay": lambda e: e.replay(),
    "replayed_awards": lambda e: list(e.replayed_awards()),
}


@pytest.fixture
def no_tables(database_url: str) -> Iterator[Engagement]:
    engine = Engagement(database_url)
    yield engine
    engine.database.dispose()


@pytest.mark.parametrize("call", WITHOUT_TABLES.values(), ids=WITHOUT_TABLES.keys())
def test_a_database_without_tables_says_to_create_the_schema(
    no_tables: Engagement, call: Callable[[Engagement], object]
) -> None:
    with pytest.raises(NotConfiguredError, match=r"call Engagement\.create_schema\(\)"):
        call(no_tables)


def test_a_database_without_tables_says_so_inside_the_callers_session(
    no_tables: Engagement,
) -> None:
    with Session(no_tables.database) as session:
        with pytest.raises(NotConfiguredError, match=r"create_schema\(\)"):
            no_tables.record(
                {"key": "k", "member": "m", "verb": "post", "at": MONDAY.isoformat()},
                session=session,
            )
        session.rollback()


def test_other_database_errors_are_not_mistaken_for_missing_tables(alice: Engagement) -> None:
    with alice.database.begin() as connection:  # the table is there, a column is not
        connection.execute(sa.text("ALTER TABLE engagement_ledger RENAME COLUMN points TO pts"))
    with pytest.raises(sa.exc.DBAPIError) as caught:
        alice.ledger.points("alice")
    assert not isinstance(caught.value, NotConfiguredError)


def _rules_with_post_points(points: int) -> str:
    return DEFAULT_RULES_PATH.read_text().replace("points: 30 ", f"points: {points} ")


def _post(key: str) -> dict[str, Any]:
    return {"key": key, "member": "alice", "verb": "post", "at": MONDAY.isoformat()}


def test_rules_activated_in_a_rolled_back_session_are_not_remembered(
    alice: Engagement, database_url: str
) -> None:
    with Session(alice.database) as session:
        rolled_back = alice.activate_rules(
            alice.load_rules_text(_rules_with_post_points(40)), session=session
        )
        session.rollback()
    other = Engagement(database_url)  # another process takes the same version number
    stored = other.activate_rules(other.load_rules_text(_rules_with_post_points(25)))
    other.database.dispose()
    assert stored.version == rolled_back.version == 2
    award = alice.record(_post("p"))
    assert (award.ruleset_version, award.steps[0].value) == (2, 25)
    assert alice.active_rules().content_hash == stored.content_hash


def test_rules_read_back_in_a_session_closed_without_commit_are_not_remembered(
    alice: Engagement, database_url: str
) -> None:
    with Session(alice.database) as session:
        alice.activate_rules(alice.load_rules_text(_rules_with_post_points(40)), session=session)
        scored = alice.record(_post("draft"), session=session)  # reads version 2 back
        assert scored.steps[0].value == 40
    other = Engagement(database_url)
    other.activate_rules(other.load_rules_text(_rules_with_post_points(25)))
    other.database.dispose()
    award = alice.record(_post("p"))
    assert (award.ruleset_version, award.steps[0].value) == (2, 25)


def test_rules_activated_in_a_committed_session_are_used(alice: Engagement) -> None:
    with Session(alice.database) as session:
        stored = alice.activate_rules(
            alice.load_rules_text(_rules_with_post_points(40)), session=session
        )
        session.commit()
    award = alice.record(_post("p"))
    assert (award.ruleset_version, award.steps[0].value) == (stored.version, 40)


def _disposals(database: sa.Engine) -> list[sa.Engine]:
    disposed: list[sa.Engine] = []
    event.listen(database, "engine_disposed", disposed.append)
    return disposed


def test_close_disposes_the_database_engine_it_created(database_url: str) -> None:
    engine = Engagement(database_url)
    disposed = _disposals(engine.database)
    engine.create_schema()
    engine.close()
    assert disposed == [engine.database]


def test_close_leaves_a_hosts_database_engine_alone(database_url: str) -> None:
    host = sa.create_engine(database_url)
    disposed = _disposals(host)
    with Engagement(host) as engine:
        engine.create_schema()
    assert disposed == []
    with host.connect() as connection:  # still the host's to use
        assert connection.execute(sa.select(sa.func.count()).select_from(members)).scalar() == 0
    host.dispose()


def test_engagement_is_a_context_manager(tmp_path: Path, make_action: ActionFactory) -> None:
    with Engagement(f"sqlite:///{tmp_path / 'e.db'}") as engine:
        disposed = _disposals(engine.database)
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        engine.members.upsert("alice")
        assert engine.record(make_action()).points > 0
    assert disposed == [engine.database]


def test_history_cache_size_bounds_the_per_process_cache(make_action: ActionFactory) -> None:
    with Engagement("sqlite://", history_cache_size=1) as engine:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        for member in ("alice", "bob"):
            engine.members.upsert(member)
            engine.record(make_action(member=member))
        assert engine.cached_members() == 1
    with Engagement("sqlite://", history_cache_size=0) as engine:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        engine.members.upsert("alice")
        first, second = engine.record(make_action()), engine.record(make_action())
        assert engine.cached_members() == 0 and first.points > second.points  # still scored
    with pytest.raises(InvalidInputError, match="history_cache_size: a number of members"):
        Engagement("sqlite://", history_cache_size=-1)
