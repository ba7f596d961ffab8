"""Response schemas that dump fast: each schema's fields compiled once to a plan.

A member's page is a thousand values (badges with progress, ten boards, a page of
ledger); marshmallow's general dump spends about 2 µs on each, which alone would
take the API past its budget of 1 ms over the engine.  :class:`Out` keeps the
schema as the single definition of a response (its fields, the OpenAPI document
built from them, its ``post_dump`` hooks) and only replaces the walk: per field, one
attribute read and one conversion chosen when the plan is compiled.  A field of a
kind the plan does not know is dumped by the field itself; a schema with options the
plan does not follow (``pre_dump``, collection hooks) by marshmallow.
tests/flask/test_flask_dump.py holds every response schema to marshmallow's output.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

import marshmallow as ma
from marshmallow import fields as f

Convert = Callable[[Any], Any]
Plan = Callable[[Any], dict[str, Any]]
_MISSING = object()


class Number(f.Float):
    """A float that JSON can hold: infinity (a manual badge's target) is null."""

    def _serialize(
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | float | None:
        if value is None or not math.isfinite(value):
            return None
        return super()._serialize(value, attr, obj, **kwargs)


class Out(ma.Schema):
    """Base of the response schemas: ``dump`` through a compiled plan."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        plan = planned(self)
        if plan is None:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            return [plan(item) for item in obj]
        return plan(obj)


def planned(schema: ma.Schema) -> Plan | None:
    """The schema's plan, compiled on first use (``None``: marshmallow dumps it)."""
    if "_plan" not in schema.__dict__:
        schema.__dict__["_plan"] = _compile(schema) if isinstance(schema, Out) else None
    plan: Plan | None = schema.__dict__["_plan"]
    return plan


def _compile(schema: ma.Schema) -> Plan | None:
    hooks = schema._hooks  # marshmallow's registry of the schema's decorated hooks
    if hooks["pre_dump"] or any(
        many or kw.get("pass_original") for _, many, kw in hooks["post_dump"]
    ):
        return None
    steps = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute or name
        if "." in attribute:
            return None
        steps.append((field.data_key or name, attribute, _converter(field)))
    after = [getattr(schema, name) for name, _, _ in hooks["post_dump"]]

    def plan(obj: Any) -> dict[str, Any]:
        mapping = type(obj) is dict or isinstance(obj, Mapping)
        read = obj.get if mapping else partial(getattr, obj)
        data = {}
        for key, attribute, convert in steps:
            value = read(attribute, _MISSING)
            if value is not _MISSING:
                data[key] = None if value is None else convert(value)
        for hook in after:
            data = hook(data, many=False)
        return data

    return plan


def _converter(field: ma.fields.Field[Any]) -> Convert:
    kind = type(field)
    if kind is f.String:
        return lambda v: v if type(v) is str else str(v)
    if kind is f.Integer:
        return int
    if kind is f.Boolean:
        return bool
    if kind is f.Float:
        return float
    if kind is Number:
        return lambda v: float(v) if math.isfinite(v) else None
    iso = isinstance(field, f.DateTime) and field.format in (None, "iso")
    if iso and kind in (f.AwareDateTime, f.DateTime):
        return datetime.isoformat
    if kind is f.Raw:
        return lambda v: v
    plain = isinstance(field, f.Dict) and field.key_field is None and field.value_field is None
    if plain and kind is f.Dict:
        return dict
    if isinstance(field, f.List) and kind is f.List:
        inner = _converter(field.inner)
        return lambda v: [None if x is None else inner(x) for x in v]
    if isinstance(field, f.Nested) and kind is f.Nested:
        nested = field.schema
        plan = None if nested.many else planned(nested)
        return plan or nested.dump
    return lambda v: field._serialize(v, None, None)
