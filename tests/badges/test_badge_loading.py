"""Badge, level and challenge sections of a rule file: every mistake HR can make is
reported as ``FILE:LINE: dotted.path: message``, and a host can add criteria kinds."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from textwrap import dedent

import pytest

from engagement import DEFAULT_RULES_PATH, Engagement, RuleFileError
from engagement.badges import CriterionKind, CriterionParams, Measure, default_criteria
from engagement.core.facts import Fact
from engagement.core.timeindex import TimeIndex
from engagement.rules import default_registry, load_ruleset, load_ruleset_file

SOURCE = "hr-rules.yaml"
VERBS = """\
verbs:
  share: {points: 10}
  kudos: {points: 5, target: required, content: none}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(VERBS + dedent(text), default_registry(), source=SOURCE)
    return [str(problem) for problem in caught.value.problems]


def test_the_shipped_default_has_about_twenty_badges_levels_and_a_challenge():
    catalogue = load_ruleset_file(DEFAULT_RULES_PATH, default_registry()).catalogue
    assert len(catalogue.badges) >= 20
    assert [level.points for level in catalogue.levels] == [0, 100, 400, 1000, 2500]
    assert [c.id for c in catalogue.challenges] == ["back-to-school-2026"]
    assert all(isinstance(b.name, dict) and {"en", "fr"} <= set(b.name) for b in catalogue.badges)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: sparkle}
                target: 1
            """,
            "hr-rules.yaml:8: badges.0.criteria.kind: unknown kind 'sparkle'; known: count, "
            "distinct, first, kudos_received, manual, points, ratio, streak",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: distinct, dimension: colour}
                target: 2
            """,
            "hr-rules.yaml:8: badges.0.criteria.dimension: input should be 'channel', "
            "'topic', 'verb', 'content_kind', 'content' or 'target'",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: count}
                tiers: {bronze: 5, silver: 3}
            """,
            "hr-rules.yaml:9: badges.0.tiers: tier targets must rise from the first tier "
            "to the last",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: count}
            """,
            "hr-rules.yaml:6: badges.0: give the badge a 'target' or 'tiers'",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: first}
                target: 3
            """,
            "hr-rules.yaml:6: badges.0: a 'first' badge takes no 'target' or 'tiers'",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: count, verbs: [post]}
                target: 3
            """,
            "hr-rules.yaml:8: badges.0.criteria.verbs.0: undefined verb 'post'; "
            "defined verbs: kudos, share",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: ratio, where: {verbs: [post]}}
                target: 0.5
            """,
            "hr-rules.yaml:8: badges.0.criteria.where.verbs.0: undefined verb 'post'; "
            "defined verbs: kudos, share",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: ratio, where: {personalised: true}}
                target: 70
            """,
            "hr-rules.yaml:9: badges.0.target: a 'ratio' target is at most 1",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: count, period: month}
                target: 2
                repeat: week
            """,
            "hr-rules.yaml:8: badges.0.criteria.period: a repeated badge is measured per "
            "'repeat' period",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: count}
                target: 2
                valid_from: 2026-05-01
                valid_until: 2026-04-01
            """,
            "hr-rules.yaml:6: badges.0: valid_until is before valid_from",
        ),
        (
            """
            badges:
              - id: x
                name: {en: X, english: Y}
                criteria: {kind: count}
                target: 2
            """,
            "hr-rules.yaml:7: badges.0.name: 'english' is not a language tag such as en, "
            "fr or fr-CA",
        ),
        (
            """
            badges:
              - id: x
                name: X
                criteria: {kind: streak, period: month}
                target: 2
            """,
            "hr-rules.yaml:8: badges.0.criteria.period: a streak runs across periods: "
            "leave 'period' out",
        ),
        (
            """
            levels:
              - {points: 0, name: New}
              - {points: 0, name: Also new}
            """,
            "hr-rules.yaml:7: levels.1.points: levels must be listed with rising points",
        ),
        (
            """
            challenges:
              - id: sprint
                name: Sprint
                starts: 2026-09-30
                ends: 2026-09-01
                goal: {kind: count}
                target: 3
            """,
            "hr-rules.yaml:6: challenges.0: ends is before starts",
        ),
        (
            """
            challenges:
              - id: sprint
                name: Sprint
                starts: 2026-09-01
                ends: 2026-09-30
                goal: {kind: manual}
                target: 1
            """,
            "hr-rules.yaml:10: challenges.0.goal.kind: a challenge needs a measurable goal",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_line(section, expected):
    assert expected in problems(section)


def test_duplicate_badge_ids_are_reported_with_the_first_use():
    found = problems(
        """
        badges:
          - {id: x, name: X, criteria: {kind: count}, target: 1}
          - {id: x, name: Y, criteria: {kind: count}, target: 2}
        """
    )
    assert found == ["hr-rules.yaml:7: badges.1.id: duplicate id 'x' (first used by badges.0)"]


def test_a_bad_badge_section_activates_nothing(tmp_path):
    engine = Engagement(f"sqlite:///{tmp_path / 'e.db'}")
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    bad = tmp_path / "bad.yaml"
    bad.write_text(VERBS + "badges:\n  - {id: x, name: X, criteria: {kind: count}}\n")
    with pytest.raises(RuleFileError):
        engine.activate_rules(bad)
    assert engine.active_rules().version == 1


class Weekend(CriterionKind[CriterionParams]):
    """A host's own kind: actions on a Saturday or Sunday (in the member's zone)."""

    kind = "weekend"
    Params = CriterionParams

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        from datetime import datetime

        weekday = datetime.fromtimestamp(fact.ts, fact.tz).weekday()
        return ((None, 1.0),) if weekday >= 5 else ()

    def measure(self, index: TimeIndex, start: float, end: float) -> Measure:
        return Measure(index.count(None, start, end))

    def hint(self, measure: Measure, target: float, words: object, lang: str) -> str:
        return "act on a weekend"


def test_a_host_registers_its_own_criterion_kind():
    registry = default_criteria()
    registry.add_kind(Weekend)
    engine = Engagement("sqlite://", criteria_kinds=registry)
    engine.create_schema()
    engine.activate_rules(
        engine.load_rules_text(
            VERBS
            + "badges:\n  - {id: sunday, name: Sunday, criteria: {kind: weekend}, target: 1}\n"
        )
    )
    engine.members.upsert("alice", timezone="Europe/Paris")
    base = {"member": "alice", "verb": "share", "content": {"id": "c"}}
    friday = engine.record({**base, "key": "1", "at": "2026-07-10T12:00:00+02:00"})
    sunday = engine.record({**base, "key": "2", "at": "2026-07-12T12:00:00+02:00"})
    assert friday.badges == ()
    assert [b.badge for b in sunday.badges] == ["sunday"]


def test_every_default_badge_has_a_shipped_image_or_a_url():
    from engagement.badges import shipped_image

    catalogue = load_ruleset_file(DEFAULT_RULES_PATH, default_registry()).catalogue
    for badge in catalogue.badges:
        for tier in badge.tiers:
            image = shipped_image(tier.image)
            assert image is not None and image.read_text().startswith("<svg"), badge.id


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        (
            "Share {remaning} more",
            "unknown placeholder {remaning} in 'Share {remaning} more'; use {remaining}, "
            "{current}, {target}, {badge}, {tier}",
        ),
        ("Share {0} more", "placeholders need a name in 'Share {0} more'"),
        ("Share {remaining} more }", "single '}' encountered in format string"),
    ],
)
def test_a_hint_that_cannot_be_filled_in_is_refused(hint, message):
    found = problems(
        f"""
        badges:
          - id: x
            name: X
            criteria: {{kind: count}}
            target: 2
            hint: "{hint}"
        """
    )
    assert len(found) == 1
    assert found[0].startswith("hr-rules.yaml:10: badges.0.hint: ")
    assert message in found[0]


