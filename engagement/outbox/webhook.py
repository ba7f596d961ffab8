"""An example receiver: post outbox messages to a Slack or Teams incoming webhook.

Only the standard library: a JSON ``POST`` with :mod:`urllib.request`.  Any answer
outside 2xx, a timeout or a refused connection raises, so the drain retries the
message later.  Chat channels want recognition, not a line per share, so by default
only badges, levels, challenges and kudos are posted; other events count as
delivered without a post.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable
from typing import Any, Literal
from urllib.parse import urlsplit

from engagement import signals
from engagement.exceptions import EngagementError, InvalidInputError
from engagement.outbox.message import OutboxMessage
from engagement.outbox.wording import describe

Style = Literal["slack", "teams"]
STYLES: tuple[Style, ...] = ("slack", "teams")
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
    """Posts each message as ``{"text": …}`` (Slack, and Teams workflows) or, with
    ``style="teams"``, as an Office 365 connector ``MessageCard``.

    ``url`` must be ``http(s)://``; ``timeout`` is in seconds; ``events`` picks the
    event names posted (default :data:`RECOGNITION`; others are skipped).
    """

    def __init__(
        self,
        url: str,
        *,
        style: str = "slack",
        timeout: float = 10.0,
        events: Iterable[str] = RECOGNITION,
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
        chosen = frozenset([events] if isinstance(events, str) else events)
        unknown = chosen - EVENTS
        if unknown:
            raise InvalidInputError(
                f"events: unknown event(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(EVENTS))}"
            )
        self.url = url
        self.style: Style = "teams" if style == "teams" else "slack"
        self.timeout = float(timeout)
        self.events = chosen

    def body(self, message: OutboxMessage) -> dict[str, Any]:
        """The JSON document posted for ``message``."""
        text = describe(message)
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
        request = urllib.request.Request(
            self.url,
            data=json.dumps(self.body(message)).encode(),
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": f"engagement-outbox-{message.id}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            status = int(response.status)
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered {status}")

    def __repr__(self) -> str:
        host = urlsplit(self.url).hostname
        return f"WebhookReceiver({self.style}, host={host!r})"
