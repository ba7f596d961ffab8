"""``engine.outbox.follow`` and ``drain --follow``: draining as a service, stopped
cleanly by an event or a signal, with no real waiting in the tests."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_signals import kudos, share
from webhook_server import Hook, serve

from engagement import DrainReport, InvalidInputError, OutboxMessage
from engagement.cli import main
from engagement.outbox import verify_signature
from engagement.outbox.follow import follow


@pytest.fixture
def hook() -> Iterator[Callable[..., Hook]]:
    yield from serve()


class Stop(threading.Event):
    """A stop event whose waits return at once; it sets itself after ``waits`` waits."""

    def __init__(self, waits: int = 1_000) -> None:
        super().__init__()
        self.waits: list[float | None] = []
        self.limit = waits

    def wait(self, timeout: float | None = None) -> bool:
        if self.is_set():
            return True
        self.waits.append(timeout)
        if len(self.waits) >= self.limit:
            self.set()
        return self.is_set()


def test_a_full_batch_is_followed_at_once_and_an_empty_one_waits() -> None:
    batches = iter([3, 3, 1, 0, 3, 0])
    stop = Stop(waits=3)
    seen: list[DrainReport] = []

    polls, totals = follow(
        lambda: DrainReport(claimed=(n := next(batches)), delivered=n),
        limit=3,
        interval=7.5,
        stop=stop,
        on_report=seen.append,
    )

    assert [r.claimed for r in seen] == [3, 3, 1, 0, 3, 0]
    assert stop.waits == [7.5, 7.5, 7.5]  # after the 1, and after each 0
    assert (polls, totals) == (6, DrainReport(claimed=10, delivered=10))


def test_max_polls_bounds_the_loop() -> None:
    stop = Stop()
    polls, _ = follow(lambda: DrainReport(), limit=5, interval=1, stop=stop, max_polls=3)
    assert (polls, stop.waits) == (3, [1, 1])


def test_a_stop_set_during_a_batch_ends_the_loop_after_it(recognising: Any) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos())
    stop = Stop()
    got: list[OutboxMessage] = []

    def deliver(message: OutboxMessage) -> None:
        got.append(message)
        stop.set()  # as SIGTERM would, mid-batch

    polls, totals = engine.outbox.follow(deliver, stop=stop, interval=30)

    assert (polls, stop.waits) == (1, [])
    assert totals.delivered == totals.claimed == len(got) > 1
    assert engine.outbox.messages("pending") == []


def test_follow_drains_in_batches_until_the_outbox_is_empty(recognising: Any) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    engine.record(kudos())
    total = len(engine.outbox.messages("pending"))
    stop = Stop(waits=1)
    sizes: list[int] = []
    _, totals = engine.outbox.follow(
        lambda message: None,
        stop=stop,
        limit=3,
        interval=0.5,
        on_report=lambda report: sizes.append(report.claimed),
    )
    assert sum(sizes) == totals.delivered == total
    assert sizes == [3] * (total // 3) + [total % 3]  # full batches, then one short
    assert stop.waits == [0.5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval": 0}, "interval: seconds between polls, more than 0 and at most 3600, not 0"),
        ({"interval": 7200}, "interval: seconds between polls, more than 0 and at most 3600"),
        ({"interval": "5"}, "interval: seconds between polls"),
        ({"max_polls": 0}, "max_polls: a whole number, 1 or more, or None, not 0"),
        ({"max_polls": True}, "max_polls: a whole number, 1 or more, or None, not True"),
        ({"stop": "now"}, "stop: a threading.Event, or None, not 'now'"),
        ({"limit": 0}, "limit: a whole number, 1 or more, not 0"),
    ],
)
def test_bad_follow_arguments_are_refused(
    engine: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        engine.outbox.follow(lambda message: None, **kwargs)
    assert str(raised.value).startswith(message)


def url_of(engine: Any) -> str:
    return str(engine.database.url.render_as_string(hide_password=False))


def test_drain_follow_stops_on_sigterm_after_the_batch_and_exits_0(
    recognising: Any, hook: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = recognising(outbox=True)
    engine.record(share())
    server = hook()
    server.on_post = lambda: os.kill(os.getpid(), signal.SIGTERM)
    before = signal.getsignal(signal.SIGTERM)

    options = ["--follow", "--interval", "600", "--max-polls", "5"]
    code = main(["drain", "--db", url_of(engine), "--webhook", server.url, *options])

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out == [
        "following the outbox, polling every 600 s; stop with SIGTERM",
        "5 delivered, 0 failed (retried later), 0 dead",
        "stopped after 1 polls: 5 delivered, 0 failed (retried later), 0 dead",
    ]
    assert len(server.bodies) > 1  # the batch went on after the signal
    assert signal.getsignal(signal.SIGTERM) == before


def test_drain_follow_signs_with_a_secret_from_a_file(
    recognising: Any, hook: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = recognising(outbox=True)
    engine.record(kudos())
    secret = tmp_path / "webhook-secret"
    secret.write_text("from-a-systemd-credential-0123\n", encoding="utf-8")
    server = hook()
    options = ["--style", "json", "--secret-file", str(secret), "--follow"]
    options += ["--interval", "0.01", "--max-polls", "2"]
    code = main(["drain", "--db", url_of(engine), "--webhook", server.url, *options])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("stopped after 2 polls: ")
    for raw, headers in zip(server.raw, server.headers, strict=True):
        verify_signature(raw, headers["Engagement-Signature"], "from-a-systemd-credential-0123")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--secret-env", "ENGAGEMENT_TEST_UNSET_SECRET"],
            "engagement: --secret-env: the environment variable 'ENGAGEMENT_TEST_UNSET_SECRET' "
            "is not set or empty — export it in the service's environment",
        ),
        (
            ["--secret-file", "/nonexistent/secret"],
            "engagement: --secret-file: no file '/nonexistent/secret' — correct the path",
        ),
        (
            ["--secret-file", "x", "--secret-env", "Y"],
            "engagement: --secret-file and --secret-env both given — give one of them",
        ),
        (
            ["--secret-env", "ENGAGEMENT_TEST_SHORT_SECRET"],
            "engagement: secret: a shared secret of at least 16 bytes",
        ),
        (["--follow", "--interval", "0"], "engagement: interval: seconds between polls"),
        (["--follow", "--max-polls", "0"], "engagement: max_polls: a whole number, 1 or more"),
    ],
)
def test_drain_refuses_bad_secrets_and_follow_options_with_exit_2(
    database_url: str,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGEMENT_TEST_SHORT_SECRET", "short")
    monkeypatch.delenv("ENGAGEMENT_TEST_UNSET_SECRET", raising=False)
    main(["upgrade", "--db", database_url])
    capsys.readouterr()
    code = main(["drain", "--db", database_url, "--webhook", "http://127.0.0.1:1/x", *args])
    err = capsys.readouterr().err
    assert (code, err.startswith(message), err.count("\n")) == (2, True, 1)
