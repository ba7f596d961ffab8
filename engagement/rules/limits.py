"""What a rule file may hold at most, checked before any YAML is built from it.

Rule files are written by hand but may come from anywhere (an upload form, a
colleague's e-mail), and a few hundred bytes of YAML can describe billions of values
through aliases, or nest deeply enough to exhaust Python's stack.  So the text is
checked first (size, encoding, characters), then the YAML event stream, which the
parser produces without expanding aliases or recursing: a file over any limit is
refused before it costs more than reading it once.

The limits are far above what a programme needs (the shipped default file is 16 KB,
5 levels deep, with at most 21 entries in one list or mapping, about 1,000 keys and
values in all, none longer than 100 characters); only ``max_bytes`` can be raised,
by the host, per call.  Within them the slowest file we could write loaded in
about half a second when they were chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from engagement.exceptions import Problem, RuleFileError

Loc = tuple[str | int, ...]

MAX_BYTES = 1024 * 1024
"""Default size limit of a rule file, in bytes of UTF-8 (1 MiB)."""

MAX_DEPTH = 32
"""Lists and mappings nested in one another, counting the file's top-level mapping."""

MAX_ITEMS = 1_000
"""Entries in any one list or mapping: verbs, rules, badges, levels, a list of values."""

MAX_NODES = 20_000
"""Keys and values in the whole file, every list and mapping counting as one value."""

MAX_STRING = 10_000
"""Characters in any one key or value."""

_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
"""Line breaks as YAML counts them, so our line numbers agree with the parser's."""

_REFUSED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\ufeff")
"""Characters YAML does not allow in a document, and a byte-order mark: allowed (and
ignored by YAML) at the very start, where Windows editors put it, but invisible junk
anywhere else, usually from pasting one file into another."""

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def too_large(source: str, max_bytes: int, size: int | None = None) -> Problem:
    """The problem of a file over ``max_bytes``; ``size`` when it is known exactly."""
    actual = f"{size:,} bytes" if size is not None else f"more than {max_bytes:,} bytes"
    return Problem(
        source,
        None,
        "",
        f"file too large: {actual}; a rule file may be at most {max_bytes:,} bytes "
        "(a developer can raise this limit with max_bytes)",
    )


