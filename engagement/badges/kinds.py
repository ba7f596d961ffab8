"""The built-in criteria kinds.

Each answers one question HR asks about a member ("how many personal shares?", "on
how many channels?", "how many weeks in a row?") and says, in the member's
language, what is left to do.  None of them rewards raw volume on its own: volume
only counts through filters HR chooses (personal shares, original posts…).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from engagement.badges.criteria import (
    CriterionKind,
    CriterionKindRegistry,
    CriterionParams,
    FactFilter,
    Matcher,
    Measure,
    Vocabulary,
)
from engagement.core.facts import Fact
from engagement.core.periods import parse_duration
from engagement.core.reciprocity import Reciprocity, ReciprocitySettings
from engagement.core.timeindex import TimeIndex

_ONE: tuple[tuple[Hashable, float], ...] = ((None, 1.0),)


def _plural(n: int, word: str) -> str:
    return word if n == 1 or word.endswith("s") else f"{word}s"


def _first_in_span(
    criterion: CriterionKind[Any], index: TimeIndex, fact: Fact, start: float, end: float
) -> bool:
    """Whether one of ``fact``'s keys has no other fact in ``[start, end)``."""
    return any(index.count(key, start, end) == 1 for key, _ in criterion.remember(fact))


def _remaining(measure: Measure, target: float) -> int:
    return max(1, math.ceil(target - measure.value))


class Count(CriterionKind[CriterionParams]):
    """Actions passing the filter: ``5 personal shares``."""

    kind = "count"
    Params = CriterionParams

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return _ONE

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        return Measure(index.count(None, start, end))

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        n = _remaining(measure, target)
        noun = words.noun(self.params.verbs)
        if lang == "fr":
            return f"encore {n} action{'s' if n > 1 else ''} « {noun} »"
        personal = "personal " if self.params.personalised else ""
        return f"{n} more {personal}{_plural(n, noun)}"


class First(Count):
    """The first action passing the filter: a first original post."""

    kind = "first"
    fixed_target = 1.0

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        noun = words.noun(self.params.verbs)
        return f"votre premier « {noun} »" if lang == "fr" else f"your first {noun}"


Dimension = Literal["channel", "topic", "verb", "content_kind", "content", "target"]
_DIMENSION_WORDS = {
    "en": {
        "channel": "channel",
        "topic": "topic",
        "verb": "kind of action",
        "content_kind": "kind of content",
        "content": "piece of content",
        "target": "colleague",
    },
    "fr": {
        "channel": "réseau",
        "topic": "thème",
        "verb": "type d'action",
        "content_kind": "type de contenu",
        "content": "contenu",
        "target": "collègue",
    },
}
_PLURAL_DIMENSIONS = {
    "channel": "channels",
    "topic": "topics",
    "verb": "kinds of action",
    "content_kind": "kinds of content",
    "content": "pieces of content",
    "target": "colleagues",
}

_PLURAL_DIMENSIONS_FR = {
    "channel": "réseaux",
    "topic": "thèmes",
    "verb": "types d'action",
    "content_kind": "types de contenu",
    "content": "contenus",
    "target": "collègues",
}


class DistinctParams(CriterionParams):
    dimension: Dimension = Field(description="What must vary: channel, topic, verb…")


class Distinct(CriterionKind[DistinctParams]):
    """Distinct values among passing actions: variety of channels, topics, verbs."""

    kind = "distinct"
    Params = DistinctParams

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return [(value, 1.0) for value in fact.values(self.params.dimension)]

    def moved(self, index: TimeIndex, fact: Fact, start: float, end: float) -> bool:
        # Only a value seen for the first time in the span adds to the count.
        return _first_in_span(self, index, fact, start, end)

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        return Measure(sum(1 for key in index.all_keys() if index.count(key, start, end)))

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        n = _remaining(measure, target)
        dimension = self.params.dimension
        if lang == "fr":
            words_fr = _DIMENSION_WORDS["fr"] if n == 1 else _PLURAL_DIMENSIONS_FR
            verb_fr = "remerciez" if dimension == "target" else "utilisez"
            return f"{verb_fr} {n} {words_fr[dimension]} de plus"
        words_en = _DIMENSION_WORDS["en"] if n == 1 else _PLURAL_DIMENSIONS
        verb_en = "thank" if dimension == "target" else "use"
        return f"{verb_en} {n} more {words_en[dimension]}"


