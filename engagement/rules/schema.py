"""The rule file's JSON Schema, for editors (VS Code's YAML extension, JetBrains)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from engagement.badges.criteria import CriterionKindRegistry
from engagement.badges.kinds import default_criteria
from engagement.badges.model import BadgeSpec, ChallengeSpec, LevelSpec
from engagement.rules.kinds import RuleKindRegistry
from engagement.rules.model import RuleFile


def ruleset_json_schema(
    registry: RuleKindRegistry, criteria: CriterionKindRegistry | None = None
) -> dict[str, Any]:
    """JSON Schema of a rule file whose ``rules`` may use every kind in ``registry``
    and whose badges and challenges every criterion kind in ``criteria``.

    Built from the same pydantic models that validate files, so the schema and the
    validator cannot disagree about which keys exist.
    """
    schema = RuleFile.model_json_schema()
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    rules = _choices(definitions, "rule", [(k.kind, k.Params) for k in registry])
    criteria = criteria if criteria is not None else default_criteria()
    goals = _choices(definitions, "criterion", [(k.kind, k.Params) for k in criteria])
    properties = schema["properties"]
    properties["rules"] = {
        "type": "array",
        "description": "Scoring rules; each item's 'kind' selects its settings.",
        "items": {"oneOf": rules},
    }
    for section, model, field in (
        ("badges", BadgeSpec, "criteria"),
        ("challenges", ChallengeSpec, "goal"),
        ("levels", LevelSpec, None),
    ):
        item = model.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(item.pop("$defs", {}))
        if field is not None:
            item["properties"][field] = {"oneOf": goals}
        definitions[model.__name__] = item
        properties[section] = {
            **properties[section],
            "items": {"$ref": f"#/$defs/{model.__name__}"},
        }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "engagement rule file"
    return schema


def _choices(
    definitions: dict[str, Any], prefix: str, kinds: list[tuple[str, type[BaseModel]]]
) -> list[dict[str, str]]:
    """One ``$ref`` per kind, each kind's settings with ``kind`` pinned to its name."""
    choices = []
    for name, params in sorted(kinds):
        kind_schema = params.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(kind_schema.pop("$defs", {}))
        kind_schema["properties"]["kind"] = {"const": name, "title": "Kind"}
        if "kind" not in kind_schema.get("required", []):
            kind_schema.setdefault("required", []).append("kind")
        definitions[f"{prefix}_{name}"] = kind_schema
        choices.append({"$ref": f"#/$defs/{prefix}_{name}"})
    return choices
