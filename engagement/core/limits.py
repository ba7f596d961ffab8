"""The boundary: what the engine accepts from a host, checked before anything is written.

Every string that reaches the database is refused if it holds a NUL (PostgreSQL
cannot store one, SQLite would, so the backends would disagree) or a lone surrogate
(not encodable as UTF-8), and is stored in Unicode normalisation form NFC, so that
"Léa" typed with a composed "é" or with "e" and a combining accent is one member.
Lengths are counted after normalisation, in characters.

Most limits are the sizes of the columns that store the values and cannot be raised
without a migration: they are constants here.  What a host may reasonably need more
(or less) of is in :class:`Limits`, given to :class:`engagement.Engagement`.  See
docs/design.md, "The boundary", for the table of every field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from engagement.core.periods import zone
from engagement.exceptions import InvalidInputError

ID_LENGTH = 255
"""Member ids, action keys, targets and content ids (their columns' size)."""
NAME_LENGTH = 255
"""Display names and teams."""
GROUP_LENGTH = 128
"""Custom leaderboard groups' ids."""
LABEL_LENGTH = 64
"""Verbs, channels and content kinds."""
TIMEZONE_LENGTH = 64
LOCALE_LENGTH = 16
TEXT_LENGTH = 1_000_000
"""Texts and suggested texts, whatever the rule file's ``max_text_length`` says."""
REASON_LENGTH = 10_000
"""Why an action is revoked (kept for audit)."""
MAX_TOPICS = 1_000
"""The most :attr:`Limits.topics` can be raised to."""
MAX_TOPIC_LENGTH = 255
"""The most :attr:`Limits.topic_length` can be raised to."""
MAX_COUNT = 2**53
"""Largest reach counter (impressions, clicks, reactions), inclusive: the largest
integer every JSON reader holds exactly, and far beyond any network's numbers."""
WINDOW = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
"""The widest window :attr:`Limits.earliest` and :attr:`Limits.latest` can open."""

T = TypeVar("T")
_REFUSED = re.compile("[\x00\ud800-\udfff]")
_NUL = "holds a NUL character (U+0000), which no text may hold"
_SHRINK = 4
"""NFC joins at most a few code points into one: a text longer than this many times
its limit is refused before it is normalised, so hostile sizes cost little."""


def clean(value: str, limit: int) -> str:
    """``value`` in NFC; :class:`ValueError` naming the problem and the limit if it
    holds a NUL or a lone surrogate or has more than ``limit`` characters."""
    if value.isascii():  # the usual case, and the fast one: already NFC, no surrogates
        if len(value) > limit:
            raise ValueError(f"{len(value)} characters, more than the limit of {limit}")
        if "\x00" in value:
            raise ValueError(_NUL)
        return value
    if len(value) > limit * _SHRINK:
        raise ValueError(f"{len(value)} characters, more than the limit of {limit}")
    refused = _REFUSED.search(value)
    if refused is not None:
        char = refused.group()
        if char == "\x00":
            raise ValueError(_NUL)
        raise ValueError(
            f"holds a lone surrogate (U+{ord(char):04X}), which is not text: send valid UTF-8"
        )
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if len(value) > limit:
        raise ValueError(f"{len(value)} characters, more than the limit of {limit}")
    return value


def checked(field: str, value: object, limit: int, *, optional: bool = False) -> Any:
    """``value`` as :func:`clean` leaves it, or :class:`InvalidInputError` naming ``field``.

    ``None`` passes when ``optional``; anything else but a non-empty string is refused.
    """
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidInputError(
            f"{field}: a non-empty string of at most {limit} characters, not {_show(value)}"
        )
    try:
        return clean(value, limit)
    except ValueError as exc:
        raise InvalidInputError(f"{field}: {exc}") from None


def cleaned(field: str, value: T, limit: int) -> T:
    """``value`` cleaned as :func:`clean` does if it is a string (else as it is, for
    the caller's own checks), or :class:`InvalidInputError` naming ``field``."""
    if not isinstance(value, str):
        return value
    try:
        return cast(T, clean(value, limit))
    except ValueError as exc:
        raise InvalidInputError(f"{field}: {exc}") from None


def member_id(value: object) -> str:
    """A member's id as it is stored; the same check as enrolment applies."""
    checked_id: str = checked("member_id", value, ID_LENGTH)
    return checked_id


def count_problem(field: str, value: object) -> str | None:
    """Why ``value`` is not a reach counter (a whole number from 0 to :data:`MAX_COUNT`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{field}: a whole number, not {_show(value)}"
    if value < 0:
        return f"{field}: a count, 0 or more, not {value}"
    if value > MAX_COUNT:
        return f"{field}: {_show(value)} is more than the limit of {MAX_COUNT} (2**53)"
    return None


MEMBER_LIMITS = {
    "display_name": NAME_LENGTH,
    "team": NAME_LENGTH,
    "timezone": TIMEZONE_LENGTH,
    "locale": LOCALE_LENGTH,
}


def member_fields(member_id: object, fields: Mapping[str, object]) -> tuple[str, dict[str, Any]]:
    """The member's id and profile ``fields`` as they are stored, or
    :class:`InvalidInputError` listing every bad one (with its limit)."""
    problems = []
    clean_id: str = ""
    try:
        clean_id = checked("member_id", member_id, ID_LENGTH)
    except InvalidInputError as exc:
        problems.append(str(exc))
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "opted_in":
            if not isinstance(value, bool):
                problems.append(f"opted_in: true or false, not {_show(value)}")
            values[name] = value
            continue
        try:
            values[name] = checked(name, value, MEMBER_LIMITS[name], optional=True)
        except InvalidInputError as exc:
            problems.append(str(exc))
            continue
        if name == "timezone" and values[name] is not None:
            try:
                zone(values[name])
            except InvalidInputError as exc:
                problems.append(f"timezone: {exc}")
    if problems:
        raise InvalidInputError("; ".join(problems))
    return clean_id, values


def _whole(field: str, value: object, low: int, high: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"{field}: a whole number from {low} to {high}, not {value!r}"
    return None


def _instant(field: str, value: object) -> str | None:
    low, high = WINDOW
    if not isinstance(value, datetime) or value.tzinfo is None:
        return f"{field}: an aware datetime (with a time zone), not {value!r}"
    if not low <= value <= high:
        return f"{field}: from {low.date()} to {high.date()}, not {value.isoformat()}"
    return None


@dataclass(frozen=True, slots=True)
class Limits:
    """What an engine accepts where a host may need other values than the defaults.

    ``topics`` and ``topic_length`` bound a content's topics (at most
    :data:`MAX_TOPICS` and :data:`MAX_TOPIC_LENGTH`).  Actions and reach reports must
    be dated from ``earliest`` (included) to ``latest`` (excluded), within
    :data:`WINDOW`; with ``future`` set, also no later than that long after the
    clock, which keeps members from dating actions onto boards yet to come.  Bad
    values raise :class:`InvalidInputError`.
    """

    topics: int = 20
    topic_length: int = 64
    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    latest: datetime = datetime(2100, 1, 1, tzinfo=UTC)
    future: timedelta | None = None

    def __post_init__(self) -> None:
        problems = [
            problem
            for problem in (
                _whole("topics", self.topics, 0, MAX_TOPICS),
                _whole("topic_length", self.topic_length, 1, MAX_TOPIC_LENGTH),
                _instant("earliest", self.earliest),
                _instant("latest", self.latest),
            )
            if problem
        ]
        if not problems and self.earliest >= self.latest:
            problems.append("latest: must come after earliest")
        if self.future is not None and (
            not isinstance(self.future, timedelta)
            or not timedelta(0) <= self.future <= timedelta(days=366)
        ):
            problems.append(f"future: None or a timedelta from 0 to 366 days, not {self.future!r}")
        if problems:
            raise InvalidInputError("limits: " + "; ".join(problems))

    def instant_problem(self, field: str, at: datetime, now: datetime) -> str | None:
        """Why ``at`` (an aware datetime) is outside the accepted window, if it is.

        Compared without converting ``at``, which may sit at the very edge of what
        :class:`datetime` holds (0001-01-01 with a positive offset)."""
        if at < self.earliest:
            return (
                f"{field}: {at.isoformat()} is before {self.earliest.isoformat()}, "
                "the earliest accepted (Limits.earliest)"
            )
        if at >= self.latest:
            return (
                f"{field}: {at.isoformat()} is not before {self.latest.isoformat()}, "
                "the limit (Limits.latest)"
            )
        if self.future is not None and at > now + self.future:
            return (
                f"{field}: {at.isoformat()} is more than {self.future} after now, "
                f"{now.isoformat(timespec='seconds')} (Limits.future)"
            )
        return None

    def topics_problem(self, field: str, topics: tuple[str, ...]) -> str | None:
        """Why ``topics`` (already clean) are too many or one of them too long."""
        if len(topics) > self.topics:
            return f"{field}: {len(topics)} topics, more than the limit of {self.topics}"
        for index, topic in enumerate(topics):
            if len(topic) > self.topic_length:
                return (
                    f"{field}.{index}: {len(topic)} characters, "
                    f"more than the limit of {self.topic_length}"
                )
        return None


DEFAULT_LIMITS = Limits()
"""The limits of an engine built without ``limits=``."""


def _show(value: object) -> str:
    """``value`` for an error message, cut short: hostile input can be huge."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}… ({type(value).__name__})"
