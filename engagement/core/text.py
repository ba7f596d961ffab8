"""How much of a share's text is the member's own words, and which template it follows.

The field's failure mode is the "sandwich board": re-posting the suggested text
verbatim.  We compare the words of what the member wrote with the vocabulary of the
content's suggested text; words the suggestion does not use are the member's own.

Its subtler cousin is the template: one comment pasted on every share, with a number,
a hashtag, a mention, a link or the content's topic word changed each time ("Great
insights on #AI, 3 ideas for 2026!").  The fingerprint describes the *template* of
the own words, not their exact text, so that the personalisation rule can tell it
was used before:

* the text is normalised: links, hashtags, mentions and words holding digits are
  dropped, and so are the content's topic words and words shorter than five letters
  (whether "this" or "pour" occurs is chance);
* the remaining set of words is summarised by a MinHash signature of
  :data:`SIGNATURE` hash functions, each kept as its lowest four bits (one hex digit:
  "b-bit MinHash").  Two word sets with a Jaccard similarity ``J`` agree on each
  digit with probability ``J + (1 - J) / 16``, so the share of digits two signatures
  have in common estimates how alike the comments are: a template with a word or two
  changed keeps most digits, two unrelated comments keep about one in sixteen.

The fingerprint is the signature as 16 hex digits, so it fits the log's column; a
fingerprint written by an earlier version (a hash of the exact own words) is compared
the same way, and the same words still match.  Rules compare :func:`template_code`
values (the first :data:`CODE_DIGITS` digits, which a float holds exactly, so a rule's
time index can keep them) with :func:`alike`.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_TELLING_LENGTH = 5
_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_NOISE = re.compile(r"(?:https?://|www\.)\S+|[#@]\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_HEX = re.compile("[0-9a-f]+")

SIGNATURE = 16
"""Hash functions of the signature: one hex digit each."""
CODE_DIGITS = 11
"""Digits of the signature rules compare: 44 bits, which leave room in a float for a
9-bit number beside them (see :func:`pack`)."""
_CODE_MASK = (1 << (4 * CODE_DIGITS)) - 1
_LOW_BITS = int("1" * CODE_DIGITS, 16)  # 0x111…1: the lowest bit of each digit
_ROW = struct.Struct(f"<{SIGNATURE}I")


PACKED_MAX = (1 << 9) - 1
"""Largest number :func:`pack` keeps beside a code (larger ones are kept as this)."""


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """Word counts of a text compared with the suggested text it started from."""

    words: int
    own_words: int
    distinct_own_words: int
    fingerprint: str | None

    @property
    def own_ratio(self) -> float:
        """Share of the text's words that are the member's own (0 for no text)."""
        return self.own_words / self.words if self.words else 0.0


NO_TEXT = TextAnalysis(words=0, own_words=0, distinct_own_words=0, fingerprint=None)


def words(text: str) -> list[str]:
    """Lower-cased words, apostrophes kept inside words (``l'équipe``, ``don't``)."""
    return [w.lower() for w in _WORD.findall(text)]


def analyse(
    text: str | None, suggested_text: str | None, topics: Iterable[str] = ()
) -> TextAnalysis:
    """Compare ``text`` with ``suggested_text`` (the content's, about ``topics``).

    Own words are the words of ``text`` that the suggested text does not use at all;
    repeating or reordering the suggestion is not personalisation, and neither are
    links, hashtags, mentions or numbers (they count as words of the text, never as
    the member's own).  The fingerprint is :func:`template_signature` of the own
    words, ``None`` when there are none.
    """
    if not text:
        return NO_TEXT
    cleaned = _NOISE.sub(" # ", text)
    written = words(cleaned)
    if not written:
        return NO_TEXT
    noise = len(_NOISE.findall(text))
    borrowed = set(words(suggested_text)) if suggested_text else set()
    own = [word for word in written if word not in borrowed and not _DIGIT.search(word)]
    distinct = set(own)
    return TextAnalysis(
        words=len(written) + noise,
        own_words=len(own),
        distinct_own_words=len(distinct),
        fingerprint=template_signature(distinct, topics) if own else None,
    )


def template_words(own: Iterable[str], topics: Iterable[str] = ()) -> list[str]:
    """The words that make a comment's template: its own words of five letters or
    more, less the content's topic words; all its own words if that leaves none."""
    distinct = set(own)
    topical = {word for topic in topics for word in words(topic)}
    telling = sorted(w for w in distinct if len(w) >= _TELLING_LENGTH and w not in topical)
    return telling or sorted(distinct)


def template_signature(own: Iterable[str], topics: Iterable[str] = ()) -> str:
    """16 hex digits: the lowest four bits of :data:`SIGNATURE` minimum hashes of
    :func:`template_words` (b-bit MinHash).  The hash functions are the 32-bit words
    of one 64-byte BLAKE2b digest per word: stable across processes (no salted
    ``hash()``), and one digest per word instead of one per word and function."""
    rows = [
        _ROW.unpack(hashlib.blake2b(word.encode(), digest_size=4 * SIGNATURE).digest())
        for word in template_words(own, topics)
    ]
    if not rows:
        return "0" * SIGNATURE
    return "".join("%x" % (min(column) & 15) for column in zip(*rows, strict=True))


def template_code(fingerprint: str) -> int:
    """The part of ``fingerprint`` that rules compare (:data:`CODE_DIGITS` digits).

    A fingerprint that is not a signature (not :data:`SIGNATURE` hex digits: a host's
    own, a test's) is hashed first, so it matches exactly itself and nothing else.
    """
    if len(fingerprint) != SIGNATURE or not _HEX.fullmatch(fingerprint):
        fingerprint = hashlib.blake2b(fingerprint.encode(), digest_size=8).hexdigest()
    return int(fingerprint[:CODE_DIGITS], 16) & _CODE_MASK


def digits_needed(similarity: float) -> int:
    """Digits two codes must share to count as one template at ``similarity`` (0–1)."""
    return max(1, min(CODE_DIGITS, math.ceil(similarity * CODE_DIGITS - 1e-9)))


def shared_digits(a: int, b: int) -> int:
    """How many of the :data:`CODE_DIGITS` digits of two codes are equal."""
    x = a ^ b
    x |= x >> 1
    x |= x >> 2
    return CODE_DIGITS - (x & _LOW_BITS).bit_count()


def alike(a: int, b: int, needed: int) -> bool:
    """Whether codes ``a`` and ``b`` share at least ``needed`` digits (one template)."""
    x = a ^ b
    x |= x >> 1
    x |= x >> 2
    return CODE_DIGITS - (x & _LOW_BITS).bit_count() >= needed


def echo(fingerprint: str, others: Iterable[str]) -> int:
    """The most :data:`CODE_DIGITS` digits ``fingerprint``'s code shares with one of
    ``others`` (other members' comments on the same content); 0 with none.

    Stored with the action when it is logged, so that whether a comment was copied
    is a fact of the log, compared with each rule's ``template_similarity`` later."""
    code = template_code(fingerprint)
    low_bits = _LOW_BITS
    fewest = CODE_DIGITS
    for other in others:
        x = code ^ _code_of(other)
        x |= x >> 1
        x |= x >> 2
        fewest = min(fewest, (x & low_bits).bit_count())
    return CODE_DIGITS - fewest


@lru_cache(maxsize=16384)
def _code_of(fingerprint: str) -> int:
    """:func:`template_code`, kept: an item's comments are compared again and again."""
    return template_code(fingerprint)


def count_alike(values: Iterable[float], code: int, needed: int, *, first: bool = False) -> int:
    """How many :func:`pack` ``values`` hold a code :func:`alike` ``code`` (with
    ``first``: 1 as soon as one does).  The loop every template question runs over a
    member's window of comments, so :func:`unpack` and :func:`alike` are inlined."""
    misses = CODE_DIGITS - needed
    low_bits = _LOW_BITS
    found = 0
    for value in values:
        x = (int(value) >> 9) ^ code
        if x:
            x |= x >> 1
            x |= x >> 2
            if (x & low_bits).bit_count() > misses:
                continue
        found += 1
        if first:
            return 1
    return found


def pack(code: int, number: float = 0) -> float:
    """``code`` and a small whole ``number`` (0 to :data:`PACKED_MAX`) in one float,
    exactly: a time index keeps one value per fact."""
    return float((code << 9) | min(PACKED_MAX, max(0, int(number))))


def unpack(value: float) -> tuple[int, int]:
    """``(code, number)`` of a :func:`pack` value."""
    packed = int(value)
    return packed >> 9, packed & PACKED_MAX
