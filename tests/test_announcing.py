"""The outbox is written in the transaction of the write it announces, one row per
event, the same events as the signals."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from test_signals import kudos, listening, share, with_new_badge

from engagement import Engagement, InvalidInputError
from engagement.outbox import outbox


def events(engine: Engagement) -> list[str]:
    return [message.event for message in engine.outbox.messages(limit=None)]


def test_each_event_heard_by_signal_is_also_written_to_the_outbox(recognising):
    engine = recognising(outbox=True)
    with listening() as heard:
        engine.record(share())
        engine.record(kudos())
        engine.revoke("s1", "post deleted")
        engine.badges.grant("bob", "spotlight", reason="post of the month")
    assert events(engine) == [name for name, _ in heard]
    assert set(events(engine)) == {
        "action-recorded",
        "points-awarded",
        "kudos-given",
        "action-revoked",
        "badge-awarded",
        "badge-revoked",
        "level-reached",
        "challenge-completed",
    }


def test_messages_carry_json_payloads_about_one_member(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos())
    by_event = {m.event: m for m in reversed(engine.outbox.messages())}  # the first of each
    recorded = by_event["action-recorded"]
    assert recorded.member == "alice" and recorded.status == "pending"
    assert recorded.attempts == 0 and recorded.delivered_at is None
    assert recorded.payload["points"] == 10 and recorded.payload["summary"] == "+10 share = 10"
    assert recorded.payload["badges"] == ["first-share"]
    assert by_event["badge-awarded"].payload["name"] == "First share"
    assert by_event["kudos-given"].payload == {
        "key": "k1",
        "giver": "alice",
        "receiver": "bob",
        "verb": "kudos",
        "at": "2026-07-06T09:00:00+02:00",
        "text": "Thanks for the slides!",
    }
    assert by_event["kudos-given"].mentions == ("alice", "bob")


def test_without_an_outbox_nothing_is_written(recognising):
    engine = recognising()
    engine.record(share())
    assert engine.outbox.messages() == []


def test_a_rolled_back_write_leaves_no_outbox_row(recognising):
    engine = recognising(outbox=True)
    with Session(engine.database) as session:
        engine.record(share(), session=session)
        engine.record(kudos(), session=session)
        assert len(engine.outbox.messages(session=session)) == 8  # visible inside
        session.rollback()
    assert engine.outbox.messages() == []


def test_the_callers_commit_writes_the_rows_with_the_award(recognising):
    engine = recognising(outbox=True)
    with Session(engine.database) as session, session.begin():
        engine.record(share(), session=session)
    assert engine.ledger.points("alice") == 10 and len(events(engine)) == 5


def test_imports_backfills_and_replays_write_rows_only_when_asked(recognising):
    engine = recognising(outbox=True)
    engine.record_many([share(), kudos()])
    engine.activate_rules(engine.load_rules_text(with_new_badge()))
    engine.badges.award_pending()
    engine.replay(apply=True)
    assert events(engine) == []
    engine.badges.award_pending(notify=True)  # nothing left to award
    engine.record_many([share("bob", "s2")], notify=True)
    assert events(engine)[:2] == ["action-recorded", "points-awarded"]
    assert "badge-awarded" in events(engine)


def test_a_duplicate_writes_no_row(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    before = len(events(engine))
    engine.record(share())
    engine.record_many([share()], notify=True)
    assert len(events(engine)) == before


def test_outbox_is_created_with_the_schema(database_url):
    engine = Engagement(database_url)
    engine.create_schema()
    assert sa.inspect(engine.database).has_table(outbox.name)
    engine.close()


def test_outbox_must_be_a_boolean():
    try:
        Engagement("sqlite://", outbox="yes")  # type: ignore[arg-type]
    except InvalidInputError as error:
        assert str(error) == "outbox: True or False, not 'yes'"
    else:
        raise AssertionError("accepted")
