"""One error shape for every failure of the API, and the handlers that produce it.

The handlers are registered on the extension's blueprints only (flask-smorest's own
``Api`` would register them on the whole application, replacing a host's HTML error
pages): a failure under the API's prefix answers JSON, the host's pages keep theirs.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from engagement.exceptions import (
    EngagementError,
    InvalidInputError,
    KeyConflictError,
    NotConfiguredError,
    RuleFileError,
    UnknownActionError,
    UnknownMemberError,
)

logger = logging.getLogger("engagement.flask")

ERROR_CODES = (400, 401, 403, 404, 409, 413, 415, 422, 429)
"""The failures a request can cause (5xx are the server's, never the input's)."""

_PREFIX = re.compile(r"^action .*?: ")
_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.DOTALL)
_KEY_REUSED = "already recorded for another member"
_CONFLICT = "key: already used for another action; choose a key unique to this action"


class KeyReusedError(EngagementError):
    """An action key already recorded for another action (409)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} was recorded for another action")
        self.key = key


class ProblemSchema(ma.Schema):
    """One problem of a rule file: where it is and what is wrong."""

    line = ma.fields.Integer(allow_none=True, metadata={"description": "1-based line"})
    path = ma.fields.String(metadata={"description": "dotted path in the file"})
    message = ma.fields.String()


class ErrorSchema(ma.Schema):
    """Every error the API answers: ``code`` and ``status`` always, ``message`` saying
    what to do, ``errors`` by field for bad input, ``problems`` for rule files."""

    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=False
    )
    problems = ma.fields.List(ma.fields.Nested(ProblemSchema), required=False)


def error_response(
    code: int,
    message: str,
    *,
    errors: dict[str, list[str]] | None = None,
    problems: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    payload: dict[str, Any] = {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message,
    }
    if errors:
        payload["errors"] = errors
    if problems is not None:
        payload["problems"] = problems
    response = jsonify(payload)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nested messages as ``{"content.topics.0": ["…"]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": list(messages)}
    return {prefix or "_body": [str(messages)]}


def handle_http(error: HTTPException) -> Response:
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # a schema refused the request: field by field
        messages = data["messages"]
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))  # drop the location ("json")
        return error_response(
            400, "the request has invalid fields: see errors", errors=flatten(messages)
        )
    headers = dict(data.get("headers", {}))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    message = data.get("message") or error.description or HTTP_STATUS_CODES.get(code, "Error")
    if code >= 500:
        logger.exception("engagement API: server error", exc_info=error)
        message = "the server failed; the error is logged for its administrators"
    return error_response(code, message, headers=headers)


def handle_engine(error: EngagementError) -> Response:
    message = str(error)
    if isinstance(error, KeyReusedError):
        return error_response(409, _CONFLICT)
    if isinstance(error, KeyConflictError):
        return error_response(409, message)
    if isinstance(error, RuleFileError):
        problems = [{"line": p.line, "path": p.path, "message": p.message} for p in error.problems]
        return error_response(422, "the rule file has problems: see problems", problems=problems)
    if isinstance(error, UnknownMemberError | UnknownActionError | LookupError):
        return error_response(404, _PREFIX.sub("", message))
    if isinstance(error, InvalidInputError):
        if _KEY_REUSED in message:
            return error_response(409, _CONFLICT)
        bare = _PREFIX.sub("", message)
        match = _FIELD.match(bare)
        errors = {match.group(1): [match.group(2)]} if match else {"_body": [bare]}
        return error_response(400, bare, errors=errors)
    if isinstance(error, NotConfiguredError):
        logger.error("engagement API: %s", message)
        return error_response(503, message)
    raise error


def handle_server_error(error: InternalServerError) -> Response:
    logger.error("engagement API: unhandled error", exc_info=error.original_exception)
    return error_response(500, "the server failed; the error is logged for its administrators")


def scope_errors(blueprint: Blueprint) -> None:
    """Answer every failure under ``blueprint`` in the one JSON shape."""
    blueprint.register_error_handler(HTTPException, handle_http)
    blueprint.register_error_handler(EngagementError, handle_engine)
    blueprint.register_error_handler(InternalServerError, handle_server_error)
