"""Exit codes, and the one place where a failure becomes a message.

Scripts rely on the codes:

====  ======================================================================
code  meaning
====  ======================================================================
0     success
1     invalid rule file (each problem printed as ``FILE:LINE: dotted.path: message``)
2     invalid input or usage: a bad argument or option, an unreadable or malformed
      input file, a bad or unsupported ``--db`` URL, a SQLite file that does not
      exist, a database without the engagement tables or an active ruleset
3     a check found differences (``rebuild-leaderboards --check``), or a monitoring
      threshold was passed (``current --check``, ``outbox-status --max-lag/--max-dead``)
4     the database could not be used: unreachable, refused the login, or failed a
      statement; running again once it is back may succeed
5     an unexpected error, a bug: ``engagement --traceback …`` shows where
130   interrupted (Ctrl-C)
====  ======================================================================

Every failure prints one line on stderr, ``engagement: <what> — <what to do>``
(rule-file problems: one line each), never a traceback.  Values quoted from the
input are cut when long, so a 10 MB key cannot flood a terminal or a log.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from enum import IntEnum
from typing import IO, Any

import click
from sqlalchemy import exc as sa_exc

from engagement.exceptions import EngagementError, Problem, RuleFileError


class ExitCode(IntEnum):
    OK = 0
    RULE_FILE = 1
    INVALID = 2
    DIFFERENCES = 3
    DATABASE = 4
    BUG = 5
    INTERRUPTED = 130


LONG = 200
"""A value without spaces longer than this is cut to its first :data:`KEPT` characters."""
KEPT = 80
LINE = 1000
"""No message line is longer than this (plus the note of how long it was)."""
_RUN = re.compile(rf"\S{{{LONG + 1},}}")


def clip(text: str) -> str:
    """``text`` on one line, long values cut to ``first 80 chars…(N chars)``."""
    text = _RUN.sub(_cut, " ".join(text.splitlines()))
    return text if len(text) <= LINE else f"{text[:LINE]}…({len(text)} chars)"


def _cut(run: re.Match[str]) -> str:
    """A long value, cut; the quotes and colon around it are kept, and not counted."""
    value = run[0]
    inner = value.lstrip(_MARKS)
    bare = inner.rstrip(_MARKS)
    return f"{value[:KEPT]}…({len(bare)} chars){inner[len(bare) :]}"


_MARKS = "'\"()[]{}:;,."


class CommandError(click.ClickException):
    """A failure told in one line, ``engagement: <what> — <what to do>``, exit code 2."""

    exit_code = ExitCode.INVALID

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def format_message(self) -> str:
        return clip(self.message) + (f" — {self.hint}" if self.hint else "")

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"engagement: {self.format_message()}", file=file, err=file is None)


class DatabaseError(CommandError):
    """The database could not be used (exit code 4)."""

    exit_code = ExitCode.DATABASE


class UnexpectedError(CommandError):
    """An error nobody foresaw, a bug (exit code 5)."""

    exit_code = ExitCode.BUG


class RuleFileProblems(CommandError):
    """An invalid rule file: every problem on a line of its own (exit code 1)."""

    exit_code = ExitCode.RULE_FILE

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(f"{len(problems)} problem(s) in rule file")
        self.problems = problems

    def format_message(self) -> str:
        return "\n".join(clip(str(problem)) for problem in self.problems)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


class UsageProblem(click.UsageError):
    """A usage error in one line, pointing at the command's help (exit code 2)."""

    exit_code = ExitCode.INVALID

    def format_message(self) -> str:
        command = self.ctx.command_path if self.ctx is not None else "engagement"
        return f"{clip(self.message)} — see '{command} --help'"

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"engagement: {self.format_message()}", file=file, err=file is None)


def usage(error: click.UsageError) -> click.UsageError:
    """``error`` told the way argparse told it (scripts grep for these words)."""
    if isinstance(error, (UsageProblem, *_SHOWS_HELP)):
        return error
    if isinstance(error, click.MissingParameter) and error.param is not None:
        message = f"the following arguments are required: {_name(error.param)}"
    elif isinstance(error, click.BadParameter) and error.param is not None:
        message = f"{_name(error.param)}: {error.message}"
    elif isinstance(error, click.NoSuchOption):
        message = f"no such option: {error.option_name}"
        if error.possibilities:
            message += f" (did you mean {' or '.join(sorted(error.possibilities))}?)"
    else:
        message = error.format_message()
    return UsageProblem(message, error.ctx)


_SHOWS_HELP: tuple[type[click.UsageError], ...] = tuple(
    kind
    for kind in [getattr(click.exceptions, "NoArgsIsHelpError", None)]  # click 8.2+
    if isinstance(kind, type) and issubclass(kind, click.UsageError)
)


def _name(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def translate(error: Exception, database: str | None = None) -> click.ClickException:
    """The message and exit code for an exception a command let through.

    ``database`` (the ``--db`` URL, password hidden) names the database that failed.
    """
    if isinstance(error, click.ClickException):
        return error
    if isinstance(error, RuleFileError):
        return RuleFileProblems(error.problems)
    if isinstance(error, EngagementError):
        return CommandError(str(error))
    if isinstance(error, (sa_exc.DBAPIError, sa_exc.TimeoutError, *_driver_errors())):
        where = f"the database {database}" if database else "the database"
        advice = (
            "check that --db names a database file this user may write and that no other "
            "process holds it locked, then run again"
            if database and database.startswith("sqlite")
            else "check that it is running and that --db names the right host, port, "
            "database and credentials, then run again"
        )
        return DatabaseError(f"{where} failed: {_driver_message(error)}", advice)
    if isinstance(error, UnicodeDecodeError):
        return CommandError(f"input is not UTF-8 text ({error.reason})", "save it as UTF-8")
    if isinstance(error, RecursionError):
        return CommandError("input nested too deeply to read", "check the file is what you meant")
    if isinstance(error, OSError):
        if error.filename is not None:
            return CommandError(f"{error.filename}: {error.strerror or error}")
        return CommandError(str(error))
    return UnexpectedError(
        f"unexpected {type(error).__name__}: {error}",
        "this is a bug: run again as 'engagement --traceback …' and report what it shows",
    )


def _driver_errors() -> tuple[type[Exception], ...]:
    """The drivers' own error classes: the engine's prepared statements raise them
    unwrapped.  A driver never imported raised nothing."""
    found: list[type[Exception]] = [sqlite3.Error]
    for name in ("psycopg", "psycopg2"):
        kind = getattr(sys.modules.get(name), "Error", None)
        if isinstance(kind, type) and issubclass(kind, Exception):
            found.append(kind)
    return tuple(found)


def _driver_message(error: Exception) -> str:
    """The driver's own words, first line only (SQLAlchemy adds the statement)."""
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__
