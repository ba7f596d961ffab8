"""Who is asking, and whether they may: decided once per request, before any view.

Each view declares who may call it with :func:`access` (``member``: the current
user's own data; ``user``: anyone signed in, member or administrator; ``admin``:
administrators).  A view without a declaration is refused to everyone, so a new
endpoint cannot be left open by mistake.  State-changing requests must be JSON (a
cross-site HTML form cannot send it without the browser asking first), come from the
host's own origin (or pass the host's CSRF check), stay within the size limit and,
where the host set one, the rate limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from engagement.flask._errors import error_response
from engagement.flask._extension import State, state

Access = Literal["member", "user", "admin"]
F = TypeVar("F", bound=Callable[..., object])
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ATTRIBUTE = "_engagement_access"
_LARGE = "_engagement_large_body"


@dataclass(frozen=True, slots=True)
class Caller:
    """The current user as the host's callbacks describe them."""

    member: str | None
    admin: bool

    @property
    def signed_in(self) -> bool:
        return self.member is not None or self.admin


def access(level: Access, *, large_body: bool = False) -> Callable[[F], F]:
    """Declare who may call a view (apply it closest to the function);
    ``large_body`` allows ``ENGAGEMENT_MAX_RULES_BYTES`` (rule files)."""

    def mark(view: F) -> F:
        setattr(view, _ATTRIBUTE, level)
        setattr(view, _LARGE, large_body)
        return view

    return mark


def caller() -> Caller:
    """The caller of the current request (set by :func:`guard`)."""
    found: Caller = g._engagement_caller
    return found


def member() -> str:
    """The current member's id, in a view declared ``access("member")``."""
    found = caller().member
    assert found is not None, "only for views declared access('member')"
    return found


def guard() -> Response | None:
    """The blueprints' ``before_request``: the whole authorisation of a request."""
    current = state()
    view = current_app.view_functions.get(request.endpoint or "")
    level = getattr(view, _ATTRIBUTE, None)
    ext = current.extension
    who = Caller(ext.current_member(), ext.is_administrator())
    g._engagement_caller = who
    if not who.signed_in:
        return error_response(401, "sign in to use the engagement programme")
    if level == "member" and who.member is None:
        return error_response(
            403, "only members of the programme can use this; ask HR to enrol you"
        )
    if level == "admin" and not who.admin:
        return error_response(403, "only the programme's administrators can use this")
    if level not in ("member", "user", "admin"):
        return error_response(403, "this endpoint declares no access; nobody may call it")
    if request.method in UNSAFE:
        return _unsafe(current, who, bool(getattr(view, _LARGE, False)))
    return None


def _unsafe(current: State, who: Caller, large: bool) -> Response | None:
    refused = _rate_limited(current, who)
    if refused is not None:
        return refused
    verdict = current.extension.passes_csrf()
    if verdict is False or (verdict is None and not _same_origin(current)):
        return error_response(
            403,
            "cross-site request refused: send it from the host's own pages (Origin or "
            "Referer of this site, or ENGAGEMENT_TRUSTED_ORIGINS)",
        )
    if request.mimetype != "application/json":
        return error_response(
            415, "send a JSON body with Content-Type: application/json (an empty one is {})"
        )
    limit = current.settings.max_rules_bytes if large else current.settings.max_body_bytes
    length = request.content_length
    if length is not None and length > limit:
        return error_response(413, f"the body has {length} bytes, more than the limit of {limit}")
    request.max_content_length = limit
    if length is None:  # chunked: read it now, up to the limit, for the view to parse
        try:
            # The stream stops at the limit: a body that fills it may be longer.
            too_large = len(request.get_data(cache=True)) >= limit
        except RequestEntityTooLarge:
            too_large = True
        if too_large:
            return error_response(413, f"the body has more than the limit of {limit} bytes")
    return None


def _same_origin(current: State) -> bool:
    """A browser names the page that sent a request in Origin (or at least Referer);
    a request naming another site is refused.  A request naming none comes from a
    program, not from a page, and is let through: it needs no CSRF protection."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        referer = request.headers.get("Referer")
        if referer is None:
            return origin is None
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    origin = origin.rstrip("/").lower()
    own = request.host_url.rstrip("/").lower()
    return origin == own or origin in current.settings.trusted_origins


def _rate_limited(current: State, who: Caller) -> Response | None:
    limit = current.settings.rate_limit
    if not limit:
        return None
    key = who.member or f"admin:{request.remote_addr}"
    minute = int(time.monotonic() // 60)
    with current.lock:
        start, count = current.windows.get(key, (minute, 0))
        count = count + 1 if start == minute else 1
        current.windows[key] = (minute, count)
        if len(current.windows) > 100_000:  # forget old windows rather than grow
            current.windows = {k: v for k, v in current.windows.items() if v[0] == minute}
    if count > limit:
        return error_response(
            429,
            f"more than {limit} changes a minute: wait a minute and try again",
            headers={"Retry-After": "60"},
        )
    return None


def harden(response: Response) -> Response:
    """Every answer of the API: never sniffed as HTML, never kept by a shared cache
    (it is one member's data)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def not_found(path: str) -> Response:
    """Any other path under the prefix: a JSON 404, or 405 where only the method is wrong."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:  # no rule for this method
            continue
        if not str(endpoint).endswith(".not_found_view"):
            allowed.append(method)
    if allowed and request.method not in allowed:
        return error_response(
            405,
            f"{request.method} is not allowed here; use {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    return error_response(404, f"no such endpoint: {request.path}; see the OpenAPI document")
