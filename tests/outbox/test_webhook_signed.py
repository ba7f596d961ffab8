"""Signed deliveries end to end: what a receiving service gets, checks and refuses,
and where the secret never goes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from test_signals import kudos, share
from webhook_server import Hook, serve

from engagement import WebhookReceiver
from engagement.outbox import EVENTS, SignatureError, outbox, verify_signature

SECRET = "s3cret-for-the-hr-service-0123"


@pytest.fixture
def t0() -> datetime:
    """A moment just after the test's messages are written: they are due by then."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture
def hook() -> Iterator[Callable[..., Hook]]:
    yield from serve()


class Clock:
    """Unix time that moves only when told."""

    def __init__(self, at: datetime) -> None:
        self.now = at.timestamp()

    def __call__(self) -> float:
        return self.now


def test_a_service_gets_each_event_as_json_signed_and_named(
    recognising: Any, hook: Any, t0: datetime
) -> None:
    engine = recognising(outbox=True)
    engine.record(kudos("alice", "bob"))
    server = hook()
    clock = Clock(t0)
    receiver = WebhookReceiver(server.url, style="json", secret=SECRET, clock=clock)
    assert receiver.events == EVENTS
    report = engine.outbox.drain(receiver, now=t0)
    assert report.delivered == report.claimed == len(server.raw) > 1
    for raw, headers, body in zip(server.raw, server.headers, server.bodies, strict=True):
        signed_at = verify_signature(raw, headers["Engagement-Signature"], SECRET, now=clock())
        assert signed_at == int(t0.timestamp())
        assert headers["Engagement-Delivery"] == str(body["id"])
        assert headers["Idempotency-Key"] == f"engagement-outbox-{body['id']}"
        assert headers["Engagement-Event"] == body["event"]
        assert (headers["Engagement-Attempt"], body["attempt"]) == ("1", 1)
    kudos_body = next(b for b in server.bodies if b["event"] == "kudos-given")
    assert kudos_body["payload"]["receiver"] == "bob"
    assert kudos_body["names"] == {"alice": "Alice", "bob": "Bob"}
    assert kudos_body["text"] == "Alice thanked Bob: “Thanks for the slides!”"
    assert datetime.fromisoformat(kudos_body["created_at"]).tzinfo is not None


def test_a_retry_is_signed_afresh_under_the_same_delivery_id(
    recognising: Any, hook: Any, t0: datetime
) -> None:
    engine = recognising(outbox=True)
    engine.record(kudos("alice", "bob"))
    server = hook([503])
    clock = Clock(t0)
    receiver = WebhookReceiver(server.url, style="json", secret=SECRET, events=["kudos-given"])
    receiver.clock = clock
    first = engine.outbox.drain(receiver, now=t0)
    clock.now += 3600
    second = engine.outbox.drain(receiver, now=t0 + timedelta(hours=1))
    assert (first.failed, second.delivered) == (1, 1)
    kudos_posts = [
        (raw, headers)
        for raw, headers in zip(server.raw, server.headers, strict=True)
        if headers["Engagement-Event"] == "kudos-given"
    ]
    (raw_1, headers_1), (raw_2, headers_2) = kudos_posts
    assert headers_1["Engagement-Delivery"] == headers_2["Engagement-Delivery"]
    assert (headers_1["Engagement-Attempt"], headers_2["Engagement-Attempt"]) == ("1", "2")
    assert verify_signature(raw_2, headers_2["Engagement-Signature"], SECRET, now=clock())
    # The first request, captured and replayed an hour later, is refused.
    with pytest.raises(SignatureError, match=r"^signed 3600 s ago, outside the 300 s"):
        verify_signature(raw_1, headers_1["Engagement-Signature"], SECRET, now=clock())


def test_a_tampered_delivery_is_refused(recognising: Any, hook: Any) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    server = hook()
    engine.outbox.drain(WebhookReceiver(server.url, style="json", secret=SECRET))
    body = dict(server.bodies[0])
    body["payload"] = {**body["payload"], "points": 1000}
    forged = json.dumps(body).encode()
    with pytest.raises(SignatureError, match=r"^no signature matches"):
        verify_signature(forged, server.headers[0]["Engagement-Signature"], SECRET)
    with pytest.raises(SignatureError, match=r"^no signature matches"):
        verify_signature(server.raw[0], server.headers[0]["Engagement-Signature"], "x" * 20)


def test_chat_styles_can_be_signed_too_and_unsigned_posts_carry_no_signature(
    recognising: Any, hook: Any
) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    signed, unsigned = hook(), hook()
    chat = {"events": EVENTS, "style": "teams"}
    engine.outbox.drain(WebhookReceiver(signed.url, secret=SECRET.encode(), **chat), limit=1)
    engine.outbox.drain(WebhookReceiver(unsigned.url, **chat))
    assert verify_signature(signed.raw[0], signed.headers[0]["Engagement-Signature"], SECRET)
    assert signed.bodies[0]["@type"] == "MessageCard"
    assert signed.bodies[0]["text"].startswith("Alice recorded a share (")
    assert len(unsigned.headers) > 1
    assert all("Engagement-Signature" not in headers for headers in unsigned.headers)


def test_the_secret_stays_out_of_rows_errors_and_reprs(recognising: Any, hook: Any) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    server = hook([500] * 20)
    receiver = WebhookReceiver(server.url, style="json", secret=SECRET)
    report = engine.outbox.drain(receiver)
    assert report.failed > 0
    assert repr(receiver) == "WebhookReceiver(json, host='127.0.0.1', signed)"
    with engine.database.connect() as connection:
        rows = connection.execute(sa.select(outbox)).all()
    stored = " ".join(map(repr, rows))
    assert "HTTP Error 500" in stored
    assert SECRET not in stored and "secret-token" not in stored
