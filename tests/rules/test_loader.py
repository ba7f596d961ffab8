"""Loading rule files: the shipped default, every kind of mistake HR can make, activation.

Each bad file must produce the exact ``FILE:LINE: dotted.path: message`` an author
reads in their editor or CI log, so the tests compare whole problem lines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from engagement import DEFAULT_RULES_PATH, Engagement, Problem, RuleFileError, Step
from engagement.rules import default_registry, load_ruleset, load_ruleset_file
from engagement.storage.tables import rulesets

ActionFactory = Callable[..., dict[str, Any]]

SOURCE = "hr-rules.yaml"
KNOWN_KINDS = (
    "cap, content_mix, diminishing_returns, impersonal_budget, once_per_content, "
    "personalisation, reciprocity, variety"
)
TOP_LEVEL_KEYS = (
    "analytics, badges, challenges, default_locale, leaderboards, levels, max_text_length, "
    "privacy, programme, rules, settle_days, timezone, verbs, week_start"
)
VERB_KEYS = "content, description, label, points, target, target_is"
WEEKDAYS = "'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday' or 'sunday'"
DURATION = "expected a duration such as '48h', '7d' or '2w'"


def problems(text: str, source: str = SOURCE) -> list[str]:
    """The problem lines ``text`` is rejected with, in the order they are reported."""
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(dedent(text), default_registry(), source=source)
    return [str(problem) for problem in caught.value.problems]


def file_problems(path: Path) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset_file(path, default_registry())
    return [str(problem) for problem in caught.value.problems]


# -- the shipped default --------------------------------------------------------------


def test_the_shipped_default_file_loads() -> None:
    ruleset = load_ruleset_file(DEFAULT_RULES_PATH, default_registry())
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")

    assert ruleset.file.programme == "Ambassador programme"
    assert ruleset.file.timezone == "Europe/Paris"
    assert ruleset.file.week_start == "monday"
    assert ruleset.file.max_text_length == 5000
    assert sorted(ruleset.verbs) == [
        "kudos",
        "post",
        "read",
        "referral",
        "share",
        "suggest",
        "training",
    ]
    assert ruleset.verbs["share"].points == 10
    assert [rule.id for rule in ruleset.rules] == [
        "personal-words",
        "variety",
        "new-colleague-thanked",
        "share-repeats",
        "read-repeats",
        "kudos-repeats",
        "kudos-reciprocity",
        "same-content-same-channel",
        "content-mix-80-20",
        "impersonal-weekly-budget",
        "shares-weekly-cap",
        "reading-weekly-cap",
        "daily-cap",
    ]
    assert ruleset.text == text
    assert ruleset.content_hash == hashlib.sha256(text.encode()).hexdigest()
    assert ruleset.version is None  # not stored yet


def test_the_default_pipeline_runs_bonuses_then_modifiers_then_caps() -> None:
    ruleset = load_ruleset_file(DEFAULT_RULES_PATH, default_registry())

    assert [(rule.id, rule.phase) for rule in ruleset.pipeline("share")] == [
        ("personal-words", "bonus"),
        ("variety", "bonus"),
        ("share-repeats", "modifier"),
        ("same-content-same-channel", "modifier"),
        ("content-mix-80-20", "modifier"),
        ("impersonal-weekly-budget", "cap"),
        ("shares-weekly-cap", "cap"),
        ("daily-cap", "cap"),
    ]
    assert [rule.id for rule in ruleset.pipeline("post")] == ["variety", "daily-cap"]


def test_a_minimal_file_gets_the_documented_defaults() -> None:
    ruleset = load_ruleset("verbs:\n  share:\n    points: 10\n", default_registry())

    assert ruleset.file.programme == "Advocacy programme"
    assert ruleset.file.timezone == "UTC"
    assert ruleset.file.week_start == "monday"
    assert ruleset.file.max_text_length == 10_000
    assert ruleset.rules == ()


# -- unknown keys ---------------------------------------------------------------------


def test_an_unknown_top_level_key_names_the_allowed_keys() -> None:
    assert problems(
        """\
        programme: Ambassadors
        verbs:
          share:
            points: 10
        rulez: []
        """
    ) == [f"{SOURCE}:5: rulez: unknown key; expected one of: {TOP_LEVEL_KEYS}"]


def test_an_unknown_key_inside_a_verb_names_the_verb_keys() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
            pionts: 3
        """
    ) == [f"{SOURCE}:4: verbs.share.pionts: unknown key; expected one of: {VERB_KEYS}"]


