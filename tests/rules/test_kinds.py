"""The rule-kind registry, and a kind a host defines without touching the package."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from textwrap import dedent
from typing import Any, ClassVar, Literal

import pytest
from pydantic import Field

from engagement import (
    DuplicateKindError,
    Engagement,
    EngagementError,
    Fact,
    RuleFileError,
    RuleKind,
    RuleKindRegistry,
    RuleParams,
    Step,
    UnknownKindError,
)
from engagement.core.timeindex import TimeIndex
from engagement.rules import (
    BUILTIN_RULE_KINDS,
    Cap,
    Personalisation,
    Phase,
    Variety,
    default_registry,
    load_ruleset,
)

KNOWN_KINDS = (
    "cap, content_mix, diminishing_returns, impersonal_budget, once_per_content, "
    "personalisation, reciprocity, variety"
)


# -- the registry ---------------------------------------------------------------------


def test_the_default_registry_holds_the_builtin_kinds() -> None:
    registry = default_registry()

    assert sorted(kind.kind for kind in registry) == KNOWN_KINDS.split(", ")
    assert list(registry) == list(BUILTIN_RULE_KINDS)
    assert registry.get("cap") is Cap
    assert "variety" in registry
    assert "weekend_bonus" not in registry
    assert 42 not in registry


def test_each_default_registry_is_a_fresh_one() -> None:
    first = default_registry()
    first.add_kind(WeekendBonus)

    assert "weekend_bonus" in first
    assert "weekend_bonus" not in default_registry()


def test_registering_a_kind_twice_is_refused() -> None:
    registry = default_registry()

    with pytest.raises(DuplicateKindError) as caught:
        registry.add_kind(Cap)

    assert str(caught.value) == (
        f"rule kind 'cap' is already registered by {Cap!r}; choose another name for {Cap!r}"
    )
    assert isinstance(caught.value, EngagementError)
    assert isinstance(caught.value, ValueError)


def test_registering_another_class_under_a_taken_name_is_refused() -> None:
    class OtherCap(Cap):
        pass

    registry = default_registry()
    with pytest.raises(DuplicateKindError, match=r"^rule kind 'cap' is already registered by"):
        registry.add_kind(OtherCap)
    assert registry.get("cap") is Cap


def test_the_decorator_registers_and_returns_the_class() -> None:
    registry = RuleKindRegistry()

    assert registry.register(WeekendBonus) is WeekendBonus
    assert registry.get("weekend_bonus") is WeekendBonus
    with pytest.raises(DuplicateKindError):
        registry.register(WeekendBonus)


def test_an_unknown_kind_lists_the_known_kinds() -> None:
    with pytest.raises(UnknownKindError) as caught:
        default_registry().get("streak_bonus")

    assert str(caught.value) == f"unknown rule kind 'streak_bonus'; known kinds: {KNOWN_KINDS}"
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, EngagementError)


def test_an_empty_registry_knows_no_kinds() -> None:
    with pytest.raises(UnknownKindError) as caught:
        RuleKindRegistry().get("cap")

    assert str(caught.value) == "unknown rule kind 'cap'; known kinds: "


def test_a_copy_is_independent() -> None:
    registry = RuleKindRegistry([Personalisation, Variety])
    copied = registry.copy()
    copied.add_kind(WeekendBonus)

    assert [kind.kind for kind in copied] == ["personalisation", "variety", "weekend_bonus"]
    assert [kind.kind for kind in registry] == ["personalisation", "variety"]


# -- a host's own kind ----------------------------------------------------------------


class WeekendBonusParams(RuleParams):
    kind: Literal["weekend_bonus"] = "weekend_bonus"
    points: float = Field(ge=0, description="Bonus for an action on a Saturday or Sunday.")


class WeekendBonus(RuleKind[WeekendBonusParams]):
    """Actions taken on a weekend, in the member's own time zone, earn a bonus."""

    kind: ClassVar[str] = "weekend_bonus"
    Params = WeekendBonusParams
    phase: ClassVar[Phase] = "bonus"

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ()

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        day = datetime.fromtimestamp(fact.ts, fact.tz).strftime("%A").lower()
        if day not in ("saturday", "sunday"):
            return None
        return Step(self.id, "add", self.params.points, f"weekend bonus ({day})")


WEEKEND_RULES = """\
programme: Weekend warriors
timezone: UTC
verbs:
  share:
    points: 10
    label: share
rules:
  - id: weekend
    kind: weekend_bonus
    verbs: [share]
    points: 5
  - id: daily-cap
    kind: cap
    period: day
    max_points: 100
"""

FRIDAY_EVENING_UTC = datetime(2026, 7, 10, 20, 0, tzinfo=UTC)
"""Friday 20:00 UTC: already Saturday 05:00 in Tokyo, still Friday 16:00 in New York."""


@pytest.fixture
def registry() -> RuleKindRegistry:
    registry = default_registry()
    registry.add_kind(WeekendBonus)
    return registry


