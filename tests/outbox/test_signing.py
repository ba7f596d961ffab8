"""Webhook signatures on their own: what a receiver accepts and what it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement import InvalidInputError
from engagement.outbox import SignatureError, sign, verify_signature
from engagement.outbox.signing import signature

SECRET = "whsec-0123456789abcdef"
BODY = b'{"id": 7, "event": "badge-awarded", "payload": {"badge": "first-share"}}'
SENT = 1_780_000_000


def test_a_good_delivery_verifies_and_gives_its_timestamp() -> None:
    header = sign(SECRET, BODY, SENT)
    assert header == f"t={SENT},v1={signature(SECRET, SENT, BODY)}"
    assert verify_signature(BODY, header, SECRET, now=SENT + 2) == SENT
    assert verify_signature(BODY, header, SECRET.encode(), now=SENT - 2) == SENT  # skew


def test_a_tampered_body_is_refused() -> None:
    header = sign(SECRET, BODY, SENT)
    tampered = BODY.replace(b"first-share", b"top-advocate")
    with pytest.raises(SignatureError, match=r"^no signature matches: wrong secret, or the body"):
        verify_signature(tampered, header, SECRET, now=SENT)


def test_a_wrong_secret_is_refused() -> None:
    header = sign("another-secret-0123456789", BODY, SENT)
    with pytest.raises(SignatureError, match=r"^no signature matches"):
        verify_signature(BODY, header, SECRET, now=SENT)


def test_a_timestamp_moved_to_look_fresh_is_refused() -> None:
    old = sign(SECRET, BODY, SENT)
    moved = old.replace(f"t={SENT}", f"t={SENT + 3600}")
    with pytest.raises(SignatureError, match=r"^no signature matches"):
        verify_signature(BODY, moved, SECRET, now=SENT + 3600)


def test_a_replayed_delivery_is_refused_once_out_of_tolerance() -> None:
    header = sign(SECRET, BODY, SENT)
    assert verify_signature(BODY, header, SECRET, now=SENT + 300) == SENT
    with pytest.raises(
        SignatureError,
        match=r"^signed 301 s ago, outside the 300 s tolerance: a replayed request",
    ):
        verify_signature(BODY, header, SECRET, now=SENT + 301)
    with pytest.raises(
        SignatureError,
        match=r"^signed 11 s ahead of this clock, outside the 10 s tolerance: a clock out",
    ):
        verify_signature(BODY, header, SECRET, now=SENT - 11, tolerance=10)


def test_while_rotating_any_of_the_secrets_may_match() -> None:
    new = "whsec-new-secret-9876543210"
    header = sign(SECRET, BODY, SENT)
    assert verify_signature(BODY, header, [new, SECRET], now=SENT) == SENT
    both = f"{header},v1={signature(new, SENT, BODY)}"
    assert verify_signature(BODY, both, [new], now=SENT) == SENT


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "no Engagement-Signature header: the request is not signed"),
        ("", "no Engagement-Signature header: the request is not signed"),
        ("v1=abc", "malformed Engagement-Signature header: expected t=<unix seconds>,v1=<hex>"),
        (f"t={SENT}", "malformed Engagement-Signature header"),
        ("t=soon,v1=abc", "malformed Engagement-Signature header"),
        ("t=-5,v1=abc", "malformed Engagement-Signature header"),
        ("x" * 5000, "Engagement-Signature header longer than 4096 characters"),
    ],
)
def test_a_missing_or_malformed_header_is_refused(header: str | None, message: str) -> None:
    with pytest.raises(SignatureError) as raised:
        verify_signature(BODY, header, SECRET, now=SENT)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("secret", ["", [], [b""], [SECRET, 42], None])
def test_a_receiver_without_a_usable_secret_is_told(secret: object) -> None:
    with pytest.raises(InvalidInputError, match=r"^secret: one secret \(str or bytes\)"):
        verify_signature(BODY, sign(SECRET, BODY, SENT), secret, now=SENT)  # type: ignore[arg-type]


@given(
    body=st.binary(max_size=2000),
    secret=st.binary(min_size=16, max_size=64),
    flip=st.integers(min_value=0),
)
def test_any_body_verifies_and_any_changed_byte_does_not(
    body: bytes, secret: bytes, flip: int
) -> None:
    header = sign(secret, body, SENT)
    assert verify_signature(body, header, secret, now=SENT) == SENT
    if body:
        index = flip % len(body)
        changed = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        with pytest.raises(SignatureError):
            verify_signature(changed, header, secret, now=SENT)
    with pytest.raises(SignatureError):
        verify_signature(body + b" ", header, secret, now=SENT)
