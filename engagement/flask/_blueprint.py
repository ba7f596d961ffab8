"""A typed face of flask-smorest's ``Blueprint`` (whose decorators carry no types).

Each decorator keeps the view's own type, so ``mypy --strict`` checks the views;
:attr:`ApiBlueprint.blueprint` is what gets registered.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask_smorest
import marshmallow as ma
from flask import Response

from engagement.flask._errors import scope_errors
from engagement.flask._guard import guard, harden

F = TypeVar("F", bound=Callable[..., Any])
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON, UTF-8 left as it is: one encoder for every answer."""
SchemaArg = type[ma.Schema] | ma.Schema


class ApiBlueprint:
    """One group of endpoints: guarded (:func:`guard`) and answering errors in JSON."""

    def __init__(self, name: str, import_name: str, *, description: str) -> None:
        self.blueprint = flask_smorest.Blueprint(name, import_name, description=description)
        self.blueprint.before_request(guard)
        self.blueprint.after_request(harden)
        scope_errors(self.blueprint)

    def route(self, rule: str, *, methods: list[str]) -> Callable[[F], F]:
        decorator: Callable[[F], F] = self.blueprint.route(rule, methods=methods)
        return decorator

    def arguments(self, schema: SchemaArg, *, location: str = "json") -> Callable[[F], F]:
        """Load the request (body or query) with ``schema``; a refusal is a 400."""
        instance = schema() if isinstance(schema, type) else schema  # not one per request
        decorator: Callable[[F], F] = self.blueprint.arguments(
            instance, location=location, error_status_code=400
        )
        return decorator

    def response(
        self,
        status: int,
        schema: SchemaArg | None = None,
        *,
        description: str | None = None,
        content_type: str | None = None,
    ) -> Callable[[F], F]:
        """Document the answer with ``schema`` and dump the view's result with it.

        The dumped data is written as compact JSON here (flask-smorest passes a
        ready response through): the host's JSON settings, such as sorted keys, are
        for its own pages, and sorting a member's page costs more than the rest of
        the API layer.
        """
        document: Callable[[F], F] = self.blueprint.response(
            status, schema, description=description, content_type=content_type
        )
        if schema is None:
            return document
        instance = schema() if isinstance(schema, type) else schema

        def decorator(view: F) -> F:
            @functools.wraps(view)
            def dumped(*args: Any, **kwargs: Any) -> Response:
                result = view(*args, **kwargs)
                data, code = result if isinstance(result, tuple) else (result, status)
                body = _ENCODE(instance.dump(data))
                return Response(body, status=code, mimetype="application/json")

            return document(cast(F, dumped))  # the same view, answering a Response

        return decorator

    def alt_response(self, status: int, schema: SchemaArg, *, description: str) -> Callable[[F], F]:
        """Document another successful answer (200 for a key recorded before)."""
        decorator: Callable[[F], F] = self.blueprint.alt_response(
            status, schema=schema, description=description, success=True
        )
        return decorator
