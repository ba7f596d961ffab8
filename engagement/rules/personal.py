"""What counts as the member's own words: the test several rules share.

An action is *personal* when its text has enough distinct words of the member's own
(``min_own_words``), was not copied from a colleague (its ``echo``: the template of
another member's earlier comment on the same content), and is not a template: its
own words do not follow the same template as another comment of the member's within
``template_window`` (see
:mod:`engagement.core.text`: numbers, hashtags, mentions, links and the content's
topic words are ignored, and small edits keep most of the signature).

Each rule that asks the question keeps the template codes it needs in its own
:class:`TimeIndex` under :data:`TEMPLATES`, a pure function of each fact (its
fingerprint, and for a rule that remembers points, its points), so a member's state
is the same whatever order the facts arrived in and a snapshot carries it.  Two
comments of one template both count as templates once both are known: whichever was
written first, neither is the member's own any more.
"""

from __future__ import annotations

from bisect import bisect_left

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engagement.core.facts import Fact
from engagement.core.history import TimeIndex
from engagement.core.periods import parse_duration
from engagement.core.text import count_alike, digits_needed, pack, template_code, unpack

TEMPLATES = "templates"
"""The index key under which a rule keeps the template codes of personal-looking facts."""


class PersonalSettings(BaseModel):
    """The settings of the personal-words test, shared by the rules that use it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_own_words: int = Field(
        default=4, ge=1, description="Fewer distinct own words than this are not personal."
    )
    template_window: str = Field(
        default="90d",
        description="A comment following the template of another one within this long "
        "(before or after) is not personal.",
    )
    template_similarity: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="How alike two comments' own words must be (0-1) to be one template; "
        "1: the same words, numbers, hashtags, links and topic words aside.",
    )

    @field_validator("template_window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class PersonalTest:
    """The personal-words test with one rule's settings, over that rule's index."""

    __slots__ = ("min_own_words", "needed", "seconds")

    def __init__(self, settings: PersonalSettings) -> None:
        self.min_own_words = settings.min_own_words
        self.seconds = parse_duration(settings.template_window)
        self.needed = digits_needed(settings.template_similarity)

    def code(self, fact: Fact) -> int | None:
        """The fact's template code, if it has enough own words to be personal and
        was not copied from another member's comment on the same content."""
        fingerprint = fact.fingerprint
        if (
            fingerprint is None
            or fact.distinct_own_words < self.min_own_words
            or fact.echo >= self.needed
        ):
            return None
        return template_code(fingerprint)

    def copied(self, fact: Fact) -> bool:
        """Whether the fact's own words follow the template of a comment another member
        wrote earlier on the same content (see :mod:`engagement.pipeline.echoes`)."""
        return fact.fingerprint is not None and fact.echo >= self.needed

    def alike(self, index: TimeIndex, code: int, ts: float) -> int:
        """Comments in ``index`` within the window around ``ts`` that follow ``code``'s
        template (the fact itself included if it is already there)."""
        seconds = self.seconds
        _, values = index.entries(TEMPLATES, ts - seconds, ts + seconds)
        return count_alike(values, code, self.needed)

    def personal(self, fact: Fact, index: TimeIndex) -> bool:
        """Whether ``fact`` (not yet in ``index``) carries the member's own words."""
        code = self.code(fact)
        if code is None:
            return False
        seconds = self.seconds
        _, values = index.entries(TEMPLATES, fact.ts - seconds, fact.ts + seconds)
        return not count_alike(values, code, self.needed, first=True)

    def reused(self, fact: Fact, index: TimeIndex) -> bool:
        """Whether ``fact``'s own words (however few) were copied from a colleague or
        follow the template of a comment in ``index`` within the window around it:
        the badges' side of the test (:class:`engagement.badges.catalogue.TemplateTest`)."""
        fingerprint = fact.fingerprint
        if fingerprint is None:
            return False
        if fact.echo >= self.needed:
            return True
        seconds = self.seconds
        _, values = index.entries(TEMPLATES, fact.ts - seconds, fact.ts + seconds)
        return bool(count_alike(values, template_code(fingerprint), self.needed, first=True))

    def remember_in(self, fact: Fact, index: TimeIndex, number: float = 0) -> None:
        """Keep the fact's template code (with ``number``, e.g. its points)."""
        code = self.code(fact)
        if code is not None:
            index.add(TEMPLATES, fact.ts, pack(code, number))

    def pairs(self, fact: Fact, number: float = 0) -> tuple[tuple[str, float], ...]:
        """What :meth:`remember_in` adds, as ``(key, value)`` pairs."""
        code = self.code(fact)
        return ((TEMPLATES, pack(code, number)),) if code is not None else ()

    def templated_numbers(self, index: TimeIndex, start: float, end: float) -> float:
        """The sum of the numbers kept with the comments in ``[start, end)`` that follow
        the template of another comment within the window around them.
        """
        seconds = self.seconds
        times, values = index.entries(TEMPLATES, start - seconds, end + seconds)
        if not times:
            return 0.0
        needed = self.needed
        codes = [unpack(value) for value in values]
        total = 0.0
        for i in range(bisect_left(times, start), bisect_left(times, end)):
            code, number = codes[i]
            if not number:
                continue
            ts = times[i]
            low, high = bisect_left(times, ts - seconds), bisect_left(times, ts + seconds)
            if count_alike(values[low:i], code, needed, first=True) or count_alike(
                values[i + 1 : high], code, needed, first=True
            ):
                total += number
        return total
