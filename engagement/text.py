"""How much of a share's text is the member's own words.

The field's failure mode is the "sandwich board": re-posting the suggested text
verbatim.  We compare the words of what the member wrote with the words of the
content's suggested text; words beyond that multiset are the member's own.  The
fingerprint of those own words lets the personalisation rule notice a stock phrase
("Great read!") reused from one share to the next.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

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

    The fingerprint is a short hash of the member's own words in order, or ``None``
    when there are none; it is stable across Python runs (no salted ``hash()``).
    """
    if not text:
        return NO_TEXT
    written = words(text)
    if not written:
        return NO_TEXT
    available = Counter(words(suggested_text)) if suggested_text else Counter()
    own: list[str] = []
    for word in written:
        if available[word] > 0:
            available[word] -= 1
        else:
            own.append(word)
    fingerprint = (
        hashlib.blake2b(" ".join(own).encode(), digest_size=8).hexdigest() if own else None
    )
    return TextAnalysis(
        words=len(written),
        own_words=len(own),
        distinct_own_words=len(set(own)),
        fingerprint=fingerprint,
    )
