"""The one exception hierarchy of the package.

Every error the engine raises on purpose derives from :class:`EngagementError`, so a
host can catch the package's failures with one ``except`` clause.  Errors caused by
bad input also derive from :class:`ValueError` (or :class:`LookupError` for things
that do not exist) so that generic handlers keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class EngagementError(Exception):
    """Root of every error raised by :mod:`engagement`."""


class InvalidInputError(EngagementError, ValueError):
    """A value passed to the library is malformed; nothing was written."""


class InvalidActionError(InvalidInputError):
    """An action cannot be recorded as given; nothing was written.

    ``key`` is the action's idempotency key when it was readable, so an importer can
    report which line of its input is at fault.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(f"action {key!r}: {message}" if key else message)
        self.key = key


class UnknownMemberError(InvalidActionError, LookupError):
    """The action names a member the engine does not know.

    Register members with ``engine.members.upsert``
    (:meth:`engagement.facades.Members.upsert`) first, or pass ``create_members=True``
    to bulk imports and simulations.
    """


class KeyConflictError(InvalidInputError):
    """An idempotency key given again with different content: a client bug, not a
    retry (a retry repeats the request exactly).  Nothing was written; choose a key
    unique to each request."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class UnknownActionError(EngagementError, LookupError):
    """No action with the given idempotency key was ever recorded."""


class NotConfiguredError(EngagementError, RuntimeError):
    """The engine is missing something it needs (tables, an active ruleset)."""


class UnknownKindError(EngagementError, LookupError):
    """A rule names a kind that no registry knows; the message lists the known ones."""


class DuplicateKindError(EngagementError, ValueError):
    """A kind was registered twice under the same name."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a rule file, located as precisely as the file allows."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.path or '<root>'}: {self.message}"


class RuleFileError(EngagementError, ValueError):
    """A rule file is invalid; it carries every problem found, not just the first.

    Each problem prints as ``FILE:LINE: dotted.path: message``, the format editors
    and CI logs understand.  A ruleset with problems is never activated.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in rule file"
        super().__init__("\n".join([header, *map(str, self.problems)]))
