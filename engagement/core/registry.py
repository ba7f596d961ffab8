"""A registry of named kinds, the extension point of rules and badge criteria.

Rule files name a ``kind`` for every rule and every badge criterion; a registry maps
those names to classes.  Each engine owns its registries, so a host adds its own
kinds without editing the package or affecting other engines in the process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, Self, TypeVar

from engagement.exceptions import DuplicateKindError, UnknownKindError

T = TypeVar("T", bound=type[Any])


class KindRegistry(Generic[T]):
    """Names (each class's ``kind`` attribute) to classes; a name is registered once."""

    what = "kind"
    """How error messages call the registered things (``rule kind``…)."""

    def __init__(self, kinds: Iterable[T] = ()) -> None:
        self._kinds: dict[str, T] = {}
        for kind in kinds:
            self.add_kind(kind)

    def add_kind(self, kind: T) -> None:
        """Register ``kind`` under ``kind.kind``; raises :class:`DuplicateKindError`."""
        name = getattr(kind, "kind", None)
        if not isinstance(name, str) or not name:
            raise DuplicateKindError(f"{kind!r} has no 'kind' name: set kind = '...'")
        if name in self._kinds:
            raise DuplicateKindError(
                f"{self.what} {name!r} is already registered by {self._kinds[name]!r}; "
                f"choose another name for {kind!r}"
            )
        self._kinds[name] = kind

    def register(self, kind: T) -> T:
        """Class decorator form of :meth:`add_kind`."""
        self.add_kind(kind)
        return kind

    def get(self, name: str) -> T:
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownKindError(
                f"unknown {self.what} {name!r}; known kinds: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._kinds)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[T]:
        return iter(self._kinds.values())

    def copy(self) -> Self:
        return type(self)(self._kinds.values())
