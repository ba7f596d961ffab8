"""How much of a share's text is the member's own words.

The field's failure mode is the "sandwich board": re-posting the suggested text
verbatim.  We compare the words of what the member wrote with the vocabulary of the
content's suggested text; words the suggestion does not use are the member's own.  The
fingerprint of those own words lets the personalisation rule notice a stock phrase
("Great read!") reused from one share to the next.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_TELLING_LENGTH = 5
_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)


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


def analyse(text: str | None, suggested_text: str | None) -> TextAnalysis:
    """Compare ``text`` with ``suggested_text``.

    Own words are the words of ``text`` that the suggested text does not use at all;
    repeating or reordering the suggestion is not personalisation.  The fingerprint
    hashes the *set* of own words of five letters or more (order, repetition and
    short function words ignored: whether "this" or "pour" also occurs in a given
    suggestion is chance), so a stock phrase pasted before different suggested texts
    is still recognised.  It is stable
    across Python runs (no salted ``hash()``) and ``None`` when there are no own words.
    """
    if not text:
        return NO_TEXT
    written = words(text)
    if not written:
        return NO_TEXT
    borrowed = set(words(suggested_text)) if suggested_text else set()
    own = [word for word in written if word not in borrowed]
    distinct = set(own)
    telling = sorted(w for w in distinct if len(w) >= _TELLING_LENGTH) or sorted(distinct)
    fingerprint = (
        hashlib.blake2b(" ".join(telling).encode(), digest_size=8).hexdigest() if own else None
    )
    return TextAnalysis(
        words=len(written),
        own_words=len(own),
        distinct_own_words=len(distinct),
        fingerprint=fingerprint,
    )