def decode(data: bytes, source: str) -> str:
    """``data`` as text; raises :class:`RuleFileError` naming the line of the first
    byte that is not UTF-8.

    Legacy Windows encodings and UTF-16 ("Unicode" in Notepad) are common in files
    that HR saves by hand, so the message says how to save the file instead.
    """
    if data.startswith(_UTF16_BOMS):
        message = "the file is UTF-16 text (it starts with a UTF-16 byte-order mark)"
        raise RuleFileError([Problem(source, 1, "", f"{message}; save it as UTF-8")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        line, column = _position(before, len(before))
        message = f"not UTF-8 text: byte 0x{data[exc.start]:02X} at column {column} cannot be read"
        raise RuleFileError(
            [Problem(source, line, "", f"{message}; save the file as UTF-8")]
        ) from None


def check_characters(text: str, source: str) -> list[Problem]:
    """The first character YAML cannot read, with its line and column.

    Only the first is reported: a binary file would otherwise give thousands.
    """
    found = _REFUSED.search(text, 1 if text.startswith("\ufeff") else 0)
    if found is None:
        return []
    line, column = _position(text, found.start())
    char = found.group()
    if char == "\x00":
        what = "a NUL character (code 0), so this looks like a binary or UTF-16 file"
    elif char == "\ufeff":
        what = "a byte-order mark (U+FEFF), allowed only at the very start of the file"
    elif "\ud800" <= char <= "\udfff":
        what = f"a lone surrogate (U+{ord(char):04X}), which is not valid Unicode text"
    else:
        what = f"a control character (U+{ord(char):04X}), which is not allowed in YAML"
    return [Problem(source, line, "", f"column {column} holds {what}; remove it")]


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    breaks = list(_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


@dataclass(slots=True)
class _Collection:
    """A list or mapping being read: where it is, and what it holds so far."""

    loc: Loc
    line: int
    mapping: bool
    entries: int = 0
    key: str | None = None
    key_line: int = 0
    expects_value: bool = False


class EventGuard:
    """Checks a YAML event stream against the limits, keeping the events to compose.

    ``problems`` holds every limit exceeded so far, so that the caller can report
    them beside a syntax error found later in the same file.  Reading stops at the
    first list or mapping nested too deep, and at the first value over
    :data:`MAX_NODES`: what follows is not worth the time it takes to parse (deep
    flow nesting such as ``[[[[…`` is the slowest YAML to read).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def check(self, events: Iterable[yaml.Event]) -> list[yaml.Event]:
        """The events, complete when ``problems`` is empty, cut short otherwise."""
        kept: list[yaml.Event] = []
        stack: list[_Collection] = []
        aliases: set[str] = set()
        nodes = 0
        for event in events:
            kept.append(event)
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            line = _line(event)
            loc, at, is_key = self._place(stack, line)
            nodes += 1
            if nodes > MAX_NODES:
                self._report(
                    line,
                    (),
                    f"more than {MAX_NODES:,} keys and values; a rule file may hold at most "
                    f"{MAX_NODES:,} (stopped reading here)",
                )
                break
            if isinstance(event, yaml.AliasEvent):
                name = event.anchor or ""
                if name not in aliases:
                    aliases.add(name)
                    self._report(
                        line,
                        loc,
                        f"aliases (*{name}) are not allowed in rule files: write the value out",
                    )
            elif isinstance(event, yaml.ScalarEvent):
                self._check_tag(event.tag, line, loc)
                if len(event.value) > MAX_STRING:
                    self._report(
                        line,
                        loc,
                        f"{'key' if is_key else 'value'} of {len(event.value):,} characters; "
                        f"at most {MAX_STRING:,} are allowed",
                    )
                if is_key:
                    stack[-1].key = event.value
            elif isinstance(event, yaml.CollectionStartEvent):
                self._check_tag(event.tag, line, loc)
                if is_key:
                    self._report(line, loc, "a key must be a single value, not a list or mapping")
                if len(stack) == MAX_DEPTH:
                    self._report(
                        at,
                        loc,
                        f"nested more than {MAX_DEPTH} levels deep; a rule file may nest at "
                        f"most {MAX_DEPTH} (stopped reading here)",
                    )
                    break
                stack.append(_Collection(loc, at, isinstance(event, yaml.MappingStartEvent)))
        return kept

    def _place(self, stack: list[_Collection], line: int) -> tuple[Loc, int, bool]:
        """Where the next node goes: its path, the line that path is reported at, and
        whether it is a mapping's key (a key is reported at its mapping's path)."""
        if not stack:
            return (), line, False
        parent = stack[-1]
        if parent.mapping and parent.expects_value:
            parent.expects_value = False
            key = parent.key if parent.key is not None else "?"
            return (*parent.loc, key), parent.key_line, False
        parent.entries += 1
        if parent.entries == MAX_ITEMS + 1:
            self._report(
                parent.line,
                parent.loc,
                f"more than {MAX_ITEMS:,} entries; a list or mapping may hold at most "
                f"{MAX_ITEMS:,}",
            )
        if parent.mapping:
            parent.expects_value = True
            parent.key = None
            parent.key_line = line
            return parent.loc, line, True
        return (*parent.loc, parent.entries - 1), line, False

    def _check_tag(self, tag: str | None, line: int, loc: Loc) -> None:
        """Tags would let a file ask for any Python type, or a malformed ``!!int``."""
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self._report(
                line, loc, f"tags ({shown}) are not allowed in rule files: write the plain value"
            )

    def _report(self, line: int, loc: Loc, message: str) -> None:
        path = ".".join(str(part) for part in loc)
        self.problems.append(Problem(self.source, line, path, message))


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 0
