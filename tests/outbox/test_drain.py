"""Draining the outbox: at-least-once delivery, retries with backoff, dead letters,
leases that a crashed drainer's messages come back from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_signals import kudos, share

from engagement import DrainReport, Engagement, InvalidInputError, NotConfiguredError, OutboxMessage
from engagement.outbox import LEASE, outbox, retry_delay
from engagement.outbox import store as outbox_store


class Receiver:
    """Remembers what it was given; fails while ``failures`` is above zero."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.got: list[OutboxMessage] = []

    def __call__(self, message: OutboxMessage) -> None:
        self.got.append(message)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("receiver down")


def one_message(engine: Engagement) -> int:
    """Record a kudos whose only message left pending is its ``kudos-given``."""
    engine.record(kudos())
    with engine.database.begin() as connection:
        connection.execute(sa.delete(outbox).where(outbox.c.event != "kudos-given"))
    (message,) = engine.outbox.messages()
    return message.id


def test_delivers_each_pending_message_once_in_order(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos())
    receiver = Receiver()
    report = engine.outbox.drain(receiver)
    assert report == DrainReport(claimed=8, delivered=8)
    assert [m.id for m in receiver.got] == sorted(m.id for m in receiver.got)
    assert all(m.attempts == 1 and m.status == "pending" for m in receiver.got)
    assert {m.status for m in engine.outbox.messages()} == {"delivered"}
    assert engine.outbox.drain(receiver) == DrainReport()  # nothing left
    assert len(receiver.got) == 8


def test_receivers_get_display_names_of_the_members_mentioned(recognising):
    engine = recognising(outbox=True)
    one_message(engine)
    engine.members.upsert("bob", display_name="Robert")  # renamed since: the name now counts
    receiver = Receiver()
    engine.outbox.drain(receiver)
    (message,) = receiver.got
    assert message.names == {"alice": "Alice", "bob": "Robert"}
    assert message.name("bob") == "Robert" and message.name("carol") == "carol"


