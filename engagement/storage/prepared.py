"""Core statements compiled once and run straight on the driver's cursor.

On SQLite, SQLAlchemy's per-execution work (building a context, processing
parameters and results) costs several times what the database spends on a small
indexed statement.  ``record()`` runs four such statements per action, so its hot
path compiles them once per dialect and sends them through the DBAPI cursor of the
same connection, inside the same transaction.  The SQL and the parameter
conversions still come from SQLAlchemy (the statement and its column types), so
both paths write identical rows.  Host ``before_cursor_execute`` hooks do not see
these four statements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    """``statement`` compiled for ``dialect``, with its parameters' converters."""

    __slots__ = ("_columns", "_convert", "_defaults", "_names", "_positional", "_results", "sql")

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] = ()
    ) -> None:
        compiled = cast(
            SQLCompiler,
            statement.compile(
                dialect=dialect, column_keys=list(column_keys) if column_keys else None
            ),
        )
        self.sql = compiled.string
        self._positional = bool(dialect.positional)
        binds = compiled.binds
        names = compiled.positiontup if self._positional else list(compiled.bind_names.values())
        self._names: tuple[str, ...] = tuple(names or ())
        by_name = {compiled.bind_names[bind]: bind for bind in binds.values()}
        self._convert: tuple[Callable[[Any], Any] | None, ...] = tuple(
            by_name[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self._names
        )
        # Literals in the statement (the 1 of ``event_seq + 1``) are binds with a value.
        self._defaults = {name: by_name[name].value for name in self._names}
        selected = list(getattr(statement, "selected_columns", ()))
        self._columns = tuple(column.key for column in selected)
        self._results: tuple[Callable[[Any], Any] | None, ...] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in selected
        )

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """Run on ``connection``'s DBAPI connection; the first row returned, or ``None``."""
        cursor = self._run(connection, params)
        try:
            return cursor.fetchone() if cursor.description else None
        finally:
            cursor.close()

    def many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per parameter set in ``rows`` (``executemany``); nothing returned."""
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self.sql, [self._values(params) for params in rows])
        finally:
            cursor.close()

    def mappings(self, connection: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row of a SELECT, as dicts with SQLAlchemy's result conversions applied."""
        cursor = self._run(connection, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        columns, results = self._columns, self._results
        return [
            {
                name: convert(value) if convert is not None else value
                for name, convert, value in zip(columns, results, row, strict=True)
            }
            for row in rows
        ]

    def _values(self, params: Mapping[str, Any]) -> Any:
        values = []
        for name, convert in zip(self._names, self._convert, strict=True):
            value = params[name] if name in params else self._defaults[name]
            values.append(convert(value) if convert is not None else value)
        return values if self._positional else dict(zip(self._names, values, strict=True))

    def _run(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, self._values(params))
        return cursor


class PreparedCache:
    """Prepared statements by (name, dialect), built on first use."""

    def __init__(self) -> None:
        # Keyed by the dialect object itself, held weakly: an id() could be reused by
        # another engine's dialect once the first is garbage-collected.
        self._prepared: WeakKeyDictionary[Dialect, dict[str, Prepared]] = WeakKeyDictionary()

    def get(
        self,
        name: str,
        connection: Connection,
        build: Callable[[], ClauseElement],
        column_keys: Sequence[str] = (),
    ) -> Prepared:
        dialect = connection.dialect
        statements = self._prepared.get(dialect)
        if statements is None:
            statements = self._prepared[dialect] = {}
        prepared = statements.get(name)
        if prepared is None:
            prepared = statements[name] = Prepared(build(), dialect, column_keys)
        return prepared