class RatioParams(CriterionParams):
    where: FactFilter = Field(description="Which of the counted actions are hits.")
    min_count: int = Field(default=1, ge=1, strict=True, description="Actions needed first.")


class Ratio(CriterionKind[RatioParams]):
    """Share of passing actions that are also hits: ``≥ 70 % of shares personalised``.

    Targets are fractions (0.7).  A ratio over two actions means little, hence
    ``min_count``: the badge waits until enough actions were counted.
    """

    kind = "ratio"
    Params = RatioParams
    max_target = 1.0

    def __init__(self, params: RatioParams, clock: Any) -> None:
        super().__init__(params, clock)
        self._hit = Matcher(params.where)

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return (("all", 1.0), ("hit", 1.0)) if self._hit(fact) else (("all", 1.0),)

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        total = index.count("all", start, end)
        hits = index.count("hit", start, end)
        return Measure(hits / total if total else 0.0, total >= self.params.min_count, total)

    def percent(self, measure: Measure, target: float) -> int:
        share = min(1.0, measure.value / target) if target > 0 else 1.0
        counted = min(1.0, measure.count / self.params.min_count)
        return int(min(share, counted) * 100)

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        noun = words.noun(self.params.verbs)
        if not measure.ready:
            n = self.params.min_count - measure.count
            if lang == "fr":
                plural = "s" if n > 1 else ""
                return f"encore {n} action{plural} « {noun} » (au moins {self.params.min_count})"
            return f"{n} more {_plural(n, noun)} (at least {self.params.min_count} count)"
        now, wanted = round(measure.value * 100), round(target * 100)
        personal = self.params.where.personalised is True
        if lang == "fr":
            which = "personnalisées" if personal else "qui comptent"
            return f"passez de {now} % à {wanted} % d'actions {which}"
        which = "personal " if personal else "qualifying "
        return f"raise your share of {which}{_plural(2, noun)} from {now} % to {wanted} %"


class StreakParams(CriterionParams):
    grace: int = Field(
        default=0, ge=0, le=4, strict=True, description="Missed weeks a streak survives."
    )

    @field_validator("period")
    @classmethod
    def _no_calendar(cls, value: str) -> str:
        if value != "ever":
            raise ValueError("a streak runs across periods: leave 'period' out")
        return value


class Streak(CriterionKind[StreakParams]):
    """Active in N consecutive weeks, in the member's time zone and the programme's week.

    Weeks, not days: nobody should feel pushed to post every day.  With ``grace``,
    up to that many quiet weeks in a row do not break the streak (they do not count
    towards it either).  The measure is the longest streak, so a late action that
    fills an old gap is credited.
    """

    kind = "streak"
    Params = StreakParams

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        start, _ = fact.period("week", self.clock.week_start)
        week = datetime.fromtimestamp(start, fact.tz).date().toordinal() // 7
        return ((week, 1.0),)

    def moved(self, index: TimeIndex, fact: Fact, start: float, end: float) -> bool:
        # A second action in an already active week cannot lengthen any streak.
        return _first_in_span(self, index, fact, start, end)

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        active = (k for k in index.all_keys() if index.count(k, start, end))
        weeks = sorted(k for k in active if isinstance(k, int))
        best = run = 0
        previous: int | None = None
        for week in weeks:
            gap = week - previous - 1 if previous is not None else 0
            run = run + 1 if previous is not None and gap <= self.params.grace else 1
            best = max(best, run)
            previous = week
        return Measure(best)

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        n = _remaining(measure, target)
        if lang == "fr":
            return f"restez actif {n} semaine{'s' if n > 1 else ''} de plus d'affilée"
        return f"stay active {n} more {_plural(n, 'week')} in a row"


class Points(CriterionKind[CriterionParams]):
    """Points earned by passing actions (revocations and rescoring included)."""

    kind = "points"
    Params = CriterionParams

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((None, float(fact.points)),)

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        return Measure(index.total(None, start, end))

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        n = _remaining(measure, target)
        return f"{n} points de plus" if lang == "fr" else f"{n} more {_plural(n, 'point')}"


class ThanksBackSettings(ReciprocitySettings):
    weight: float = Field(
        ge=0,
        le=1,
        description="What a colleague (or their kudos) counts for when the member thanks "
        "them back most of the time (0-1).",
    )


