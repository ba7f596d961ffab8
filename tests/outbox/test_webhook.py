"""The example receiver against a local HTTP server: Slack and Teams messages in
plain English, retries on errors, dead letters, and the ``drain`` command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from test_signals import kudos, share
from webhook_server import Hook, serve

from engagement import DeliveryError, InvalidInputError, OutboxMessage, WebhookReceiver
from engagement.cli import main
from engagement.outbox import describe


@pytest.fixture
def hook() -> Iterator[Callable[..., Hook]]:
    yield from serve()


def test_recognition_is_posted_to_slack_in_plain_english(recognising, hook):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos("alice", "carol"))
    server = hook()
    report = engine.outbox.drain(WebhookReceiver(server.url))
    assert report.delivered == 8 and report.failed == 0
    assert server.texts() == [
        "Alice earned the badge First share",
        "Alice reached level Active",
        "Alice completed the challenge sprint",
        "Alice thanked carol: “Thanks for the slides!”",  # carol has no display name
    ]
    assert all(h["Content-Type"] == "application/json" for h in server.headers)
    assert server.headers[0]["Idempotency-Key"].startswith("engagement-outbox-")


def test_teams_gets_a_message_card(recognising, hook):
    engine = recognising(outbox=True)
    engine.badges.grant("bob", "spotlight", reason="post of the month")
    server = hook()
    engine.outbox.drain(WebhookReceiver(server.url, style="teams"))
    assert server.bodies == [
        {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": "Bob earned the badge Spotlight",
            "text": "Bob earned the badge Spotlight",
        }
    ]


def test_a_failing_webhook_is_retried_until_it_answers(recognising, hook):
    engine = recognising(outbox=True)
    engine.badges.grant("bob", "spotlight", reason="post of the month")
    server = hook([500, 503, 500])
    receiver = WebhookReceiver(server.url)
    reports = [engine.outbox.drain(receiver, now=at) for at in _hours(4)]
    assert [(r.failed, r.delivered) for r in reports] == [(1, 0), (1, 0), (1, 0), (0, 1)]
    assert server.texts() == ["Bob earned the badge Spotlight"] * 4
    (message,) = engine.outbox.messages("delivered")
    assert (
        message.attempts == 4
        and message.last_error == "HTTPError: HTTP Error 500: Internal Server Error"
    )


def test_a_webhook_that_always_fails_dead_letters_the_message(recognising, hook):
    engine = recognising(outbox=True)
    engine.badges.grant("bob", "spotlight", reason="post of the month")
    server = hook([500] * 10)
    receiver = WebhookReceiver(server.url)
    reports = [engine.outbox.drain(receiver, max_attempts=3, now=at) for at in _hours(5)]
    assert [(r.failed, r.dead) for r in reports] == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    assert len(server.bodies) == 3
    (dead,) = engine.outbox.messages("dead")
    assert "secret-token" not in (dead.last_error or "")


def test_an_unreachable_webhook_is_a_failed_delivery(recognising, hook):
    engine = recognising(outbox=True)
    engine.badges.grant("bob", "spotlight", reason="r")
    server = hook()
    url = server.url
    server.server.shutdown()
    server.server.server_close()
    assert engine.outbox.drain(WebhookReceiver(url, timeout=2)).failed == 1


def test_events_not_chosen_are_delivered_without_a_post(recognising, hook):
    engine = recognising(outbox=True)
    engine.record(share())
    server = hook()
    report = engine.outbox.drain(WebhookReceiver(server.url, events=["level-reached"]))
    assert report.delivered == 5 and server.texts() == ["Alice reached level Active"]


def test_every_event_has_a_sentence(recognising):
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos("bob", "alice"))
    engine.revoke("s1", "post deleted")
    assert [describe(m) for m in _named(engine.outbox.messages())] == [
        "Alice recorded a share (10 points)",
        "Alice earned 10 points for a share",
        "Alice earned the badge First share",
        "Alice reached level Active",
        "Alice completed the challenge sprint",
        "Bob recorded a kudos (5 points)",
        "Bob earned 5 points for a kudos",
        "Bob thanked Alice: “Thanks for the slides!”",
        "Alice's action s1 was revoked (-10 points): post deleted",
        "Alice lost the badge first-share: action revoked: post deleted",  # ids only,
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "ftp://example.com/hook"}, "webhook url: an http:// or https:// URL with a host"),
        ({"url": "hooks.slack.com/x"}, "webhook url: an http:// or https:// URL with a host"),
        ({"url": "https:///x"}, "webhook url: an http:// or https:// URL with a host"),
        ({"style": "discord"}, "style: one of slack, teams, json, not 'discord'"),
        ({"secret": "short"}, "secret: a shared secret of at least 16 bytes (generate one"),
        ({"secret": b""}, "secret: a shared secret of at least 16 bytes"),
        ({"secret": 1234567890123456789}, "secret: a shared secret of at least 16 bytes"),
        ({"timeout": 0}, "timeout: seconds, more than 0 and at most 300, not 0"),
        ({"events": ["badge-earned"]}, "events: unknown event(s) badge-earned; known: "),
    ],
)
def test_bad_receiver_settings_are_refused(kwargs, message):
    settings = {"url": "https://hooks.example.com/x", **kwargs}
    with pytest.raises(InvalidInputError) as caught:
        WebhookReceiver(settings.pop("url"), **settings)
    assert str(caught.value).startswith(message)


def test_a_non_2xx_answer_raises_a_delivery_error(monkeypatch):
    class Answer:
        status = 302  # a redirect urllib did not follow

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr("urllib.request.urlopen", lambda request, timeout: Answer())
    now = datetime.now(UTC)
    message = OutboxMessage(1, "level-reached", "bob", {"name": "Active"}, "pending", 1, now, now)
    with pytest.raises(DeliveryError, match="webhook answered 302"):
        WebhookReceiver("https://hooks.example.com/x")(message)


def test_the_drain_command_reports_and_exits_0_even_when_deliveries_fail(recognising, hook, capsys):
    engine = recognising(outbox=True)
    engine.record(share())
    url = str(engine.database.url.render_as_string(hide_password=False))
    server = hook([500])
    assert main(["drain", "--db", url, "--webhook", server.url, "--style", "teams"]) == 0
    assert capsys.readouterr().out == "4 delivered, 1 failed (retried later), 0 dead\n"
    assert main(["drain", "--db", url, "--webhook", server.url, "--limit", "1"]) == 0
    assert capsys.readouterr().out == "0 delivered, 0 failed (retried later), 0 dead\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--webhook", "ftp://x/y"], "engagement: webhook url: an http:// or https:// URL"),
        (["--webhook", "http://x/y", "--limit", "0"], "engagement: limit: a whole number"),
        (["--webhook", "http://x/y", "--max-attempts", "0"], "engagement: max_attempts: a whole"),
        (["--webhook", "http://x/y", "--events", "nope"], "engagement: events: unknown event"),
    ],
)
def test_the_drain_command_refuses_bad_input_with_exit_2(args, message, capsys):
    assert main(["drain", "--db", "sqlite://", *args]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_the_drain_command_refuses_an_unknown_style(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["drain", "--db", "sqlite://", "--webhook", "http://x/y", "--style", "irc"])
    assert exited.value.code == 2
    assert "invalid choice: 'irc'" in capsys.readouterr().err


def _hours(count: int) -> list[datetime]:
    """``count`` instants an hour apart from now: each drain finds the retry due."""
    start = datetime.now(UTC)
    return [start + timedelta(hours=n) for n in range(count)]


def _named(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """``messages`` as a drain gives them: with the members' display names."""
    names = {"alice": "Alice", "bob": "Bob"}
    return [replace(m, names={k: v for k, v in names.items() if k in m.mentions}) for m in messages]
