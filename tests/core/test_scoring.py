"""The scoring hot path gives exactly what the plain pipeline gives.

Scoring takes shortcuts for speed (rules that score and remember a fact in one call,
steps built once and shared, one lookup for several calendar periods, windows that
reach past the latest fact).  These tests run the plain algorithm beside it, rule by
rule as the pipeline is specified, on random histories with late arrivals,
self-aimed kudos, repeated topics and revocations, and require the same steps, the
same points and the same indexes.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Iterable
from dataclasses import MISSING, FrozenInstanceError, fields, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import DEFAULT_RULES_PATH
from engagement.core.facts import Fact, Step, StepCache, round_points
from engagement.core.history import MemberHistory
from engagement.core.periods import calendar_bounds, zone
from engagement.core.scoring import Award, score, score_and_remember
from engagement.core.timeindex import TimeIndex
from engagement.rules import (
    RuleKind,
    RuleParams,
    Ruleset,
    Variety,
    default_registry,
    load_ruleset,
)
from engagement.rules.bonuses import VarietyParams
from engagement.rules.kinds import Phase

START = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
"""A Monday, a few weeks before the European change to summer time."""

ZONES = ("Europe/Paris", "America/New_York", "Asia/Singapore", "Australia/Lord_Howe")


class TaggedParams(RuleParams):
    kind: Literal["tagged"] = "tagged"


class Tagged(RuleKind[TaggedParams]):
    """A host's kind that remembers points, so scoring must remember it afterwards."""

    kind: ClassVar[str] = "tagged"
    Params = TaggedParams
    phase: ClassVar[Phase] = "bonus"

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((fact.verb, float(fact.points)),)

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        earned = index.total(fact.verb, fact.ts - 86_400, fact.ts)
        return Step(self.id, "add", 1, "tagged") if earned < 20 else None


class ChannelsOnlyParams(VarietyParams):
    kind: Literal["channels_only"] = "channels_only"  # type: ignore[assignment]


class ChannelsOnly(Variety):
    """A host's variant of a built-in kind that remembers less than it asks about: its
    scoring must follow its own remember(), not the built-in kind's fast paths."""

    kind: ClassVar[str] = "channels_only"
    Params = ChannelsOnlyParams

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ((("channel", fact.channel), 1.0),) if fact.channel else ()


VARIANTS = """\
timezone: UTC
week_start: sunday
verbs:
  share: {points: 10, content: required}
  read: {points: 1, content: required}
  kudos: {points: 5, target: required, content: none}
  post: {points: 30, content: none}
rules:
  - {id: words, kind: personalisation, verbs: [share, post], max_points: 12,
     full_at: 0.5, min_own_words: 3, reuse_window: 2d}
  - {id: breadth, kind: variety, dimensions: [topic, content_kind, topic], period: week,
     points: 2}
  - {id: rolling, kind: diminishing_returns, verbs: [share, read],
     same: [content, channel, target], window: 3d, multipliers: [1, 0.5, 1, 0.2]}
  - {id: per-day, kind: diminishing_returns, same: [verb], window: day,
     multipliers: [1, 0.5]}
  - {id: once, kind: once_per_content, verbs: [share, read], per_channel: false}
  - {id: mix, kind: content_mix, verbs: [share], corporate_kinds: [corporate],
     max_share: 0.3, window: month, allowance: 0, multiplier: 0.5}
  - {id: tagged, kind: tagged}
  - {id: channels, kind: channels_only, dimensions: [channel, verb], points: 1}
  - {id: monthly, kind: cap, verbs: [share, post], period: month, max_points: 90}
  - {id: yearly, kind: cap, period: year, max_points: 400}
"""


def _default() -> Ruleset:
    return load_ruleset(DEFAULT_RULES_PATH.read_text(encoding="utf-8"), default_registry())


def _variants() -> Ruleset:
    registry = default_registry()
    registry.add_kind(Tagged)
    registry.add_kind(ChannelsOnly)
    return load_ruleset(VARIANTS, registry)


RULESETS = {"default": _default(), "variants": _variants()}


def plain_score(fact: Fact, indexes: dict[str, TimeIndex], ruleset: Ruleset) -> tuple[Step, ...]:
    """The pipeline as specified: each rule's ``apply`` on the earlier facts, then
    each remembering rule's ``remember`` pairs added for the next facts."""
    verb = ruleset.verbs[fact.verb]
    steps = [Step(f"verbs.{fact.verb}", "add", verb.points, verb.label or fact.verb)]
    total: float = verb.points
    if verb.target != "none" and fact.target == fact.member:
        steps.append(Step(f"verbs.{fact.verb}", "multiply", 0, "aimed at yourself"))
        total = 0
    else:
        for rule in ruleset.pipeline(fact.verb):
            step = rule.apply(fact, indexes[rule.id], total)
            if step is not None:
                steps.append(step)
                total = step.apply(total)
    fact.points = round_points(total)
    for rule in ruleset.rules_remembering(fact.verb):
        for key, value in rule.remember(fact):
            indexes[rule.id].add(key, fact.ts, value)
    return tuple(steps)


