"""A receiver posting outbox messages to a webhook: Slack, Teams, or a service of
the host's own.

Only the standard library: a JSON ``POST`` with :mod:`urllib.request`.  Any answer
outside 2xx, a timeout or a refused connection raises, so the drain retries the
message later.  Chat channels want recognition, not a line per share, so by default
only badges, levels, challenges and kudos are posted to them; other events count as
delivered without a post.  The ``json`` style posts the message itself (every event
by default) for a service to act on.

Every POST names its message (``Engagement-Delivery``, ``Idempotency-Key``: the same
on each retry), and with a ``secret`` it is signed (:mod:`engagement.outbox.signing`).
The secret is given by the host (from its own configuration or secret store, never
the rule file), kept in memory only, and never written to the outbox, a log or a
``repr``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any, Literal
from urllib.parse import urlsplit

from engagement import signals
from engagement.exceptions import EngagementError, InvalidInputError
from engagement.outbox.message import OutboxMessage
from engagement.outbox.signing import DELIVERY_HEADER, SIGNATURE_HEADER, check_secret, sign
from engagement.outbox.wording import describe

Style = Literal["slack", "teams", "json"]
STYLES: tuple[Style, ...] = ("slack", "teams", "json")
EVENTS = frozenset(
    signal.name
    for signal in (
        signals.action_recorded,
        signals.points_awarded,
        signals.kudos_given,
        signals.action_revoked,
        signals.badge_awarded,
        signals.badge_revoked,
        signals.level_reached,
        signals.challenge_completed,
    )
)
"""Every event name the outbox holds: the signals' names."""
RECOGNITION = frozenset({"badge-awarded", "level-reached", "challenge-completed", "kudos-given"})
"""The events posted by default."""


class DeliveryError(EngagementError):
    """A receiver refused a message (a webhook answered outside 2xx); it is retried."""


class WebhookReceiver:
    """Posts each message as ``{"text": …}`` (Slack, and Teams workflows), with
    ``style="teams"`` as an Office 365 connector ``MessageCard``, or with
    ``style="json"`` as the message itself (see :meth:`body`).

    ``url`` must be ``http(s)://``; ``timeout`` is in seconds; ``events`` picks the
    event names posted (default: :data:`RECOGNITION` for chat styles, every event
    for ``json``; others are skipped).  ``secret`` (16 bytes or more) signs each
    POST; ``clock`` gives the Unix time it is signed at (tests pass their own).
    """

    def __init__(
        self,
        url: str,
        *,
        style: str = "slack",
        timeout: float = 10.0,
        events: Iterable[str] | None = None,
        secret: str | bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInputError(
                f"webhook url: an http:// or https:// URL with a host, not {url!r}"
            )
        if style not in STYLES:
            raise InvalidInputError(f"style: one of {', '.join(STYLES)}, not {style!r}")
        if (
            not isinstance(timeout, int | float)
            or isinstance(timeout, bool)
            or not 0 < timeout <= 300
        ):
            raise InvalidInputError(
                f"timeout: seconds, more than 0 and at most 300, not {timeout!r}"
            )
        if events is None:
            events = EVENTS if style == "json" else RECOGNITION
        chosen = frozenset([events] if isinstance(events, str) else events)
        unknown = chosen - EVENTS
        if unknown:
            raise InvalidInputError(
                f"events: unknown event(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(EVENTS))}"
            )
        self._secret = None if secret is None else check_secret(secret)
        self.url = url
        self.style: Style = next(known for known in STYLES if known == style)
        self.timeout = float(timeout)
        self.events = chosen
        self.clock = clock

    @property
    def signed(self) -> bool:
        """Whether deliveries carry an ``Engagement-Signature``."""
        return self._secret is not None

    def body(self, message: OutboxMessage) -> dict[str, Any]:
        """The JSON document posted for ``message``.

        ``json``: ``{"id", "event", "member", "created_at", "attempt", "payload",
        "names", "text"}``, where ``id`` is the idempotency key, ``payload`` the
        signal's payload (docs/notifications.md), ``names`` the display names of the
        members it mentions and ``text`` the sentence chat styles post.
        """
        text = describe(message)
        if self.style == "json":
            return {
                "id": message.id,
                "event": message.event,
                "member": message.member,
                "created_at": message.created_at.isoformat(),
                "attempt": message.attempts,
                "payload": dict(message.payload),
                "names": dict(message.names),
                "text": text,
            }
        if self.style == "teams":
            return {
                "@type": "MessageCard",
                "@context": "https://schema.org/extensions",
                "summary": text,
                "text": text,
            }
        return {"text": text}

    def __call__(self, message: OutboxMessage) -> None:
        if message.event not in self.events:
            return
        data = json.dumps(self.body(message)).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"engagement-outbox-{message.id}",
            DELIVERY_HEADER: str(message.id),
            "Engagement-Event": message.event,
            "Engagement-Attempt": str(message.attempts),
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret, data, int(self.clock()))
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            status = int(response.status)
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered {status}")

    def __repr__(self) -> str:
        host = urlsplit(self.url).hostname
        signed = ", signed" if self.signed else ""
        return f"WebhookReceiver({self.style}, host={host!r}{signed})"
