"""What a host's own Alembic needs to know of the engine's tables: leave them alone.

The engine's tables are not on the host's ``MetaData``, so a host's
``alembic revision --autogenerate`` would see them in the database and write
``drop_table`` for each.  Passing :func:`include_name` to the host's
``context.configure()`` (Flask-Migrate: ``Migrate(app, db, include_name=…)``;
Flask-Alembic: ``ALEMBIC_CONTEXT = {"include_name": …}``) keeps them out of the
comparison, the engine's version table included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engagement.migrations.tables import PREFIX

NameFilter = Callable[[str | None, str, Mapping[Any, Any]], bool]
"""Alembic's ``include_name`` hook: ``(name, type_, parent_names) -> keep?``."""


def is_engine_table(name: str | None) -> bool:
    """Whether ``name`` is one of the engine's tables (every one starts ``engagement_``)."""
    return name is not None and name.startswith(PREFIX)


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
    """Alembic ``include_name`` hook for a host: every name except the engine's tables.

    Only tables are filtered: their columns, indexes and constraints are never
    reached once the table is left out.  A host that has a filter of its own
    combines them with :func:`excluding_engine_tables`.
    """
    return not (type_ == "table" and is_engine_table(name))


def excluding_engine_tables(host_filter: NameFilter) -> NameFilter:
    """The host's own ``include_name`` hook, also leaving out the engine's tables."""

    def combined(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
        return include_name(name, type_, parent_names) and host_filter(name, type_, parent_names)

    return combined


def only_engine_tables(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
    """The engine's own environment's hook: its tables, none of the host's."""
    return type_ != "table" or is_engine_table(name)