def plain_forget(fact: Fact, indexes: dict[str, TimeIndex], ruleset: Ruleset) -> None:
    for rule in ruleset.rules_remembering(fact.verb):
        for key, value in rule.remember(fact):
            indexes[rule.id].remove(key, fact.ts, value)


def contents(index: TimeIndex) -> dict[Hashable, list[tuple[float, float]]]:
    return {
        key: sorted(zip(times, values, strict=True))
        for key, (times, values) in index._series.items()
        if times
    }


@st.composite
def fact_rows(draw: st.DrawFn, verbs: tuple[str, ...]) -> dict[str, Any]:
    verb = draw(st.sampled_from(verbs))
    words = draw(st.integers(0, 30))
    own = draw(st.integers(0, words))
    has_content = verb in ("share", "read")
    return {
        "verb": verb,
        "ts": START + draw(st.integers(0, 70 * 24)) * 3600 + draw(st.sampled_from((0, 1, 59))),
        "channel": draw(st.sampled_from(("linkedin", "x", "", None))),
        "content_id": draw(st.sampled_from(("c1", "c2", "c3"))) if has_content else None,
        "content_kind": draw(st.sampled_from(("corporate", "industry", None))),
        "topics": tuple(draw(st.lists(st.sampled_from(("ai", "cloud", "hiring")), max_size=3))),
        "target": draw(st.sampled_from(("ana", "ben"))) if verb == "kudos" else None,
        "words": words,
        "own_words": own,
        "distinct_own_words": draw(st.integers(0, own)),
        "fingerprint": draw(st.sampled_from(("f1", "f2", None))),
    }