class KudosParams(CriterionParams):
    verbs: list[str] | None = Field(
        default_factory=lambda: ["kudos"], description="Verbs that thank a colleague."
    )
    distinct_givers: bool = Field(
        default=True, description="Count colleagues (true) or kudos (false)."
    )
    window: str = Field(
        default="30d", description="Kudos from the same colleague within this count once."
    )
    thanked_back: ThanksBackSettings | None = Field(
        default=None,
        description="Count less the kudos of a colleague the member mostly thanks back "
        "(the test of the reciprocity rule kind); every colleague counts fully if omitted.",
    )

    @field_validator("window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class KudosReceived(CriterionKind[KudosParams]):
    """Kudos colleagues gave the member: self-kudos never count, and kudos from the
    same colleague within ``window`` count once, so two friends cannot farm it.

    With ``thanked_back``, recognition is told from reciprocity: kudos from a colleague
    the member thanked back most of the time around them (the test of
    :mod:`engagement.core.reciprocity`, as scoring applies it) count for ``weight``, and
    a colleague all of whose kudos are such counts for ``weight`` among the distinct
    givers.  The member's own thanks are indexed too (:meth:`given`), under
    ``("back", colleague)``.
    """

    kind = "kudos_received"
    Params = KudosParams
    reads = "received"

    def __init__(self, params: KudosParams, clock: Any) -> None:
        super().__init__(params, clock)
        self._window = parse_duration(params.window)
        back = params.thanked_back
        self._back = Reciprocity(back) if back is not None else None
        self._weight = back.weight if back is not None else 1.0

    @property
    def reads_given(self) -> bool:
        return self._back is not None

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        if fact.target is None or fact.member == fact.target:
            return ()
        return ((fact.member, 1.0),)

    def given(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        if self._back is None or fact.target is None or fact.member == fact.target:
            return ()
        return ((("back", fact.target), 1.0),)

    def moved(self, index: TimeIndex, fact: Fact, start: float, end: float) -> bool:
        if self._back is not None:
            return True  # a colleague's weight may rise with any of their kudos
        return not self.params.distinct_givers or _first_in_span(self, index, fact, start, end)

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        givers = [key for key in index.all_keys() if isinstance(key, str)]
        if self.params.distinct_givers:
            total = 0.0
            for giver in givers:
                times = index.times(giver, start, end)
                if times:
                    returned = all(self._returned(index, giver, ts) for ts in times)
                    total += self._weight if returned else 1.0
            return Measure(round(total, 6))
        counted = 0.0
        for giver in givers:
            last = -math.inf
            for ts in index.times(giver, start, end):
                if ts - last >= self._window:
                    counted += self._weight if self._returned(index, giver, ts) else 1.0
                    last = ts
        return Measure(round(counted, 6))

    def _returned(self, index: TimeIndex, giver: str, ts: float) -> bool:
        """Whether the member thanked ``giver`` back most of the time around ``ts``."""
        back = self._back
        if back is None:
            return False
        low, high = ts - back.seconds, ts + back.seconds
        return back.mutual(index.count(giver, low, high), index.count(("back", giver), low, high))

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        n = _remaining(measure, target)
        plural = "s" if n > 1 else ""
        if not self.params.distinct_givers:
            if lang == "fr":
                return f"recevez {n} remerciement{plural} de plus"
            return f"receive {n} more kudos"
        if lang == "fr":
            return f"recevez des remerciements de {n} collègue{plural} de plus"
        return f"receive kudos from {n} more {_plural(n, 'colleague')}"


class Manual(CriterionKind[CriterionParams]):
    """Granted and revoked by HR, with a reason (``engine.badges.grant`` and ``revoke``)."""

    kind = "manual"
    Params = CriterionParams
    reads = "none"
    fixed_target = math.inf

    def could_change(self, verb: str) -> bool:
        return False

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ()

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        return Measure(0.0)

    def met(self, measure: Measure, target: float) -> bool:
        return False

    def percent(self, measure: Measure, target: float) -> int:
        return 0

    def hint(self, measure: Measure, target: float, words: Vocabulary, lang: str) -> str:
        if lang == "fr":
            return "décerné par l'équipe du programme"
        return "awarded by the programme team"


BUILTIN_CRITERIA: tuple[type[CriterionKind[Any]], ...] = (
    Count,
    First,
    Distinct,
    Ratio,
    Streak,
    Points,
    KudosReceived,
    Manual,
)


def default_criteria() -> CriterionKindRegistry:
    """A fresh registry holding the built-in criteria kinds."""
    return CriterionKindRegistry(BUILTIN_CRITERIA)
