"""Actions as hosts submit them: validated input, then facts for scoring and rows to log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from .exceptions import InvalidActionError
from .facts import Fact
from .rules.ruleset import Ruleset
from .text import analyse

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


def check_action(action: Action, ruleset: Ruleset) -> None:
    """Refuse what the ruleset cannot score: unknown verbs, missing targets, long texts."""

    def refuse(message: str) -> InvalidActionError:
        return InvalidActionError(message, key=action.key)

    verb = ruleset.verbs.get(action.verb)
    if verb is None:
        known = ", ".join(sorted(ruleset.verbs))
        raise refuse(f"verb: unknown verb {action.verb!r}; known: {known}")
    if verb.target == "required" and action.target is None:
        raise refuse(f"target: a {action.verb!r} action names a colleague")
    if verb.target == "none" and action.target is not None:
        raise refuse(f"target: a {action.verb!r} action has no target")
    if verb.content == "required" and action.content is None:
        raise refuse(f"content: a {action.verb!r} action needs content")
    if verb.content == "none" and action.content is not None:
        raise refuse(f"content: a {action.verb!r} action has no content")
    limit = ruleset.file.max_text_length
    for field, text in (
        ("text", action.text),
        ("content.suggested_text", action.content.suggested_text if action.content else None),
    ):
        if text is not None and len(text) > limit:
            raise refuse(f"{field}: {len(text)} characters, more than the limit of {limit}")


def action_row(action: Action, *, member_pk: int, seq: int, tz_name: str) -> dict[str, Any]:
    """The log row for ``action``, with its text analysis computed once for good."""
    content = action.content
    analysis = analyse(action.text, content.suggested_text if content else None)
    return {
        "key": action.key,
        "member_pk": member_pk,
        "member_seq": seq,
        "verb": action.verb,
        "at": action.at.astimezone(UTC),
        "tz": tz_name,
        "channel": action.channel,
        "content_id": content.id if content else None,
        "content_kind": content.kind if content else None,
        "topics": list(content.topics) if content else [],
        "suggested_text": content.suggested_text if content else None,
        "text": action.text,
        "target": action.target,
        "metrics": action.metrics.model_dump() if action.metrics else None,
        "words": analysis.words,
        "own_words": analysis.own_words,
        "distinct_own_words": analysis.distinct_own_words,
        "fingerprint": analysis.fingerprint,
        "recorded_at": datetime.now(UTC),
    }


def fact_from_row(row: Mapping[Any, Any], member: str, tz: tzinfo) -> Fact:
    """The scoring view of a logged action (a row of :data:`tables.actions` or its dict)."""
    return Fact(
        seq=row["member_seq"],
        member=member,
        verb=row["verb"],
        ts=row["at"].timestamp(),
        tz=tz,
        channel=row["channel"],
        content_id=row["content_id"],
        content_kind=row["content_kind"],
        topics=tuple(row["topics"] or ()),
        target=row["target"],
        words=row["words"],
        own_words=row["own_words"],
        distinct_own_words=row["distinct_own_words"],
        fingerprint=row["fingerprint"],
    )
