"""Rule files that would exhaust the machine, or that are not text, are refused.

A rule file may come from an upload form or a careless copy, so each of these must
end as a :class:`RuleFileError` whose ``FILE:LINE: dotted.path: message`` names the
limit, quickly and without a traceback.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import EngagementError, InvalidInputError, RuleFileError
from engagement.rules import default_registry, load_ruleset, load_ruleset_file
from engagement.rules.limits import MAX_BYTES, MAX_DEPTH, MAX_ITEMS, MAX_NODES, MAX_STRING

SOURCE = "hr-rules.yaml"
VERB = "verbs:\n  share:\n    points: 10\n"
REGISTRY = default_registry()
TOO_LARGE = (
    "a rule file may be at most {:,} bytes (a developer can raise this limit with max_bytes)"
)


def problems(text: str, **options: int) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(text, REGISTRY, source=SOURCE, **options)
    return [str(problem) for problem in caught.value.problems]


def file_problems(path: Path, **options: int) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        load_ruleset_file(path, REGISTRY, **options)
    return [str(problem) for problem in caught.value.problems]


def test_the_limits_are_the_documented_ones() -> None:
    assert (MAX_BYTES, MAX_DEPTH, MAX_ITEMS, MAX_NODES, MAX_STRING) == (
        1_048_576,
        32,
        1_000,
        20_000,
        10_000,
    )


# -- aliases ---------------------------------------------------------------------------


def test_a_billion_laughs_is_refused_without_expanding_it() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert len(bomb) < 400  # 9**9 "lol"s once expanded

    start = time.perf_counter()
    refused = problems(bomb)
    assert time.perf_counter() - start < 1.0  # generous: it takes milliseconds

    message = "aliases (*{}) are not allowed in rule files: write the value out"
    assert refused == [
        f"{SOURCE}:{line}: {name}.0: {message.format(previous)}"
        for line, (previous, name) in enumerate(zip("abcdefgh", "bcdefghi", strict=True), 2)
    ]


def test_a_merge_key_is_an_alias_too() -> None:
    assert problems(
        dedent(
            """\
            verbs:
              share: &base
                points: 10
              post:
                <<: *base
                label: original post
            """
        )
    ) == [
        f"{SOURCE}:5: verbs.post.<<: "
        "aliases (*base) are not allowed in rule files: write the value out"
    ]


def test_tags_are_refused_rather_than_constructed() -> None:
    assert problems(VERB + "programme: !!python/object:os.system x\nlevels: !!set {a}\n") == [
        f"{SOURCE}:4: programme: tags (!!python/object:os.system) are not allowed in rule "
        "files: write the plain value",
        f"{SOURCE}:5: levels: tags (!!set) are not allowed in rule files: write the plain value",
    ]


# -- size ------------------------------------------------------------------------------


def test_text_over_the_size_limit_is_refused_before_parsing() -> None:
    text = VERB + "# " + "x" * MAX_BYTES + "\n"
    assert problems(text) == [
        f"{SOURCE}: <root>: file too large: more than 1,048,576 bytes; "
        + TOO_LARGE.format(MAX_BYTES)
    ]


def test_the_size_limit_counts_utf8_bytes_not_characters() -> None:
    text = VERB + "programme: " + "é" * 50 + "\n"  # 94 characters, 144 bytes
    assert len(text) <= 100 < len(text.encode())
    assert problems(text, max_bytes=100) == [
        f"{SOURCE}: <root>: file too large: {len(text.encode())} bytes; " + TOO_LARGE.format(100)
    ]


def test_a_host_may_raise_the_size_limit() -> None:
    text = VERB + "# " + "x" * MAX_BYTES + "\n"
    assert load_ruleset(text, REGISTRY, max_bytes=2 * MAX_BYTES).verbs["share"].points == 10


def test_a_huge_file_is_refused_from_its_size_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(10 * 1024**3)  # sparse: reading it would take 10 GiB

    assert file_problems(path) == [
        f"{path}: <root>: file too large: 10,737,418,240 bytes; " + TOO_LARGE.format(MAX_BYTES)
    ]


def test_a_file_just_over_a_raised_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(VERB, encoding="utf-8")
    size = len(VERB)

    assert load_ruleset_file(path, REGISTRY, max_bytes=size).verbs["share"].points == 10
    assert file_problems(path, max_bytes=size - 1) == [
        f"{path}: <root>: file too large: {size} bytes; " + TOO_LARGE.format(size - 1)
    ]


def test_a_negative_size_limit_is_a_programming_error() -> None:
    with pytest.raises(InvalidInputError, match="max_bytes cannot be negative, got -1"):
        load_ruleset(VERB, REGISTRY, max_bytes=-1)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_rather_than_read_forever() -> None:
    assert file_problems(Path("/dev/zero")) == [
        "/dev/zero: <root>: cannot read file: "
        "it is not a regular file (a device, a pipe or a socket)"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_rather_than_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    os.mkfifo(path)
    assert file_problems(path) == [
        f"{path}: <root>: cannot read file: it is not a regular file (a device, a pipe or a socket)"
    ]


# -- structure -------------------------------------------------------------------------


def nested(levels: int) -> str:
    """A file whose ``x`` key holds lists nested so that the file is ``levels`` deep."""
    inner = levels - 1  # the top-level mapping is the first level
    return VERB + "x: " + "[" * inner + "]" * inner + "\n"


def test_nesting_up_to_the_limit_is_read() -> None:
    assert problems(nested(MAX_DEPTH)) == [
        f"{SOURCE}:4: x: unknown key; expected one of: analytics, badges, challenges, "
        "default_locale, leaderboards, levels, max_text_length, privacy, programme, rules, "
        "settle_days, timezone, verbs, week_start"
    ]


def test_nesting_past_the_limit_is_refused() -> None:
    path = "x" + ".0" * (MAX_DEPTH - 1)
    assert problems(nested(MAX_DEPTH + 1)) == [
        f"{SOURCE}:4: {path}: nested more than 32 levels deep; "
        "a rule file may nest at most 32 (stopped reading here)"
    ]


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, "[" * 100_000, "- " * 100_000 + "x\n"],
    ids=["flow", "unclosed", "block"],
)
def test_deep_nesting_is_refused_without_a_recursion_error(text: str) -> None:
    path = ".".join(["0"] * MAX_DEPTH)
    assert problems(text) == [
        f"{SOURCE}:1: {path}: nested more than 32 levels deep; "
        "a rule file may nest at most 32 (stopped reading here)"
    ]


def verbs(count: int) -> str:
    return "verbs:\n" + "".join(f"  v{number}:\n    points: 1\n" for number in range(count))


def test_a_thousand_verbs_are_allowed() -> None:
    assert len(load_ruleset(verbs(MAX_ITEMS), REGISTRY).verbs) == 1_000


def test_more_than_a_thousand_verbs_are_refused() -> None:
    assert problems(verbs(MAX_ITEMS + 1)) == [
        f"{SOURCE}:1: verbs: more than 1,000 entries; a list or mapping may hold at most 1,000"
    ]


def test_too_many_list_items_point_at_the_list() -> None:
    text = VERB + "rules:\n" + "  - x\n" * (MAX_ITEMS + 1)
    assert problems(text)[0] == (
        f"{SOURCE}:4: rules: more than 1,000 entries; a list or mapping may hold at most 1,000"
    )


def test_too_many_keys_and_values_in_all_stop_the_reading() -> None:
    row = "[" + ", ".join(["1"] * 999) + "]"
    text = VERB + "x:\n" + f"  - {row}\n" * 20  # 20,027 keys and values, 1,000 per row
    assert problems(text) == [
        f"{SOURCE}:24: <root>: more than 20,000 keys and values; "
        "a rule file may hold at most 20,000 (stopped reading here)"
    ]


def test_a_value_of_the_longest_length_is_allowed() -> None:
    text = VERB + f"programme: {'x' * MAX_STRING}\n"
    assert load_ruleset(text, REGISTRY).file.programme == "x" * 10_000


def test_a_longer_value_is_refused() -> None:
    text = VERB + f"    description: '{'x' * (MAX_STRING + 1)}'\n"
    assert problems(text) == [
        f"{SOURCE}:4: verbs.share.description: value of 10,001 characters; "
        "at most 10,000 are allowed"
    ]


# -- values YAML cannot convert ----------------------------------------------------------


def test_an_impossible_date_points_at_its_value() -> None:
    text = VERB + dedent(
        """\
        leaderboards:
          seasons:
            - id: q4
              name: Q4
              starts: 2026-13-01
              ends: 2026-12-31
        """
    )
    assert problems(text) == [
        f"{SOURCE}:8: leaderboards.seasons.0.starts: "
        "'2026-13-01' is not a valid date: month must be in 1..12"
    ]


def test_a_number_with_thousands_of_digits_points_at_its_value() -> None:
    text = f"verbs:\n  share:\n    points: {'1' * 5000}\n"
    assert problems(text) == [
        f"{SOURCE}:3: verbs.share.points: '{'1' * 40}…' is not a valid number"
    ]


def test_a_list_used_as_a_key_is_refused() -> None:
    assert problems(VERB + "? [share, post]\n: 10\n") == [
        f"{SOURCE}:4: <root>: a key must be a single value, not a list or mapping"
    ]


# -- encodings and characters ------------------------------------------------------------


def test_a_file_that_is_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.yaml"
    path.write_bytes((VERB + "    label: Café “share”\n").encode("cp1252"))
    assert file_problems(path) == [
        f"{path}:4: <root>: not UTF-8 text: byte 0xE9 at column 15 cannot be read; "
        "save the file as UTF-8"
    ]


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "unicode.yaml"
    path.write_bytes(VERB.encode("utf-16"))  # Notepad's "Unicode", with its BOM
    assert file_problems(path) == [
        f"{path}:1: <root>: the file is UTF-16 text (it starts with a UTF-16 byte-order "
        "mark); save it as UTF-8"
    ]


def test_a_binary_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert file_problems(path) == [
        f"{path}:1: <root>: not UTF-8 text: byte 0x89 at column 1 cannot be read; "
        "save the file as UTF-8"
    ]


def test_a_utf8_byte_order_mark_at_the_start_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "windows.yaml"
    path.write_text(VERB, encoding="utf-8-sig")
    assert load_ruleset_file(path, REGISTRY).verbs["share"].points == 10


def test_a_byte_order_mark_inside_the_file_is_refused() -> None:
    assert problems(VERB + "    label: \ufeffshare\n") == [
        f"{SOURCE}:4: <root>: column 12 holds a byte-order mark (U+FEFF), "
        "allowed only at the very start of the file; remove it"
    ]


def test_a_nul_character_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"verbs:\n  sh\x00are:\n    points: 10\n")
    assert file_problems(path) == [
        f"{path}:2: <root>: column 5 holds a NUL character (code 0), "
        "so this looks like a binary or UTF-16 file; remove it"
    ]


def test_a_lone_surrogate_is_refused() -> None:
    assert problems(VERB + "    label: \ud83d\n") == [
        f"{SOURCE}:4: <root>: column 12 holds a lone surrogate (U+D83D), "
        "which is not valid Unicode text; remove it"
    ]


def test_a_control_character_is_refused() -> None:
    assert problems(VERB + "    label: share\x1b[0m\n") == [
        f"{SOURCE}:4: <root>: column 17 holds a control character (U+001B), "
        "which is not allowed in YAML; remove it"
    ]


# -- any text at all -----------------------------------------------------------------------

FRAGMENTS = [
    *("\n", "  ", "    ", "- ", ": ", ", ", "[", "]", "{", "}", "? ", "'", '"', "#", "|", ">"),
    *("verbs:", "share:", "points:", "10", "-1", "1.5", "rules:", "- id: x\n", "kind: cap"),
    *("period: week", "max_points:", "badges:", "levels:", "leaderboards:", "seasons:"),
    *("starts:", "2026-13-01", "2026-02-30 25:00:00", "0b_", "1" * 4400, ".inf", "~", "null"),
    *("&a ", "*a", "<<: ", "!!int ", "!!timestamp ", "!!binary ", "!", "---\n", "...\n"),
    *("%YAML 1.1\n", "\t", "\x00", "\ufeff", "\ud800", "\x85", "\u2028", "\r", "é", "x" * 600),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=300)
    | st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=60).map("".join)
)
def test_any_text_loads_or_raises_a_rule_file_error(text: str) -> None:
    try:
        load_ruleset(text, REGISTRY, source=SOURCE, max_bytes=20_000)
    except RuleFileError as exc:
        assert isinstance(exc, EngagementError)
        assert exc.problems
        assert all(problem.source == SOURCE for problem in exc.problems)
