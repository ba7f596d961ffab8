"""Rules that add points: personal words, and variety."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from engagement.core.facts import ATTRIBUTES as _ATTRIBUTES
from engagement.core.facts import Fact, Step, StepCache, read_only
from engagement.core.periods import CALENDAR_UNITS, CalendarUnit, Clock, Window, parse_duration
from engagement.core.timeindex import TimeIndex
from engagement.rules.kinds import RuleKind, RuleParams
from engagement.rules.personal import PersonalSettings, PersonalTest


class PersonalisationParams(RuleParams):
    kind: Literal["personalisation"] = "personalisation"
    max_points: float = Field(
        ge=0, strict=True, description="Bonus for a text fully in the member's words."
    )
    full_at: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of own words that earns the full bonus; less earns pro rata.",
    )
    min_own_words: int = Field(
        default=4, ge=1, description="Fewer distinct own words than this earn nothing."
    )
    reuse_window: str = Field(
        default="90d",
        description="Own words following the template of another comment within this "
        "long earn nothing.",
    )
    template_similarity: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description="How alike two comments must be (0-1) to count as one template.",
    )

    @field_validator("reuse_window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Personalisation(RuleKind[PersonalisationParams]):
    """A share is worth more in the member's own words: graded, never for a stock
    phrase or a template (the same comment with a number, a hashtag or a word changed)."""

    kind: ClassVar[str] = "personalisation"
    Params = PersonalisationParams
    phase = "bonus"
    remembers_points = False

    def __init__(self, params: PersonalisationParams, clock: Clock) -> None:
        super().__init__(params, clock)
        self.reuse_seconds = parse_duration(params.reuse_window)
        self._test = self.test = PersonalTest(
            PersonalSettings(
                min_own_words=params.min_own_words,
                template_window=params.reuse_window,
                template_similarity=params.template_similarity,
            )
        )
        # Scoring reads these for every share: plain attributes, texts built once.
        self._max_points = params.max_points
        self._full_at = params.full_at
        self._min_own_words = params.min_own_words
        self._no_words = Step(self.id, "add", 0, "personal words (none: add your own to earn more)")
        self._too_few = f"; {params.min_own_words} needed)"
        self._copied = Step(
            self.id,
            "add",
            0,
            "personal words: copied from a colleague's comment on this item",
            read_only({"copied": True}),
        )
        self._window = params.reuse_window
        self._steps = StepCache()

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return self._test.pairs(fact)

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        self._test.remember_in(fact, index)

    def lookback(self, fact: Fact) -> float | None:
        return fact.ts - self.reuse_seconds

    # The step depends on an outcome: the number of distinct own words when they are
    # too few, minus the number of comments of the same template within the reuse
    # window, 0 for the bonus; with the fact's word counts, that is the key of the
    # step in self._steps.

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        distinct = fact.distinct_own_words
        if distinct == 0:
            return self._no_words
        if distinct < self._min_own_words:
            outcome = distinct
        elif self._test.copied(fact):
            return self._copied
        else:
            code = self._test.code(fact)
            outcome = -self._test.alike(index, code, fact.ts) if code is not None else 0
        key = (outcome, fact.own_words, fact.words)
        return self._steps.get(key) or self._new_step(key)

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        step = self.apply(fact, index, total)
        self._test.remember_in(fact, index)
        return step

    def _new_step(self, key: tuple[int, int, int]) -> Step:
        outcome, own_words, words = key
        ratio = own_words / words if words else 0.0
        detail: dict[str, object] = {
            "own_ratio": round(ratio, 4),
            "own_words": own_words,
            "words": words,
        }
        if outcome > 0:
            text = f"personal words (only {outcome}{self._too_few}"
            return self._steps.keep(key, Step(self.id, "add", 0, text, read_only(detail)))
        if outcome < 0:
            others = -outcome
            text = (
                f"personal words: same template as {others} other "
                f"{'comment' if others == 1 else 'comments'} within {self._window}"
            )
            detail["same_template"] = others
            return self._steps.keep(key, Step(self.id, "add", 0, text, read_only(detail)))
        bonus = self._max_points * min(1.0, ratio / self._full_at)
        text = f"personal words ({round(ratio * 100)} % own)"
        return self._steps.keep(key, Step(self.id, "add", bonus, text, read_only(detail)))


VarietyDimension = Literal["channel", "topic", "verb", "content_kind", "target"]


class VarietyParams(RuleParams, PersonalSettings):
    kind: Literal["variety"] = "variety"
    dimensions: list[VarietyDimension] = Field(min_length=1)
    personal_verbs: list[str] = Field(
        default_factory=list,
        description="Verbs whose actions count for variety only in the member's own words "
        "(a verbatim relay on a new channel is not breadth); other verbs always count.",
    )
    period: CalendarUnit = "month"
    points: float = Field(ge=0, strict=True, description="Bonus for each value new in the period.")
    max_points: float | None = Field(
        default=None, ge=0, description="Most variety bonus one action can earn."
    )

    @field_validator("period")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if value not in CALENDAR_UNITS:
            raise ValueError(f"expected one of {', '.join(CALENDAR_UNITS)}")
        return value


class Variety(RuleKind[VarietyParams]):
    """First use in a period of a channel, topic or verb earns a bonus: breadth over volume.

    Actions of ``personal_verbs`` count only when personal (see
    :mod:`engagement.rules.personal`): one item relayed verbatim on four networks, or a
    templated comment on a new topic, reaches nothing new.  Their values are remembered
    only when they have enough own words, so the state is a function of each fact; a
    templated comment that is remembered uses up its values' novelty, which can only
    lower a later bonus.
    """

    kind: ClassVar[str] = "variety"
    Params = VarietyParams
    phase = "bonus"
    remembers_points = False

    def __init__(self, params: VarietyParams, clock: Clock) -> None:
        super().__init__(params, clock)
        # (dimension, the Fact attribute holding its single value, or None for the
        # topics), read for every action.
        self._dimensions = tuple(
            (dimension, None if dimension == "topic" else _ATTRIBUTES[dimension])
            for dimension in params.dimensions
        )
        self._words: dict[str, str] = {d: d.replace("_", " ") for d in params.dimensions}
        self._period = params.period
        self._week_start = clock.week_start
        self._points = params.points
        self._max_points = params.max_points
        self._describe = Window(params.period).describe()
        self._steps = StepCache()
        self._personal_verbs = frozenset(params.personal_verbs)
        self._test = PersonalTest(params)

    def _keys(self, fact: Fact) -> list[tuple[str, str]]:
        """``(dimension, value)`` for each of the fact's values, in order."""
        keys: list[tuple[str, str]] = []
        append = keys.append
        for dimension, attribute in self._dimensions:
            if attribute is None:
                for topic in fact.topics:
                    append((dimension, topic))
            else:
                value = getattr(fact, attribute)
                if value is not None:
                    append((dimension, value))
        return keys

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        if fact.verb not in self._personal_verbs:
            return [(key, 1.0) for key in self._keys(fact)]
        templates = self._test.pairs(fact)
        return [(key, 1.0) for key in self._keys(fact)] + list(templates) if templates else []

    def remember_in(self, fact: Fact, index: TimeIndex) -> None:
        ts = fact.ts
        for key, value in self.remember(fact):
            index.add(key, ts, value)

    def lookback(self, fact: Fact) -> float | None:
        start = fact.period(self.params.period, self.clock.week_start)[0]
        if fact.verb in self._personal_verbs:
            return min(start, fact.ts - self._test.seconds)
        return start

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if fact.verb in self._personal_verbs and not self._test.personal(fact, index):
            return None
        start, end = fact.period(self._period, self._week_start)
        new = index.unseen(self._keys(fact), start, end)
        return self._step(new) if new else None

    def apply_and_remember(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        if fact.verb in self._personal_verbs:
            step = self.apply(fact, index, total)
            self.remember_in(fact, index)
            return step
        start, end = fact.period(self._period, self._week_start)
        new = index.unseen(self._keys(fact), start, end, fact.ts)
        return self._step(new) if new else None

    def _step(self, new: list[tuple[str, str]]) -> Step:
        """The step for the values ``new`` in the period (``(dimension, value)``)."""
        key = tuple(new)
        step = self._steps.get(key)
        if step is None:
            words = self._words
            bonus = self._points * len(new)
            if self._max_points is not None:
                bonus = min(bonus, self._max_points)
            listed = ", ".join([f"{words[dimension]} {value}" for dimension, value in new])
            text = f"variety: new {self._describe} ({listed})"
            step = self._steps.keep(key, Step(self.id, "add", bonus, text))
        return step