def test_an_unknown_key_inside_a_rule_names_that_kinds_keys() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: weekly
            kind: cap
            period: week
            max_points: 50
            maximum: 30
        """
    ) == [
        f"{SOURCE}:9: rules.0.maximum: unknown key; "
        "expected one of: description, id, kind, max_points, period, verbs"
    ]


# -- values ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ten", "yes"])
def test_a_wrong_type_points_at_the_value(value: str) -> None:
    assert problems(
        f"""\
        verbs:
          share:
            points: {value}
        """
    ) == [f"{SOURCE}:3: verbs.share.points: input should be a valid number"]


def test_negative_points_are_refused_for_verbs_and_rules() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: -5
        rules:
          - id: personal
            kind: personalisation
            max_points: -1
        """
    ) == [
        f"{SOURCE}:3: verbs.share.points: input should be greater than or equal to 0",
        f"{SOURCE}:7: rules.0.max_points: input should be greater than or equal to 0",
    ]


@pytest.mark.parametrize("multipliers", ["[1, 1.5]", "[1, -0.1]"])
def test_multipliers_must_lie_between_0_and_1(multipliers: str) -> None:
    assert problems(
        f"""\
        verbs:
          share:
            points: 10
        rules:
          - id: repeats
            kind: diminishing_returns
            multipliers: {multipliers}
        """
    ) == [f"{SOURCE}:7: rules.0.multipliers: each multiplier must be between 0 and 1"]


def test_a_fraction_setting_above_1_is_refused() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: mix
            kind: content_mix
            corporate_kinds: [corporate]
            max_share: 1.2
        """
    ) == [f"{SOURCE}:8: rules.0.max_share: input should be less than or equal to 1"]


def test_bad_windows_and_durations_are_refused() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: repeats
            kind: diminishing_returns
            window: 7 days
            multipliers: [1, 0.5]
          - id: personal
            kind: personalisation
            max_points: 5
            reuse_window: 0d
          - id: mix
            kind: content_mix
            corporate_kinds: [corporate]
            window: fortnight
        """
    ) == [
        f"{SOURCE}:7: rules.0.window: {DURATION}, got '7 days'",
        f"{SOURCE}:12: rules.1.reuse_window: {DURATION}, got '0d'",
        f"{SOURCE}:16: rules.2.window: {DURATION}, got 'fortnight'",
    ]


def test_a_cap_period_must_be_a_calendar_unit() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: weekly
            kind: cap
            period: 7d
            max_points: 50
        """
    ) == [
        f"{SOURCE}:7: rules.0.period: input should be 'day', 'week', 'month', 'quarter' or 'year'"
    ]


def test_a_bad_list_item_points_at_its_own_line() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: variety
            kind: variety
            points: 5
            dimensions:
              - channel
              - colour
        """
    ) == [
        f"{SOURCE}:10: rules.0.dimensions.1: "
        "input should be 'channel', 'topic', 'verb', 'content_kind' or 'target'"
    ]


def test_an_unknown_time_zone_is_refused() -> None:
    assert problems(
        """\
        programme: Ambassadors
        timezone: Europe/Pariss
        verbs:
          share:
            points: 10
        """
    ) == [
        f"{SOURCE}:2: timezone: unknown time zone 'Europe/Pariss': "
        "use an IANA name such as 'Europe/Paris'"
    ]


def test_a_bad_week_start_lists_the_weekdays() -> None:
    assert problems(
        """\
        week_start: lundi
        verbs:
          share:
            points: 10
        """
    ) == [f"{SOURCE}:1: week_start: input should be {WEEKDAYS}"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "input should be greater than or equal to 0"),
        ("367", "input should be less than or equal to 366"),
        ("two weeks", "input should be a valid integer"),
    ],
)
def test_a_bad_settle_window_names_its_limits(value: str, message: str) -> None:
    found = problems(f"settle_days: {value}\nverbs:\n  share:\n    points: 10\n")
    assert len(found) == 1 and found[0].startswith(f"{SOURCE}:1: settle_days: {message}")


def test_a_file_needs_at_least_one_verb() -> None:
    assert problems("programme: Ambassadors\n") == [f"{SOURCE}:1: verbs: field required"]
    assert problems("verbs: {}\n") == [
        f"{SOURCE}:1: verbs: dictionary should have at least 1 item after validation, not 0"
    ]


