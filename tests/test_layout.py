"""The package's architecture, held against its imports.

The pure core imports no storage or web library; subpackages depend on each other
in one direction only; no module reaches into another's private names.  Read from
the source with :mod:`ast`, so a violation fails here before it confuses a reader.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import engagement

PACKAGE = Path(engagement.__file__).parent
FORBIDDEN_IN_CORE = ("sqlalchemy", "flask", "marshmallow", "psycopg", "click", "blinker")


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _imports(name: str, tree: ast.Module) -> list[tuple[str, list[str]]]:
    """``(module imported, names taken)`` for every import, relative ones resolved."""
    is_package = (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names]))
    return found


def _area(module: str) -> str | None:
    """The subpackage (or top-level module) a module of the package belongs to."""
    parts = module.split(".")
    if parts[0] != "engagement" or len(parts) < 2:
        return None
    return parts[1]


def test_core_imports_no_storage_or_web_library() -> None:
    for name, tree in _modules().items():
        if not name.startswith("engagement.core"):
            continue
        for module, _ in _imports(name, tree):
            assert module.split(".")[0] not in FORBIDDEN_IN_CORE, f"{name} imports {module}"
            area = _area(module)
            assert area in (None, "core", "exceptions"), f"{name} imports {module}"


def test_subpackages_never_import_each_other_in_a_circle() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, tree in modules.items():
        here = _area(name)
        if here is None:
            continue
        for module, taken in _imports(name, tree):
            there = _area(module)
            if module == "engagement":
                # ``from engagement import signals``: the names are modules
                for each in taken:
                    if f"engagement.{each}" in modules:
                        graph[here].add(each)
            elif there is not None and there != here:
                graph[here].add(there)
    # Tarjan-free check: a circle exists iff some area reaches itself.
    for start in list(graph):
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            area = stack.pop()
            assert area != start, f"{start} imports itself back through {sorted(seen)}"
            if area not in seen:
                seen.add(area)
                stack.extend(graph.get(area, ()))


def test_no_module_imports_another_modules_private_names() -> None:
    for name, tree in _modules().items():
        for module, taken in _imports(name, tree):
            if not module.startswith("engagement"):
                continue
            private = [each for each in taken if each.startswith("_") and each != "__future__"]
            assert not private, f"{name} imports {private} from {module}"


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.parent == PACKAGE / "migrations" / "versions":
            continue  # a revision is a frozen record of a schema, one table after another
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 450, f"{path.relative_to(PACKAGE)} has {lines} lines: split it"
