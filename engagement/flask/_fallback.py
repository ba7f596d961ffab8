"""The OpenAPI document, and JSON answers for any other path under the prefix.

A plain Flask blueprint (not documented in the OpenAPI document itself): it serves
``<prefix>/openapi.json`` and catches the paths and methods no endpoint matches, so
that they too answer in the API's one error shape rather than the host's HTML.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engagement.flask._errors import scope_errors
from engagement.flask._extension import state
from engagement.flask._guard import harden, not_found

blp = Blueprint("engagement_fallback", __name__)
scope_errors(blp)
blp.after_request(harden)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@blp.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    return jsonify(state().api.spec.to_dict())


@blp.route("/", defaults={"path": ""}, methods=METHODS)
@blp.route("/<path:path>", methods=METHODS)
def not_found_view(path: str) -> Response:
    return not_found(path)