def test_a_verb_name_must_be_lower_case() -> None:
    assert problems(
        """\
        verbs:
          Share:
            points: 10
        """
    ) == [f"{SOURCE}:1: verbs: verb name 'Share' must be lower case letters, digits and '_'"]


# -- rule kinds, ids and references ---------------------------------------------------


def test_an_unknown_rule_kind_lists_the_known_kinds() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: streak
            kind: streak_bonus
        """
    ) == [f"{SOURCE}:6: rules.0.kind: unknown kind 'streak_bonus'; known: {KNOWN_KINDS}"]


def test_a_rule_without_a_kind_is_refused() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: weekly
            period: week
            max_points: 50
        """
    ) == [f"{SOURCE}:5: rules.0.kind: every rule needs a 'kind'"]


def test_a_rule_must_be_a_mapping() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - cap
        """
    ) == [f"{SOURCE}:5: rules.0: input should be a valid dictionary"]


def test_a_bad_rule_id_is_refused() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: Weekly Cap
            kind: cap
            period: week
            max_points: 50
        """
    ) == [f"{SOURCE}:5: rules.0.id: string should match pattern '^[a-z0-9][a-z0-9_.-]*$'"]


def test_a_rule_naming_an_undefined_verb_points_at_the_list_item() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
          post:
            points: 30
        rules:
          - id: daily
            kind: cap
            period: day
            max_points: 100
          - id: weekly
            kind: cap
            period: week
            max_points: 50
            verbs:
              - share
              - tweet
        """
    ) == [f"{SOURCE}:17: rules.1.verbs.1: undefined verb 'tweet'; defined verbs: post, share"]


def test_duplicate_rule_ids_name_the_first_use() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: cap
            kind: cap
            period: day
            max_points: 100
          - id: cap
            kind: cap
            period: week
            max_points: 300
        """
    ) == [f"{SOURCE}:9: rules.1.id: duplicate rule id 'cap' (first used by rules.0)"]


# -- YAML itself ----------------------------------------------------------------------


def test_duplicate_yaml_keys_are_refused_rather_than_silently_overwritten() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
          share:
            points: 20
        rules:
          - id: weekly
            kind: cap
            period: week
            max_points: 50
            max_points: 500
        """
    ) == [
        f"{SOURCE}:4: verbs.share: duplicate key",
        f"{SOURCE}:11: rules.0.max_points: duplicate key",
    ]


def test_a_yaml_syntax_error_gives_its_line() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
          post: - 30
        """
    ) == [f"{SOURCE}:4: <root>: syntax error: sequence entries are not allowed here"]


