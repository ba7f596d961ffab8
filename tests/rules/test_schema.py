"""The rule file's JSON Schema: valid itself, and agreeing with the loader."""

from __future__ import annotations

import copy
import json
from collections.abc import Hashable, Iterable
from typing import Any, ClassVar, Literal

import jsonschema
import pytest
import yaml
from pydantic import Field

from engagement import DEFAULT_RULES_PATH, Fact, RuleKind, RuleParams, Step
from engagement.core.timeindex import TimeIndex
from engagement.rules import Phase, default_registry, ruleset_json_schema

BUILTIN_KINDS = [
    "cap",
    "content_mix",
    "diminishing_returns",
    "impersonal_budget",
    "once_per_content",
    "personalisation",
    "reciprocity",
    "variety",
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return ruleset_json_schema(default_registry())


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture
def default_rules() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # As an editor sees the file: YAML's unquoted dates are strings in JSON terms.
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


def errors(validator: jsonschema.Draft202012Validator, document: object) -> list[tuple[str, str]]:
    """``(json path, failing keyword)`` for every schema error, in a stable order."""
    found = validator.iter_errors(document)
    return sorted((error.json_path, str(error.validator)) for error in found)


def test_the_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "engagement rule file"


def test_the_schema_has_one_definition_per_kind(schema: dict[str, Any]) -> None:
    choices = schema["properties"]["rules"]["items"]["oneOf"]
    assert choices == [{"$ref": f"#/$defs/rule_{kind}"} for kind in BUILTIN_KINDS]
    for kind in BUILTIN_KINDS:
        definition = schema["$defs"][f"rule_{kind}"]
        assert definition["properties"]["kind"] == {"const": kind, "title": "Kind"}
        assert {"id", "kind"} <= set(definition["required"])
        assert definition["additionalProperties"] is False


def test_the_default_file_validates(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    assert errors(validator, default_rules) == []


def test_an_unknown_kind_fails(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    default_rules["rules"].append({"id": "streak", "kind": "streak_bonus"})
    position = len(default_rules["rules"]) - 1

    assert errors(validator, default_rules) == [(f"$.rules[{position}]", "oneOf")]


def test_a_rule_without_a_kind_fails(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    del default_rules["rules"][0]["kind"]

    assert errors(validator, default_rules) == [("$.rules[0]", "oneOf")]


def test_an_unknown_key_in_a_rule_fails(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    cap = next(i for i, rule in enumerate(default_rules["rules"]) if rule["kind"] == "cap")
    default_rules["rules"][cap]["maximum"] = 30

    assert errors(validator, default_rules) == [(f"$.rules[{cap}]", "oneOf")]
    (error,) = validator.iter_errors(default_rules)
    # Among the oneOf branches, the cap's own one says exactly what is wrong.
    messages = [
        sub.message for sub in error.context or () if sub.validator == "additionalProperties"
    ]
    assert "Additional properties are not allowed ('maximum' was unexpected)" in messages


def test_an_unknown_top_level_key_fails(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    default_rules["rulez"] = []

    (error,) = validator.iter_errors(default_rules)
    assert (error.json_path, error.validator) == ("$", "additionalProperties")
    assert error.message == "Additional properties are not allowed ('rulez' was unexpected)"


def test_an_unknown_key_in_a_verb_fails(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    default_rules["verbs"]["share"]["pionts"] = 3

    (error,) = validator.iter_errors(default_rules)
    assert (error.json_path, error.validator) == ("$.verbs.share", "additionalProperties")
    assert error.message == "Additional properties are not allowed ('pionts' was unexpected)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["verbs"]["share"].update(points=-5), ("$.verbs.share.points", "minimum")),
        (lambda d: d["verbs"]["share"].update(points="ten"), ("$.verbs.share.points", "type")),
        (lambda d: d.update(week_start="lundi"), ("$.week_start", "enum")),
        (lambda d: d.pop("verbs"), ("$", "required")),
        (lambda d: d["rules"][0].update(max_points=-1), ("$.rules[0]", "oneOf")),
    ],
    ids=["negative-points", "points-as-text", "bad-week-start", "no-verbs", "negative-rule-bonus"],
)
def test_the_schema_refuses_what_the_loader_refuses(
    validator: jsonschema.Draft202012Validator,
    default_rules: dict[str, Any],
    change: Any,
    expected: tuple[str, str],
) -> None:
    document = copy.deepcopy(default_rules)
    change(document)

    assert errors(validator, document) == [expected]


# -- kinds a host registers -----------------------------------------------------------


class StreakParams(RuleParams):
    kind: Literal["streak"] = "streak"
    points: float = Field(ge=0)


class Streak(RuleKind[StreakParams]):
    kind: ClassVar[str] = "streak"
    Params = StreakParams
    phase: ClassVar[Phase] = "bonus"

    def remember(self, fact: Fact) -> Iterable[tuple[Hashable, float]]:
        return ()

    def apply(self, fact: Fact, index: TimeIndex, total: float) -> Step | None:
        return None


def test_a_registered_kind_appears_in_the_schema(default_rules: dict[str, Any]) -> None:
    registry = default_registry()
    registry.add_kind(Streak)
    schema = ruleset_json_schema(registry)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    assert schema["properties"]["rules"]["items"]["oneOf"] == [
        {"$ref": f"#/$defs/rule_{kind}"} for kind in sorted([*BUILTIN_KINDS, "streak"])
    ]
    default_rules["rules"].append({"id": "streak", "kind": "streak", "points": 5})
    assert errors(validator, default_rules) == []
    default_rules["rules"][-1]["points"] = -5
    assert errors(validator, default_rules) == [
        (f"$.rules[{len(default_rules['rules']) - 1}]", "oneOf")
    ]
    # The default registry, and so its schema, is untouched.
    assert "rule_streak" not in ruleset_json_schema(default_registry())["$defs"]


def test_badges_and_their_criteria_are_checked_too(
    validator: jsonschema.Draft202012Validator, default_rules: dict[str, Any]
) -> None:
    default_rules["badges"][0]["criteria"]["kind"] = "sparkle"
    default_rules["badges"][1]["colour"] = "gold"
    assert errors(validator, default_rules) == [
        ("$.badges[0].criteria", "oneOf"),
        ("$.badges[1]", "additionalProperties"),
    ]
