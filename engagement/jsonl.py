"""Reading the JSONL files of actions and members that imports and ``simulate`` take.

Each line is parsed on its own and checked before anything is written, and a bad
line is reported as ``FILE:LINE: message`` (or skipped through ``on_invalid``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, SessionTransaction

from engagement.core.actions import Action, parse_action_json
from engagement.engine import Engagement
from engagement.exceptions import InvalidActionError, InvalidInputError

if TYPE_CHECKING:
    pass

YEARS = range(2, 9999)
"""The years an action's ``at`` may fall in.  Scoring computes the day, week and year
around each action in its member's time zone, which the first and last years
Python's dates can hold leave no room for."""

OnInvalid = Callable[[InvalidInputError], None]
"""Called with each bad line's error (``FILE:LINE: message``) when lines are skipped."""

_MEMBER_TEXTS = ("display_name", "team", "timezone", "locale")


def read_actions(
    path: str | Path, *, on_invalid: OnInvalid | None = None
) -> Iterator[tuple[int, Action]]:
    """``(line number, action)`` from a JSONL file of actions.

    A bad line raises :class:`InvalidActionError` as ``FILE:LINE: message``, or is
    given to ``on_invalid`` and left out.  Besides the action's own validation (the
    engine's boundary, :mod:`engagement.core.limits`), a line must be UTF-8 and nest
    less deeply than Python's recursion limit.
    """
    for number, parsed in parsed_lines(path):
        if isinstance(parsed, Action):
            yield number, parsed
        elif on_invalid is None:
            raise parsed
        else:
            on_invalid(parsed)


def parsed_lines(path: str | Path) -> Iterator[tuple[int, Action | InvalidActionError]]:
    """Each non-blank line's action, or the error (``FILE:LINE: …``) that refuses it."""
    for number, raw in _numbered_lines(path):
        parsed: Action | InvalidActionError
        try:
            parsed = _action(raw)
        except InvalidActionError as exc:
            parsed = at_line(path, number, exc)
        yield number, parsed


def at_line(path: str | Path, number: int, error: InvalidActionError) -> InvalidActionError:
    located = InvalidActionError(f"{path}:{number}: {error}")
    located.key = error.key
    return located


def _numbered_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """The file's non-blank lines, as bytes: each is decoded on its own, so one line
    in another encoding is one bad line, not an unreadable file."""
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield number, line


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start + 1}): "
            "save the file as UTF-8"
        ) from None


def _action(raw: bytes) -> Action:
    try:
        text = _decode(raw)
    except InvalidInputError as exc:
        raise InvalidActionError(str(exc)) from None
    try:
        action = parse_action_json(text)
    except RecursionError:
        raise InvalidActionError("action: JSON nested too deeply") from None
    return action


def load_members(
    engine: Engagement,
    path: str | Path,
    *,
    session: Session | None = None,
    on_invalid: OnInvalid | None = None,
) -> int:
    """Members from a JSONL file of ``{member, display_name, team, timezone, locale,
    opted_in}``; returns how many lines were applied.

    A bad line raises :class:`InvalidInputError` as ``FILE:LINE: message``, or is given
    to ``on_invalid`` and left out (then each member is written in a savepoint of
    ``session``, so a refused one leaves nothing behind).
    """
    count = 0
    for number, raw in _numbered_lines(path):
        try:
            member_id, fields = _member(raw)
            with savepoint(session if on_invalid is not None else None):
                engine.members.upsert(member_id, session=session, **fields)
        except InvalidInputError as exc:
            error = InvalidInputError(f"{path}:{number}: {exc}")
            if on_invalid is None:
                raise error from None
            on_invalid(error)
            continue
        count += 1
    return count


def _member(raw: bytes) -> tuple[str, dict[str, Any]]:
    text = _decode(raw)
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidInputError("member: JSON nested too deeply") from None
    except ValueError as exc:
        raise InvalidInputError(f"member: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError('a member is a JSON object, such as {"member": "u-1"}')
    member_id = data.pop("member", None)
    if not isinstance(member_id, str) or not member_id:
        raise InvalidInputError("member: is required, a non-empty string")
    for name in ("member_id", "session"):  # taken by upsert_member's own arguments
        if name in data:
            raise InvalidInputError(f"unknown member field(s): {name}")
    for name in _MEMBER_TEXTS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise InvalidInputError(f"{name}: a string or null")
    return member_id, data


def savepoint(session: Session | None) -> AbstractContextManager[SessionTransaction | None]:
    return session.begin_nested() if session is not None else nullcontext()