def test_a_tab_in_the_indentation_is_a_syntax_error_on_its_line() -> None:
    assert problems("verbs:\n  share:\n\tpoints: 10\n") == [
        f"{SOURCE}:3: <root>: syntax error: while scanning for the next token "
        "found character '\\t' that cannot start any token"
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_refused(text: str) -> None:
    assert problems(text) == [
        f"{SOURCE}: <root>: a rule file is a mapping with at least a 'verbs:' section"
    ]


@pytest.mark.parametrize("text", ["- verbs\n- rules\n", "just a sentence\n", "42\n"])
def test_a_file_that_is_not_a_mapping_is_refused(text: str) -> None:
    assert problems(text) == [
        f"{SOURCE}:1: <root>: a rule file is a mapping with at least a 'verbs:' section"
    ]


# -- several problems -----------------------------------------------------------------


def test_every_problem_is_reported_sorted_by_line() -> None:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(
            dedent(
                """\
                extra: 1
                programme: Ambassadors
                week_start: someday
                verbs:
                  share:
                    points: ten
                    pionts: 3
                rules:
                  - id: streak
                    kind: streak_bonus
                  - id: repeats
                    kind: diminishing_returns
                    window: 7 days
                    multipliers: [2]
                  - id: weekly
                    kind: cap
                    period: week
                    max_points: -1
                """
            ),
            default_registry(),
            source=SOURCE,
        )
    error = caught.value
    assert [str(problem) for problem in error.problems] == [
        f"{SOURCE}:1: extra: unknown key; expected one of: {TOP_LEVEL_KEYS}",
        f"{SOURCE}:3: week_start: input should be {WEEKDAYS}",
        f"{SOURCE}:6: verbs.share.points: input should be a valid number",
        f"{SOURCE}:7: verbs.share.pionts: unknown key; expected one of: {VERB_KEYS}",
        f"{SOURCE}:10: rules.0.kind: unknown kind 'streak_bonus'; known: {KNOWN_KINDS}",
        f"{SOURCE}:13: rules.1.window: {DURATION}, got '7 days'",
        f"{SOURCE}:14: rules.1.multipliers: each multiplier must be between 0 and 1",
        f"{SOURCE}:18: rules.2.max_points: input should be greater than or equal to 0",
    ]
    assert error.problems[0] == Problem(
        SOURCE, 1, "extra", f"unknown key; expected one of: {TOP_LEVEL_KEYS}"
    )
    assert str(error).splitlines() == [
        "8 problems in rule file",
        *(str(problem) for problem in error.problems),
    ]
    assert isinstance(error, ValueError)


def test_one_problem_is_singular_in_the_error_message() -> None:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset("verbs:\n  share:\n    points: -1\n", default_registry())
    assert str(caught.value) == (
        "1 problem in rule file\n"
        "<rules>:3: verbs.share.points: input should be greater than or equal to 0"
    )


def test_an_undefined_verb_is_reported_beside_an_unrelated_top_level_problem() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        rules:
          - id: weekly
            kind: cap
            period: week
            max_points: 50
            verbs: [tweet]
        extra: 1
        """
    ) == [
        f"{SOURCE}:9: rules.0.verbs.0: undefined verb 'tweet'; defined verbs: share",
        f"{SOURCE}:10: extra: unknown key; expected one of: {TOP_LEVEL_KEYS}",
    ]


# -- files on disk --------------------------------------------------------------------


def test_problems_name_the_file_they_come_from(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("verbs:\n  share:\n    points: -5\n", encoding="utf-8")

    assert file_problems(path) == [
        f"{path}:3: verbs.share.points: input should be greater than or equal to 0"
    ]


def test_a_json_rule_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        # YAML reads unquoted dates as dates; JSON writes them as ISO strings.
        json.dumps(
            yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8")), indent=2, default=str
        ),
        encoding="utf-8",
    )
    ruleset = load_ruleset_file(path, default_registry())
    default = load_ruleset_file(DEFAULT_RULES_PATH, default_registry())

    raw_sections = {"badges", "challenges"}  # dates stay strings until compiled
    assert ruleset.file.model_dump(exclude=raw_sections) == default.file.model_dump(
        exclude=raw_sections
    )
    assert [rule.id for rule in ruleset.rules] == [rule.id for rule in default.rules]

    def compiled(r: Any) -> list[Any]:
        goals = r.catalogue.goals
        return [(g.id, g.starts, g.ends, g.criterion.params) for g in goals]

    assert compiled(ruleset) == compiled(default)


def test_a_bad_json_rule_file_reports_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        '{\n  "verbs": {\n    "share": {"points": 10},\n    "post": {"points": -1}\n  },\n'
        '  "rules": [\n    {"id": "x", "kind": "nope"}\n  ]\n}\n',
        encoding="utf-8",
    )
    assert file_problems(path) == [
        f"{path}:4: verbs.post.points: input should be greater than or equal to 0",
        f"{path}:7: rules.0.kind: unknown kind 'nope'; known: {KNOWN_KINDS}",
    ]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert file_problems(path) == [
        f"{path}: <root>: cannot read file: [Errno 2] No such file or directory: '{path}'"
    ]


def test_a_directory_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    assert file_problems(tmp_path) == [
        f"{tmp_path}: <root>: cannot read file: it is a directory, not a rule file"
    ]


def test_a_file_that_is_not_utf8_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("programme: Café\nverbs:\n  share:\n    points: 10\n".encode("latin-1"))
    assert file_problems(path) == [
        f"{path}:1: <root>: not UTF-8 text: byte 0xE9 at column 15 cannot be read; "
        "save the file as UTF-8"
    ]


# -- activation -----------------------------------------------------------------------


def stored_versions(engine: Engagement) -> list[tuple[int, bool]]:
    with engine.database.connect() as connection:
        rows = connection.execute(
            sa.select(rulesets.c.version, rulesets.c.active).order_by(rulesets.c.version)
        )
        return [(version, bool(active)) for version, active in rows]


SHARE_POINTS_LINE = next(
    number
    for number, line in enumerate(DEFAULT_RULES_PATH.read_text(encoding="utf-8").splitlines(), 1)
    if line.startswith("    points: 10          #")
)
"""Where the default file sets a share's points (``verbs.share.points``)."""


def with_share_points(points: int) -> str:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    changed = text.replace("    points: 10          #", f"    points: {points}          #", 1)
    assert changed != text
    return changed


def test_activating_a_bad_file_keeps_the_active_version(
    memory_engine: Engagement, make_action: ActionFactory, tmp_path: Path
) -> None:
    before = memory_engine.active_rules()
    bad = tmp_path / "bad.yaml"
    bad.write_text(with_share_points(-5), encoding="utf-8")

    with pytest.raises(RuleFileError) as caught:
        memory_engine.activate_rules(bad)

    assert [str(problem) for problem in caught.value.problems] == [
        f"{bad}:{SHARE_POINTS_LINE}: verbs.share.points: input should be greater than or equal to 0"
    ]
    after = memory_engine.active_rules()
    assert after.version == before.version == 1
    assert after.content_hash == before.content_hash
    assert stored_versions(memory_engine) == [(1, True)]
    memory_engine.members.upsert("alice")
    assert memory_engine.record(make_action()).ruleset_version == 1


def test_activating_the_same_file_twice_keeps_one_version(memory_engine: Engagement) -> None:
    first = memory_engine.active_rules()
    again = memory_engine.activate_rules(DEFAULT_RULES_PATH)

    assert again.version == first.version == 1
    assert again.content_hash == first.content_hash
    assert memory_engine.active_rules().version == 1
    assert stored_versions(memory_engine) == [(1, True)]


def test_a_changed_file_becomes_version_2_and_scores_the_next_action(
    engine: Engagement, make_action: ActionFactory, tmp_path: Path
) -> None:
    engine.members.upsert("alice")
    engine.members.upsert("bob")
    under_v1 = engine.record(make_action("alice"))
    changed = tmp_path / "rules.yaml"
    # 18, not more: a plain share above the impersonal weekly budget (20) would be limited.
    changed.write_text(with_share_points(18), encoding="utf-8")

    activated = engine.activate_rules(changed)
    under_v2 = engine.record(make_action("bob"))

    assert activated.version == 2
    assert engine.active_rules().version == 2
    assert engine.active_rules().verbs["share"].points == 18
    assert stored_versions(engine) == [(1, False), (2, True)]
    assert (under_v1.ruleset_version, under_v2.ruleset_version) == (1, 2)
    assert under_v1.steps[0] == Step("verbs.share", "add", 10, "share")
    assert under_v2.steps[0] == Step("verbs.share", "add", 18, "share")
    # Same action, same (empty) history: only the base points differ.
    assert under_v1.steps[1:] == under_v2.steps[1:]
    assert under_v2.points - under_v1.points == 8
    # The earlier award keeps the points it was given.
    assert engine.ledger.points("alice") == under_v1.points


def test_bad_leaderboard_and_analytics_settings_point_at_their_lines() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        leaderboards:
          timezone: Mars/Olympus
          exact_ranks: 0
          bands: [10, 5]
          seasons:
            - id: Autumn 2026
              name: Autumn
              starts: 2026-09-01
              ends: 2026-11-30
            - id: spring
              name: Spring
              starts: 2026-05-31
              ends: 2026-03-01
        analytics:
          corporate_target: 1.5
          currency: euro
          cpm: {linkedin: -3}
        """
    ) == [
        f"{SOURCE}:5: leaderboards.timezone: unknown time zone 'Mars/Olympus': "
        "use an IANA name such as 'Europe/Paris'",
        f"{SOURCE}:6: leaderboards.exact_ranks: input should be greater than or equal to 1",
        f"{SOURCE}:7: leaderboards.bands: bands must rise, got [10, 5]",
        f"{SOURCE}:9: leaderboards.seasons.0.id: string should match pattern "
        "'^[a-z0-9][a-z0-9_-]*$'",
        f"{SOURCE}:13: leaderboards.seasons.1: ends (2026-03-01) is before starts (2026-05-31)",
        f"{SOURCE}:18: analytics.corporate_target: input should be less than or equal to 1",
        f"{SOURCE}:19: analytics.currency: string should match pattern '^[A-Z]{{3}}$'",
        f"{SOURCE}:20: analytics.cpm: linkedin: a CPM cannot be negative",
    ]


def test_a_season_id_is_used_once() -> None:
    assert problems(
        """\
        verbs:
          share:
            points: 10
        leaderboards:
          seasons:
            - {id: q4, name: Q4, starts: 2026-10-01, ends: 2026-12-31}
            - {id: q4, name: Q4 again, starts: 2026-10-01, ends: 2026-12-31}
        """
    ) == [f"{SOURCE}:5: leaderboards.seasons: duplicate season id 'q4'"]