@pytest.mark.parametrize("name", sorted(RULESETS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_hot_path_scores_and_remembers_like_the_plain_pipeline(
    name: str, data: st.DataObject
) -> None:
    ruleset = RULESETS[name]
    verbs = tuple(ruleset.verbs)
    rows = data.draw(st.lists(fact_rows(verbs), max_size=60))
    revoked = data.draw(st.sets(st.integers(0, max(0, len(rows) - 1)), max_size=5))
    tz = zone(data.draw(st.sampled_from(ZONES)))
    history = MemberHistory(ruleset)
    plain = {rule.id: TimeIndex() for rule in ruleset.rules}
    for seq, row in enumerate(rows, start=1):
        fast, slow = (Fact(seq, "ana", tz=tz, **row) for _ in range(2))
        preview = score(fast, history, ruleset)
        steps = score_and_remember(fast, history, ruleset)
        assert steps == plain_score(slow, plain, ruleset)
        assert preview == (slow.points, steps)
        assert fast.points == slow.points
        if seq - 1 in revoked:
            assert history.forget(seq) is fast
            plain_forget(slow, plain, ruleset)
    for rule in ruleset.rules:
        assert contents(history.indexes[rule.id]) == contents(plain[rule.id]), rule.id


@pytest.mark.parametrize("name", sorted(RULESETS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_remember_in_adds_what_remember_returns(name: str, data: st.DataObject) -> None:
    ruleset = RULESETS[name]
    row = data.draw(fact_rows(tuple(ruleset.verbs)))
    fact = Fact(1, "ana", tz=zone("Europe/Paris"), points=data.draw(st.integers(0, 50)), **row)
    for rule in ruleset.rules:
        fast, plain = TimeIndex(), TimeIndex()
        rule.remember_in(fact, fast)
        for key, value in rule.remember(fact):
            plain.add(key, fact.ts, value)
        assert contents(fast) == contents(plain), rule.id


def test_the_time_index_shortcuts_answer_before_adding() -> None:
    times = [5.0, 1.0, 9.0, 3.0, 3.0, 12.0]
    for start, end in ((0.0, 4.0), (2.0, 20.0), (3.0, 3.0), (10.0, 11.0), (-1.0, 100.0)):
        index = TimeIndex()
        for ts in times:
            index.add("k", ts)
        for ts in (0.5, 3.0, 7.0, 30.0):
            copy = TimeIndex()
            for held in times:
                copy.add("k", held)
            expected_count = copy.count("k", start, end)
            expected_has = copy.has("k", start, end)
            assert copy.count_then_add("k", ts, start, end) == expected_count
            assert copy.count("k", -1e9, 1e9) == len(times) + 1
            again = TimeIndex()
            for held in times:
                again.add("k", held)
            assert again.has_then_add("k", ts, start, end) is expected_has
            assert again.has("k", start, end) == (expected_count > 0) == expected_has
        assert index.total("k", start, end) == index.count("k", start, end)
    index = TimeIndex()
    for ts, value in ((1.0, 5.0), (4.0, 7.0), (2.0, 1.0)):
        index.add("points", ts, value)
    assert index.total("points", 2.0, 10.0) == 8.0  # a window past the latest fact
    assert index.total("points", 0.0, 4.0) == 6.0
    assert index.count("points", 1.5, 99.0) == 2
    index = TimeIndex()
    assert index.unseen(["a", "b", "a"], 0.0, 10.0, add_at=5.0) == ["a", "b", "a"]
    assert index.count("a", 0.0, 10.0) == 2
    assert index.unseen(["a", "c"], 0.0, 10.0) == ["c"]
    assert index.unseen(["a", "c"], 6.0, 10.0) == ["a", "c"]
    assert index.ever_then_add("a", 1.0) == 2
    assert index.ever("a") == 3


def test_fact_periods_are_the_calendar_bounds() -> None:
    for name in ZONES:
        tz = zone(name)
        for hours in range(0, 24 * 400, 37):
            ts = START + hours * 3600
            fact = Fact(1, "ana", "share", ts, tz)
            day = datetime.fromtimestamp(ts, tz).date()
            for week_start in (0, 6, 0):
                for unit in ("day", "week", "month", "quarter", "year"):
                    bounds = calendar_bounds(unit, day, tz, week_start)
                    assert fact.period(unit, week_start) == bounds


def test_a_step_cache_stops_growing_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StepCache, "limit", 2)
    cache = StepCache()
    steps = [Step("r", "add", n, f"{n}") for n in range(3)]
    assert [cache.keep(n, step) for n, step in enumerate(steps)] == steps
    assert list(cache) == [0, 1]


def test_award_init_matches_its_fields() -> None:
    parameters = list(inspect.signature(Award.__init__).parameters.values())[1:]
    assert [(p.name, p.default) for p in parameters] == [
        (f.name, inspect.Parameter.empty if f.default is MISSING else f.default)
        for f in fields(Award)
    ]
    award = Award("k", "ana", "share", 10, (Step("verbs.share", "add", 10, "share"),), 3)
    assert award == Award(
        key="k", member="ana", verb="share", points=10, steps=award.steps, ruleset_version=3
    )
    assert replace(award) == award
    assert replace(award, duplicate=True).duplicate
    with pytest.raises(FrozenInstanceError):
        award.points = 11  # type: ignore[misc]


def test_shared_steps_cannot_be_changed() -> None:
    ruleset = RULESETS["default"]
    history = MemberHistory(ruleset)
    at = datetime(2026, 7, 6, 9, tzinfo=UTC).timestamp()
    steps = [
        score_and_remember(
            Fact(n, "ana", "share", at + n * 60, zone("UTC"), "linkedin", f"c{n}", "industry",
                 words=20, own_words=20, distinct_own_words=15, fingerprint=f"f{n}"),
            history,
            ruleset,
        )
        for n in range(1, 6)
    ]  # fmt: skip
    detail = steps[-1][1].detail
    assert detail == {"own_ratio": 1.0, "own_words": 20, "words": 20}
    with pytest.raises(TypeError):
        detail["words"] = 1  # type: ignore[index]
    assert steps[-1][1] is steps[-2][1]


@pytest.mark.parametrize("name", sorted(RULESETS))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_withdrawing_facts_and_scoring_them_again_gives_the_history_in_order(
    name: str, data: st.DataObject
) -> None:
    """What a late action does to a member's current history: the facts after it are
    withdrawn, it is scored, and they are scored again on top."""
    ruleset = RULESETS[name]
    rows = data.draw(st.lists(fact_rows(tuple(ruleset.verbs)), min_size=1, max_size=40))
    rows.sort(key=lambda row: row["ts"])
    late = data.draw(st.integers(0, len(rows) - 1))
    tz = zone("Europe/Paris")
    facts = [Fact(seq, "ana", tz=tz, **row) for seq, row in enumerate(rows, start=1)]
    in_order = MemberHistory(ruleset)
    expected = []
    for fact in facts:
        copy = replace(fact)
        score_and_remember(copy, in_order, ruleset)
        expected.append(copy.points)

    history = MemberHistory(ruleset)
    arrived = [f for i, f in enumerate(facts) if i != late]
    for fact in arrived:
        score_and_remember(fact, history, ruleset)
    later = [f for f in arrived if f.seq > facts[late].seq]
    for fact in later:
        assert history.withdraw(fact)
    for fact in [facts[late], *later]:
        score_and_remember(fact, history, ruleset)

    assert [fact.points for fact in facts] == expected
    for rule in ruleset.rules:
        assert contents(history.indexes[rule.id]) == contents(in_order.indexes[rule.id])
    moved = replace(facts[0], ts=facts[0].ts - 1)  # never remembered at that time
    if any(tuple(rule.remember(moved)) for rule in ruleset.rules_remembering(moved.verb)):
        assert not history.withdraw(moved)
