"""Actions as hosts submit them: validated input, then facts for scoring and rows to log.

The models hold what no configuration changes: types, the columns' sizes, text that
every backend stores alike (see :mod:`engagement.core.limits`).  :func:`parse_action`
then applies the engine's :class:`~engagement.core.limits.Limits`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from engagement.core.limits import (
    DEFAULT_LIMITS,
    ID_LENGTH,
    LABEL_LENGTH,
    MAX_COUNT,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    TEXT_LENGTH,
    Limits,
    clean,
)
from engagement.exceptions import InvalidActionError


def _text(limit: int) -> AfterValidator:
    return AfterValidator(partial(clean, limit=limit))


def _not_empty(value: str, limit: int) -> str:
    # Checked here rather than with min_length, which pydantic applies after an
    # encoding that a lone surrogate fails with a vaguer message than ours.
    if not value:
        raise ValueError("must not be empty")
    return clean(value, limit)


def _few_topics(value: object) -> object:
    """Count topics before validating each: 100,000 of them are refused at once."""
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) > MAX_TOPICS:
        raise ValueError(f"{len(value)} topics, more than the limit of {MAX_TOPICS}")
    return value


Identifier = Annotated[str, AfterValidator(partial(_not_empty, limit=ID_LENGTH))]
Label = Annotated[str, AfterValidator(partial(_not_empty, limit=LABEL_LENGTH))]
Text = Annotated[str, _text(TEXT_LENGTH)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class Content(BaseModel):
    """The piece of content an action is about (an article, a campaign post…)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    kind: Label | None = Field(default=None, description="corporate, industry, culture, jobs…")
    topics: Annotated[
        tuple[Annotated[str, _text(MAX_TOPIC_LENGTH)], ...],
        BeforeValidator(_few_topics),
    ] = ()
    suggested_text: Text | None = Field(
        default=None, description="The text offered for sharing, to tell it from own words."
    )


class Metrics(BaseModel):
    """Reach reported for an action by the network it was published on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    impressions: Count = 0
    clicks: Count = 0
    reactions: Count = 0


class Action(BaseModel):
    """Something a member did, submitted once under an idempotency ``key``.

    ``at`` must carry a time zone offset: a naive timestamp would be read
    differently by every server, and periods are computed in the member's zone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Identifier
    member: Identifier
    verb: Label
    at: AwareDatetime
    channel: Label | None = None
    text: Text | None = None
    target: Identifier | None = None
    metrics: Metrics | None = None
    content: Content | None = None


def parse_action(
    data: Action | Mapping[str, Any],
    limits: Limits = DEFAULT_LIMITS,
    *,
    now: datetime | None = None,
) -> Action:
    """``data`` as an :class:`Action` within ``limits`` (dated against ``now``, default
    the clock); raises :class:`InvalidActionError` listing each field and its limit."""
    if isinstance(data, Action):
        action = data
    else:
        try:
            action = Action.model_validate(data)
        except ValidationError as exc:
            raise _invalid(exc, data) from None
    problems = [
        problem
        for problem in (
            limits.instant_problem("at", action.at, now or datetime.now(UTC)),
            limits.topics_problem("content.topics", action.content.topics)
            if action.content is not None
            else None,
        )
        if problem
    ]
    if problems:
        raise InvalidActionError("; ".join(problems), key=action.key)
    return action


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
        elif error["type"] == "value_error":
            message = str(error["ctx"]["error"])
        elif error["type"] in ("less_than_equal", "int_parsing_size"):
            message = f"more than the limit of {MAX_COUNT} (2**53)"
        problems.append(f"{path}: {message}")
    readable = isinstance(key, str) and not _refused(key)
    return InvalidActionError("; ".join(problems), key=key if readable else None)


def _refused(key: str) -> bool:
    try:
        clean(key, ID_LENGTH)
    except ValueError:
        return True
    return False
