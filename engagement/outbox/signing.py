"""Signed webhook deliveries: proof for the receiver that a POST came from this
engine, unaltered and recently.

Each delivery carries ``Engagement-Signature: t=<unix seconds>,v1=<hex>``, where
``<hex>`` is the HMAC-SHA256, under the shared secret, of ``"<t>."`` followed by the
exact body bytes (the scheme Stripe and GitHub use).  The timestamp is taken when the
delivery starts, so every retry is signed afresh; a receiver refuses signatures
older than a few minutes (a captured request replayed later) and keeps the
``Engagement-Delivery`` ids it has handled (a request replayed at once, or a
delivery repeated after a lost answer).

:func:`verify_signature` is the receiver's side, for receivers in Python; the
scheme is small enough to check in any language (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from engagement.exceptions import EngagementError, InvalidInputError

SIGNATURE_HEADER = "Engagement-Signature"
DELIVERY_HEADER = "Engagement-Delivery"
"""The outbox message's id: the same on every retry, the receiver's idempotency key."""
TOLERANCE = 300
"""Seconds a signature stays acceptable by default (clock skew plus delivery time)."""
MIN_SECRET_BYTES = 16
MAX_HEADER = 4096

Secret = str | bytes


class SignatureError(EngagementError, ValueError):
    """A delivery whose signature does not verify: refuse it (answer 400 or 401).

    The message says why (no header, malformed, no signature matches, too old) for
    the receiver's log; it never includes the secret or the expected signature.
    """


def signature(secret: Secret, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body`` under ``secret``."""
    key = secret.encode() if isinstance(secret, str) else secret
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def sign(secret: Secret, body: bytes, timestamp: int | None = None) -> str:
    """The ``Engagement-Signature`` header's value for ``body`` sent at ``timestamp``
    (Unix seconds; default now)."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},v1={signature(secret, when, body)}"


def check_secret(secret: object, name: str = "secret") -> bytes:
    """``secret`` as bytes, refused if it is too short to resist guessing."""
    if isinstance(secret, str):
        secret = secret.encode()
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise InvalidInputError(
            f"{name}: a shared secret of at least {MIN_SECRET_BYTES} bytes "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return secret


def verify_signature(
    body: bytes,
    header: str | None,
    secret: Secret | Sequence[Secret],
    *,
    tolerance: int = TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a delivery's ``Engagement-Signature`` header; return its timestamp.

    ``body`` is the request's raw body, exactly as received (before any JSON
    parsing); ``secret`` one secret, or several while rotating (any may match).
    Raises :class:`SignatureError` when the header is missing or malformed, when no
    signature matches, or when the timestamp is more than ``tolerance`` seconds
    from ``now`` (default: the clock) either way.
    """
    secrets: list[object] = (
        [secret] if isinstance(secret, str | bytes) else list(secret) if _listed(secret) else []
    )
    if not secrets or any(not isinstance(s, str | bytes) or not s for s in secrets):
        raise InvalidInputError("secret: one secret (str or bytes), or a list of them")
    if not header:
        raise SignatureError(f"no {SIGNATURE_HEADER} header: the request is not signed")
    if len(header) > MAX_HEADER:
        raise SignatureError(f"{SIGNATURE_HEADER} header longer than {MAX_HEADER} characters")
    timestamp, candidates = _parse(header)
    expected = [signature(s, timestamp, body) for s in secrets if isinstance(s, str | bytes)]
    if not any(hmac.compare_digest(c, e) for c in candidates for e in expected):
        raise SignatureError("no signature matches: wrong secret, or the body was altered")
    age = (time.time() if now is None else now) - timestamp
    if age > tolerance:
        raise SignatureError(
            f"signed {int(age)} s ago, outside the {tolerance} s tolerance: "
            "a replayed request, or a clock out of sync"
        )
    if -age > tolerance:
        raise SignatureError(
            f"signed {int(-age)} s ahead of this clock, outside the {tolerance} s "
            "tolerance: a clock out of sync"
        )
    return timestamp


def _listed(value: object) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError(
            f"malformed {SIGNATURE_HEADER} header: expected t=<unix seconds>,v1=<hex>"
        )
    return timestamp, candidates
