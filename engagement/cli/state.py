"""What the commands share: the group's options and the database they open.

``--db`` is checked before anything connects: a URL that does not parse, a database
other than SQLite or PostgreSQL, a driver that is not installed, or a SQLite file
that does not exist is refused in one line (exit code 2), and no file is created
unless the command was asked to write a new database (``simulate --write``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from engagement.cli.errors import CommandError
from engagement.engine import Engagement

_DRIVERS = {
    "sqlite": "use a sqlite:///FILE URL (Python's own driver)",
    "postgresql": "install engagement[postgres] and use a postgresql+psycopg:// URL",
}
SUPPORTED = tuple(_DRIVERS)
CONNECT_TIMEOUT = 10
"""Seconds a PostgreSQL server has to answer before the command gives up on it."""
EXAMPLES = "sqlite:///engagement.db or postgresql+psycopg://USER@HOST/DATABASE"


@dataclass(slots=True)
class State:
    """The context object (``ctx.obj``) of the ``engagement`` group."""

    traceback: bool = False
    """Let unexpected errors through with their traceback, for a bug report."""
    database: str | None = None
    """The database the command opened, password hidden: errors name it."""
    application: Callable[[], Engagement] | None = None
    """The engine of the Flask application the group runs under (``flask engagement``):
    commands use it when no ``--db`` is given."""

    @contextmanager
    def engine(
        self, url: str, *, create: bool = False, missing_hint: str | None = None
    ) -> Iterator[Engagement]:
        """An engine on ``url``, closed afterwards; see :func:`database_url`.

        :data:`APPLICATION` (the default of ``--db`` under ``flask engagement``) is the
        application's own engine, configured by its settings and left open.
        """
        if url == APPLICATION and self.application is not None:
            engine = self.application()
            self.database = engine.database.url.render_as_string(hide_password=True)
            yield engine
            return
        checked = database_url(url, create=create, missing_hint=missing_hint)
        self.database = checked.render_as_string(hide_password=True)
        try:
            engine = Engagement(_with_timeout(checked))
        except ImportError as exc:
            raise CommandError(
                f"--db: the driver for {checked.drivername!r} is not installed "
                f"(no module {exc.name!r})",
                _DRIVERS[checked.get_backend_name()],
            ) from None
        with engine:
            yield engine


pass_state = click.make_pass_decorator(State, ensure=True)

APPLICATION = "app"
"""``--db`` under ``flask engagement`` when none is given (the group's ``default_map``
says so): the application's own engine."""

db_option = click.option(
    "--db",
    required=True,
    metavar="URL",
    help=f"database URL, such as {EXAMPLES} (under `flask engagement`: the application's)",
)


def database_url(text: str, *, create: bool = False, missing_hint: str | None = None) -> sa.URL:
    """``text`` as a URL the engine can use, or :class:`CommandError`.

    A SQLite file must exist unless ``create``; then its directory must.
    ``missing_hint`` replaces the advice given when the file is missing.
    """
    try:
        url = sa.make_url(text)
    except (sa_exc.ArgumentError, ValueError):
        raise CommandError(
            f"--db: {_without_password(text)!r} is not a database URL",
            f"give one such as {EXAMPLES}",
        ) from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        raise CommandError(
            f"--db: engagement runs on SQLite and PostgreSQL, not {backend!r}",
            f"give a URL such as {EXAMPLES}",
        )
    try:
        asynchronous = bool(getattr(url.get_dialect(), "is_async", False))
    except sa_exc.NoSuchModuleError:
        raise CommandError(
            f"--db: SQLAlchemy knows no driver {url.drivername!r}", _DRIVERS[backend]
        ) from None
    if asynchronous:
        raise CommandError(f"--db: {url.drivername!r} is an asyncio driver", _DRIVERS[backend])
    if backend == "sqlite" and not _in_memory(url):
        path = Path(url.database or "")
        if create and not path.parent.is_dir():
            raise CommandError(
                f"--db: no directory {str(path.parent)!r} for the database file",
                "create it first, or correct the path",
            )
        if not create and not path.is_file():
            raise CommandError(
                f"--db: no database file {str(path)!r}",
                missing_hint
                or "correct the path (sqlite:///NAME is relative to the current "
                "directory, sqlite:////NAME absolute)",
            )
    return url


def _with_timeout(url: sa.URL) -> sa.URL:
    """``url`` giving up on a PostgreSQL server that does not answer after
    :data:`CONNECT_TIMEOUT` seconds (the system's default is minutes), unless it
    sets its own ``connect_timeout``."""
    if url.get_driver_name() in ("psycopg", "psycopg2") and "connect_timeout" not in url.query:
        return url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)})
    return url


def _in_memory(url: sa.URL) -> bool:
    """Whether SQLite keeps ``url`` in memory, or is told by a ``file:`` URI (with
    ``uri=true``) how to open it, which is then the URI's business."""
    return url.database in (None, "", ":memory:") or str(url.query.get("uri", "")).lower() in (
        "1",
        "true",
    )


def _without_password(text: str) -> str:
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