def test_a_custom_kind_works_in_every_engine_that_registers_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    registry = default_criteria()
    registry.add_kind(Weekend)
    first = Engagement(url, criteria_kinds=registry)
    first.create_schema()
    first.activate_rules(
        first.load_rules_text(
            VERBS
            + "badges:\n  - {id: sunday, name: Sunday, criteria: {kind: weekend}, target: 1}\n"
        )
    )
    first.members.upsert("alice", timezone="Europe/Paris")
    first.close()
    other = Engagement(url, criteria_kinds=registry)  # another process, say
    action = {"key": "1", "member": "alice", "verb": "share", "content": {"id": "c"}}
    award = other.record({**action, "at": "2026-07-12T12:00:00+02:00"})
    assert [b.badge for b in award.badges] == ["sunday"]


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        ("{badge:g}", "unknown format code 'g' for object of type 'str'"),
        ("{badge.upper}", "unknown placeholder {badge.upper}"),
        ("{badge[0]}", "unknown placeholder {badge[0]}"),
    ],
)
def test_a_hint_that_would_fail_when_shown_is_refused_at_load(hint, message):
    found = problems(
        f"""
        badges:
          - {{id: x, name: X, criteria: {{kind: count}}, target: 2, hint: "{hint}"}}
        """
    )
    assert len(found) == 1 and found[0].startswith("hr-rules.yaml:6: badges.0.hint: ")
    assert message in found[0]
