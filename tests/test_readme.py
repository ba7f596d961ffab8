"""The README's Python examples, run as a reader pastes them: in order, in one file.

Every ```python block runs in one namespace, in a temporary working directory (so
``sqlite:///engagement.db`` lands there), compiled under the README's own name and
line numbers so a failure points at the README.  A block fenced ```python no-run is
shown to readers but not run (keep those for what needs a network or a server).
Where the README states a value, it is checked after the block that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engagement import Engagement

README = Path(__file__).resolve().parent.parent / "README.md"
_FENCE = re.compile(
    r"^```python(?P<info>[^\n]*)\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL
)

Namespace = dict[str, Any]


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """``(first line of code, code, runs)`` for each ```python block of ``text``."""
    blocks = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        runs = "no-run" not in match["info"].split()
        blocks.append((line, match["code"], runs))
    return blocks


def _embedding(namespace: Namespace) -> None:
    award = namespace["award"]
    assert award.points == 35
    assert award.summary.startswith("+10 share, ")
    assert not award.duplicate


def _badges(namespace: Namespace) -> None:
    engine = namespace["engine"]
    assert [b.label for b in namespace["award"].badges] == ["polyglot:silver"]
    assert engine.badges.next("u-42")[0].hint == "Share on 1 more channel to earn Polyglot (gold)."


def _privacy(namespace: Namespace) -> None:
    assert namespace["engine"].members.get("u-42") is None  # erased: the id is a pseudonym now


CHECKS: dict[str, Callable[[Namespace], None]] = {
    "engine.record_many(actions": _embedding,
    "[b.label for b in award.badges]": _badges,
    'engine.members.erase("u-42")': _privacy,
}
"""A line of the block that shows the value, and what to check once it has run."""


def test_python_blocks_are_found_with_their_lines_and_no_run_fences() -> None:
    text = "intro\n```python\na = 1\n```\n\n```python no-run\nb = 2\n```\n```sh\nls\n```\n"
    assert python_blocks(text) == [(3, "a = 1\n", True), (7, "b = 2\n", False)]


def test_readme_examples_run_in_sequence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 5, "the README's python blocks were not found"
    namespace: Namespace = {"__name__": "readme"}
    checked = set()
    try:
        for line, code, runs in blocks:
            if not runs:
                continue
            # Padded so that tracebacks name the README's own lines.
            exec(compile("\n" * (line - 1) + code, str(README), "exec"), namespace)
            for shown, check in CHECKS.items():
                if shown in code:
                    check(namespace)
                    checked.add(shown)
    finally:
        engine = namespace.get("engine")
        if isinstance(engine, Engagement):
            engine.close()
    assert checked == set(CHECKS), f"no README block shows {sorted(set(CHECKS) - checked)}"
    database = tmp_path / "engagement.db"
    assert database.exists()
    # The outbox the README drains was empty: no webhook was ever called.
    with Engagement(f"sqlite:///{database}") as engine:
        assert engine.outbox.messages() == []
