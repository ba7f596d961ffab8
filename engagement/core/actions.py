"""Actions as hosts submit them: validated input, then facts for scoring and rows to log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from engagement.exceptions import InvalidActionError

_ID = Field(min_length=1, max_length=255)


class Content(BaseModel):
    """The piece of content an action is about (an article, a campaign post…)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = _ID
    kind: str | None = Field(
        default=None, max_length=64, description="corporate, industry, culture, jobs…"
    )
    topics: tuple[str, ...] = ()
    suggested_text: str | None = Field(
        default=None, description="The text offered for sharing, to tell it from own words."
    )


class Metrics(BaseModel):
    """Reach reported for an action by the network it was published on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    impressions: int = Field(default=0, ge=0)
    clicks: int = Field(default=0, ge=0)
    reactions: int = Field(default=0, ge=0)


class Action(BaseModel):
    """Something a member did, submitted once under an idempotency ``key``.

    ``at`` must carry a time zone offset: a naive timestamp would be read
    differently by every server, and periods are computed in the member's zone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = _ID
    member: str = _ID
    verb: str = Field(min_length=1, max_length=64)
    at: AwareDatetime
    channel: str | None = Field(default=None, min_length=1, max_length=64)
    text: str | None = None
    target: str | None = Field(default=None, min_length=1, max_length=255)
    metrics: Metrics | None = None
    content: Content | None = None


def parse_action(data: Action | Mapping[str, Any]) -> Action:
    """``data`` as an :class:`Action`; raises :class:`InvalidActionError` listing each field."""
    if isinstance(data, Action):
        return data
    try:
        return Action.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, data) from None


def parse_action_json(line: str | bytes) -> Action:
    """One JSON document as an :class:`Action` (the JSONL import format)."""
    try:
        return Action.model_validate_json(line)
    except ValidationError as exc:
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        raise _invalid(exc, data) from None


def _invalid(exc: ValidationError, data: object) -> InvalidActionError:
    key = data.get("key") if isinstance(data, Mapping) else None
    problems = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "action"
        message = error["msg"]
        if error["type"] == "timezone_aware":
            message = "needs a time zone offset, e.g. 2026-07-01T09:00:00+02:00"
        elif error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "missing":
            message = "is required"
        problems.append(f"{path}: {message}")
    return InvalidActionError("; ".join(problems), key=key if isinstance(key, str) else None)