@pytest.fixture
def custom_engine(registry: RuleKindRegistry, tmp_path: Path) -> Iterator[Engagement]:
    engine = Engagement("sqlite://", rule_kinds=registry)
    engine.create_schema()
    rules = tmp_path / "weekend.yaml"
    rules.write_text(WEEKEND_RULES, encoding="utf-8")
    engine.activate_rules(rules)
    yield engine
    engine.database.dispose()


def share(member: str, at: datetime, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "member": member,
        "verb": "share",
        "at": at.isoformat(),
        "channel": "linkedin",
        "content": {"id": "c-1", "kind": "industry", "topics": ["ai"]},
    }


def test_a_custom_kind_adds_points_on_the_members_weekend(custom_engine: Engagement) -> None:
    custom_engine.members.upsert("tokyo", timezone="Asia/Tokyo")
    custom_engine.members.upsert("new-york", timezone="America/New_York")

    in_tokyo = custom_engine.record(share("tokyo", FRIDAY_EVENING_UTC, "t-1"))
    in_new_york = custom_engine.record(share("new-york", FRIDAY_EVENING_UTC, "n-1"))

    assert in_tokyo.points == 15
    assert in_tokyo.steps == (
        Step("verbs.share", "add", 10, "share"),
        Step("weekend", "add", 5, "weekend bonus (saturday)"),
    )
    assert in_tokyo.summary == "+10 share, +5 weekend bonus (saturday) = 15"
    assert in_new_york.points == 10
    assert in_new_york.steps == (Step("verbs.share", "add", 10, "share"),)
    assert in_new_york.summary == "+10 share = 10"


def test_a_custom_kind_uses_the_rule_files_zone_for_members_without_one(
    custom_engine: Engagement,
) -> None:
    custom_engine.members.upsert("nowhere")
    sunday_in_utc = datetime(2026, 7, 12, 23, 30, tzinfo=timezone(timedelta(hours=-2)))

    friday = custom_engine.record(share("nowhere", FRIDAY_EVENING_UTC, "x-1"))
    monday = custom_engine.record(share("nowhere", sunday_in_utc, "x-2"))

    assert friday.points == 10
    # 23:30 on Sunday at UTC-2 is already Monday 01:30 in the file's UTC.
    assert monday.points == 10
    saturday = custom_engine.record(
        share("nowhere", FRIDAY_EVENING_UTC + timedelta(hours=4), "x-3")
    )
    assert saturday.summary == "+10 share, +5 weekend bonus (saturday) = 15"


def test_a_custom_kinds_step_is_stored_in_the_ledger_and_replays(
    custom_engine: Engagement,
) -> None:
    custom_engine.members.upsert("tokyo", timezone="Asia/Tokyo")
    custom_engine.record(share("tokyo", FRIDAY_EVENING_UTC, "t-1"))

    (entry,) = custom_engine.ledger.entries("tokyo")
    assert entry.points == 15
    assert entry.explanation["steps"][1] == {
        "rule": "weekend",
        "op": "add",
        "value": 5.0,
        "text": "weekend bonus (saturday)",
    }
    report = custom_engine.replay()
    assert (report.actions, report.changed, report.points_after) == (1, 0, 15)


def test_a_custom_kind_is_validated_like_a_builtin_one(registry: RuleKindRegistry) -> None:
    text = dedent(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: weekend
            kind: weekend_bonus
            points: -5
            bonus: 3
        """
    )
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(text, registry, source="weekend.yaml")

    assert [str(problem) for problem in caught.value.problems] == [
        "weekend.yaml:7: rules.0.points: input should be greater than or equal to 0",
        "weekend.yaml:8: rules.0.bonus: unknown key; "
        "expected one of: description, id, kind, points, verbs",
    ]


def test_a_custom_kind_is_listed_among_the_known_kinds(registry: RuleKindRegistry) -> None:
    text = "verbs:\n  share:\n    points: 10\nrules:\n  - id: x\n    kind: streak\n"
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(text, registry, source="r.yaml")

    assert [str(problem) for problem in caught.value.problems] == [
        "r.yaml:6: rules.0.kind: unknown kind 'streak'; "
        f"known: {KNOWN_KINDS.replace('variety', 'variety, weekend_bonus')}"
    ]


def test_an_engine_without_the_custom_kind_refuses_the_file(
    memory_engine: Engagement, tmp_path: Path
) -> None:
    rules = tmp_path / "weekend.yaml"
    rules.write_text(WEEKEND_RULES, encoding="utf-8")

    with pytest.raises(RuleFileError) as caught:
        memory_engine.activate_rules(rules)

    assert [str(problem) for problem in caught.value.problems] == [
        f"{rules}:9: rules.0.kind: unknown kind 'weekend_bonus'; known: {KNOWN_KINDS}"
    ]
    assert memory_engine.active_rules().version == 1
