"""The rule file's JSON Schema, for editors (VS Code's YAML extension, JetBrains)."""

from __future__ import annotations

from typing import Any

from .kinds import RuleKindRegistry
from .model import RuleFile


def ruleset_json_schema(registry: RuleKindRegistry) -> dict[str, Any]:
    """JSON Schema of a rule file whose ``rules`` may use every kind in ``registry``.

    Built from the same pydantic models that validate files, so the schema and the
    validator cannot disagree about which keys exist.
    """
    schema = RuleFile.model_json_schema()
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    choices = []
    for kind in sorted(registry, key=lambda k: k.kind):
        kind_schema = kind.Params.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(kind_schema.pop("$defs", {}))
        kind_schema["properties"]["kind"] = {"const": kind.kind, "title": "Kind"}
        if "kind" not in kind_schema.get("required", []):
            kind_schema.setdefault("required", []).append("kind")
        definitions[f"rule_{kind.kind}"] = kind_schema
        choices.append({"$ref": f"#/$defs/rule_{kind.kind}"})
    schema["properties"]["rules"] = {
        "type": "array",
        "description": "Scoring rules; each item's 'kind' selects its settings.",
        "items": {"oneOf": choices},
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "engagement rule file"
    return schema
