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
from keyword import iskeyword
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
        steps.append((field.data_key or name, attribute, _converter(field), _written(field)))
    after = [getattr(schema, name) for name, _, _ in hooks["post_dump"]]

    def walk(obj: Any) -> dict[str, Any]:
        """Field by field, leaving out what ``obj`` lacks (as marshmallow does)."""
        read = obj.get if _mapping(type(obj)) else partial(getattr, obj)
        data = {}
        for key, attribute, convert, _ in steps:
            value = read(attribute, _MISSING)
            if value is not _MISSING:
                data[key] = None if value is None else convert(value)
        for hook in after:
            data = hook(data, many=False)
        return data

    return _generated(steps, after, walk)


def _written(field: ma.fields.Field[Any]) -> str | None:
    """The conversion of a plain field as an expression of ``{v}`` (``None``: a call to
    its converter); the same as :func:`_converter`'s."""
    kind = type(field)
    if kind is f.String:
        return "({v} if type({v}) is str else str({v}))"
    if kind is f.Integer:
        return "({v} if type({v}) is int else int({v}))"
    if kind is f.Boolean:
        return "({v} if type({v}) is bool else bool({v}))"
    if kind is f.Float:
        return "float({v})"
    if kind is f.Raw:
        return "{v}"
    return None


def _generated(
    steps: list[tuple[str, str, Convert, str | None]], after: list[Any], walk: Plan
) -> Plan:
    """The plan as one function written for the schema: every value read into a local,
    then one dict display, conversions of the plain kinds written out in place.  A
    member's page is some 1,500 values, and this halves what walking the fields one
    call at a time costs.  An object lacking a field takes :func:`walk`, which leaves
    the field out."""
    namespace: dict[str, Any] = {
        "mapping": _mapping,
        "MISSING": _MISSING,
        "walk": walk,
        "after": after,
    }
    from_mapping, from_object, values = [], [], []
    for i, (key, attribute, convert, template) in enumerate(steps):
        namespace[f"c{i}"] = convert
        from_mapping.append(f"        v{i} = get({attribute!r}, MISSING)")
        read = (
            f"obj.{attribute}"
            if attribute.isidentifier() and not iskeyword(attribute)
            else (f"getattr(obj, {attribute!r})")
        )
        from_object.append(f"            v{i} = {read}")
        value = template.format(v=f"v{i}") if template else f"c{i}(v{i})"
        values.append(f"        {key!r}: None if v{i} is None else {value},")
    missing = " or ".join(f"v{i} is MISSING" for i in range(len(steps))) or "False"
    hooks = "    for hook in after:\n        data = hook(data, many=False)\n" if after else ""
    source = (
        "def plan(obj):\n"
        "    if mapping(type(obj)):\n"
        "        get = obj.get\n"
        + "\n".join(from_mapping or ["        pass"])
        + f"\n        if {missing}:\n"
        "            return walk(obj)\n"
        "    else:\n"
        "        try:\n"
        + "\n".join(from_object or ["            pass"])
        + "\n        except AttributeError:\n"
        "            return walk(obj)\n"
        "    data = {\n" + "\n".join(values) + "\n    }\n" + hooks + "    return data\n"
    )
    exec(compile(source, "<engagement.flask._dump plan>", "exec"), namespace)
    plan: Plan = namespace["plan"]
    return plan


_MAPPINGS: dict[type, bool] = {dict: True}


def _mapping(kind: type) -> bool:
    """Whether objects of ``kind`` are read by key: asked of every object dumped, and
    an ABC's ``isinstance`` costs more than the rest of a small object's dump."""
    found = _MAPPINGS.get(kind)
    if found is None:
        found = _MAPPINGS[kind] = issubclass(kind, Mapping)
    return found


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