def test_limit_bounds_a_drain(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    assert engine.outbox.drain(Receiver(), limit=2).delivered == 2
    assert len(engine.outbox.messages("pending")) == 3


def test_a_failure_is_retried_after_a_growing_delay_then_delivered(recognising):
    engine = recognising(outbox=True)
    message_id = one_message(engine)
    now = datetime.now(UTC)
    receiver = Receiver(failures=2)
    assert engine.outbox.drain(receiver, now=now) == DrainReport(claimed=1, failed=1)
    (pending,) = engine.outbox.messages("pending")
    assert pending.last_error == "ConnectionError: receiver down"
    assert pending.next_attempt_at == now + timedelta(seconds=30) and pending.attempts == 1
    assert engine.outbox.drain(receiver, now=now + timedelta(seconds=29)) == DrainReport()
    later = now + timedelta(seconds=30)
    assert engine.outbox.drain(receiver, now=later).failed == 1
    assert engine.outbox.messages()[0].next_attempt_at == later + timedelta(minutes=1)
    assert engine.outbox.drain(receiver, now=later + timedelta(minutes=1)).delivered == 1
    assert [m.id for m in receiver.got] == [message_id] * 3
    (done,) = engine.outbox.messages("delivered")
    assert done.attempts == 3 and done.delivered_at == later + timedelta(minutes=1)


def test_backoff_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(8) == retry_delay(1000) == timedelta(hours=1)


def test_after_max_attempts_a_message_is_dead_until_requeued(recognising):
    engine = recognising(outbox=True)
    message_id = one_message(engine)
    receiver = Receiver(failures=3)
    now = datetime.now(UTC)
    for _ in range(3):
        report = engine.outbox.drain(receiver, max_attempts=3, now=now)
        now += timedelta(hours=1)
    assert report == DrainReport(claimed=1, dead=1)
    (dead,) = engine.outbox.messages("dead")
    assert dead.id == message_id and dead.attempts == 3 and "receiver down" in dead.last_error
    assert engine.outbox.drain(receiver, now=now + timedelta(days=1)) == DrainReport()
    assert engine.outbox.requeue_dead() == 1
    assert engine.outbox.drain(receiver, max_attempts=3).delivered == 1
    assert engine.outbox.messages("delivered")[0].attempts == 1
    assert engine.outbox.requeue_dead() == 0


def test_requeue_dead_can_pick_messages(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.outbox.drain(Receiver(failures=5), max_attempts=1)
    dead = engine.outbox.messages("dead")
    assert len(dead) == 5
    assert engine.outbox.requeue_dead([dead[0].id, dead[1].id]) == 2
    assert len(engine.outbox.messages("pending")) == 2


def test_a_crashed_drainers_messages_come_back_after_the_lease(recognising):
    engine = recognising(outbox=True)
    message_id = one_message(engine)
    now = datetime.now(UTC)
    with engine.database.begin() as connection:  # a drainer claims, then dies
        (claimed,) = outbox_store.claim(connection, now, LEASE, 10)
    receiver = Receiver()
    assert engine.outbox.drain(receiver, now=now + LEASE - timedelta(seconds=1)) == DrainReport()
    assert engine.outbox.drain(receiver, now=now + LEASE).delivered == 1
    assert [(m.id, m.attempts) for m in receiver.got] == [(message_id, 2)]
    # The dead drainer's late failure report cannot undo the delivery.
    with engine.database.begin() as connection:
        assert not outbox_store.failed(connection, claimed, "late", retry_at=now)
    assert engine.outbox.messages()[0].status == "delivered"


def test_a_message_its_drainers_keep_dying_on_is_dead_lettered(recognising):
    engine = recognising(outbox=True)
    one_message(engine)
    now = datetime.now(UTC)
    for _ in range(3):
        with engine.database.begin() as connection:
            outbox_store.claim(connection, now, LEASE, 10)
        now += LEASE
    receiver = Receiver()
    assert engine.outbox.drain(receiver, max_attempts=3, now=now).dead == 1
    assert receiver.got == []
    assert engine.outbox.messages("dead")[0].last_error == "claimed 3 times without an outcome"


def test_messages_not_started_within_half_the_lease_are_handed_back(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    receiver = Receiver()
    report = engine.outbox.drain(receiver, lease=timedelta(microseconds=1))
    assert report == DrainReport(claimed=5, released=5)
    assert receiver.got == []
    assert {(m.status, m.attempts) for m in engine.outbox.messages()} == {("pending", 0)}
    assert engine.outbox.drain(receiver).delivered == 5


def test_inspecting_and_pruning(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.outbox.drain(Receiver(), limit=3)
    assert len(engine.outbox.messages()) == 5
    assert len(engine.outbox.messages("delivered")) == 3
    assert len(engine.outbox.messages(limit=1)) == 1
    assert engine.outbox.prune(datetime.now(UTC) - timedelta(days=1)) == 0
    assert engine.outbox.prune(datetime.now(UTC) + timedelta(seconds=1)) == 3
    assert [m.status for m in engine.outbox.messages()] == ["pending", "pending"]


def test_pruning_keeps_the_newest_message_so_ids_are_never_reused(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.outbox.drain(Receiver())
    ids = [m.id for m in engine.outbox.messages()]
    assert engine.outbox.prune(datetime.now(UTC) + timedelta(seconds=1)) == len(ids) - 1
    assert [m.id for m in engine.outbox.messages()] == [max(ids)]
    engine.record(kudos())
    assert min(m.id for m in engine.outbox.messages("pending")) > max(ids)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit: a whole number, 1 or more, not 0"),
        ({"limit": True}, "limit: a whole number, 1 or more, not True"),
        ({"max_attempts": 0}, "max_attempts: a whole number, 1 or more, not 0"),
        ({"lease": timedelta(0)}, "lease: a positive timedelta, not datetime.timedelta(0)"),
        ({"now": datetime(2026, 7, 6)}, "now: give an aware datetime (with a time zone), or None"),
    ],
)
def test_bad_drain_arguments_are_refused(memory_engine, kwargs, message):
    with pytest.raises(InvalidInputError) as caught:
        memory_engine.outbox.drain(Receiver(), **kwargs)
    assert str(caught.value) == message


def test_deliver_must_be_callable(memory_engine):
    with pytest.raises(InvalidInputError, match="deliver: a callable taking an OutboxMessage"):
        memory_engine.outbox.drain("https://example.com")  # type: ignore[arg-type]


def test_bad_inspection_arguments_are_refused(memory_engine):
    with pytest.raises(InvalidInputError) as caught:
        memory_engine.outbox.messages("failed")
    assert str(caught.value) == (
        "status: one of pending, delivered, dead (or None for all), not 'failed'"
    )
    with pytest.raises(InvalidInputError, match=r"limit: a number of messages, 1 or more, not 0"):
        memory_engine.outbox.messages(limit=0)
    with pytest.raises(InvalidInputError, match="delivered_before: give an aware datetime"):
        memory_engine.outbox.prune(datetime(2026, 1, 1))


def test_draining_a_database_without_tables_says_how_to_add_them(database_url):
    engine = Engagement(database_url)
    with pytest.raises(NotConfiguredError, match=r"call Engagement.create_schema\(\)"):
        engine.outbox.drain(Receiver())
    engine.close()
