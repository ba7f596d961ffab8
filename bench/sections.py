"""Sections of ``docs/performance.md`` that standalone benchmarks own.

``python -m bench.run`` rewrites the whole report; ``python -m bench.badges`` and
``python -m bench.leaderboards`` each write one section between markers
(``<!-- bench.<name>: start -->`` … ``<!-- bench.<name>: end -->``).  Whoever writes
keeps every other marked section as it is, so no benchmark erases another's numbers.
Notes written by hand about a run go in a marked section of their own
(``<!-- bench.leaderboards.notes: start -->``), which no benchmark writes and every
benchmark keeps.
"""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(
    r"<!-- bench\.(?P<name>[\w.-]+): start -->.*?<!-- bench\.(?P=name): end -->\n?", re.DOTALL
)


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of the section ``name`` (``badges``, ``leaderboards``)."""
    return f"<!-- bench.{name}: start -->", f"<!-- bench.{name}: end -->"


def marked_sections(text: str) -> str:
    """Every marked section of ``text``, in order, each ending with a newline."""
    return "\n".join(
        match.group(0) if match.group(0).endswith("\n") else match.group(0) + "\n"
        for match in _SECTION.finditer(text)
    )


def write_section(path: Path, name: str, section: str) -> None:
    """Put ``section`` (which includes its markers) in place of the section ``name`` in
    ``path``, or at the end if the file has none yet."""
    start, end = markers(name)
    text = path.read_text(encoding="utf-8")
    section = section.rstrip("\n") + "\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
