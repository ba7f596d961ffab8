from __future__ import annotations

import random

from engagement.core.text import (
    CODE_DIGITS,
    PACKED_MAX,
    alike,
    analyse,
    digits_needed,
    pack,
    shared_digits,
    template_code,
    unpack,
    words,
)

SUGGESTED = "We just opened our new Lyon office, built to be carbon neutral."


def test_verbatim_copy_has_no_own_words() -> None:
    result = analyse(SUGGESTED, SUGGESTED)
    assert (result.words, result.own_words, result.fingerprint) == (12, 0, None)
    assert result.own_ratio == 0


def test_own_words_are_those_beyond_the_suggested_text() -> None:
    result = analyse("Proud of the Lyon team! " + SUGGESTED, SUGGESTED)
    assert result.own_words == 4  # proud, of, the, team: "Lyon" is the suggestion's word
    assert result.distinct_own_words == 4
    assert result.own_ratio == 4 / 17


def test_repeating_or_reordering_the_suggestion_is_not_personal() -> None:
    assert analyse("new new new", "new").own_words == 0
    assert analyse("neutral carbon office Lyon", SUGGESTED).own_words == 0


def test_a_stock_phrase_keeps_its_fingerprint_whatever_the_suggestion() -> None:
    stock = "So proud to work here, check this out everyone"
    before_one = analyse(stock + " " + SUGGESTED, SUGGESTED)
    before_other = analyse(stock + " A short note on cloud costs.", "A short note on cloud costs.")
    assert before_one.fingerprint == before_other.fingerprint


def test_words_keep_apostrophes_and_accents() -> None:
    assert words("L'équipe d’Anaïs don't stop") == ["l'équipe", "d’anaïs", "don't", "stop"]


def test_fingerprint_is_stable_and_depends_on_own_words_only() -> None:
    first = analyse("Great read, everyone should see this", "Another article entirely")
    second = analyse("Great read, everyone should see this", "Something else to share")
    short_word_changed = analyse("Great read, everyone should see that", "Another one")
    different = analyse("Great read, everyone should watch this", "Another article entirely")
    assert short_word_changed.fingerprint == first.fingerprint
    assert first.fingerprint == second.fingerprint
    assert first.fingerprint is not None and len(first.fingerprint) == 16
    assert different.fingerprint != first.fingerprint


def test_no_text_or_punctuation_only() -> None:
    assert analyse(None, SUGGESTED).words == 0
    assert analyse("!!! 🙂", None).words == 0


def test_a_template_keeps_its_fingerprint_when_numbers_tags_links_and_topic_change() -> None:
    template = "Really insightful piece on {t}! Everyone should read this before planning {n} {x}"
    first = analyse(template.format(t="cloud", n=2026, x="#cloud @ana"), SUGGESTED, ["cloud"])
    other = analyse(
        template.format(t="security", n=2027, x="#sec https://example.com/a?b=1"),
        SUGGESTED,
        ["security"],
    )
    assert first.fingerprint is not None
    assert first.fingerprint == other.fingerprint


def test_numbers_hashtags_mentions_and_links_are_never_own_words() -> None:
    result = analyse("#AI #Cloud @ana 2026 https://example.com/x", None)
    assert (result.own_words, result.fingerprint) == (0, None)
    assert result.words == 5


def test_one_word_changed_is_mostly_alike_and_unrelated_comments_almost_never() -> None:
    """MinHash is a sampling estimate, so the test is a rate over many comments."""
    rng = random.Random(3)
    vocabulary = [f"{a}{b}{c}" for a in ("ka", "lo", "mi") for b in ("ter", "van", "sor") for c in (
        "pel", "rix", "nom", "dua", "bel", "cat")]  # fmt: skip
    needed = digits_needed(0.7)

    def code(chosen: list[str]) -> int:
        return template_code(analyse(" ".join(chosen), None).fingerprint or "")

    edits = unrelated = 0
    for _ in range(200):
        chosen = rng.sample(vocabulary, 12)
        edited = [*chosen[:-1], "zzzedited"]
        other = rng.sample([w for w in vocabulary if w not in chosen], 12)
        edits += shared_digits(code(chosen), code(edited)) >= needed
        unrelated += shared_digits(code(chosen), code(other)) >= needed
    assert edits >= 150
    assert unrelated <= 4


def test_codes_and_small_numbers_pack_into_one_float_exactly() -> None:
    code = template_code("ffffffffffffffff")
    assert unpack(pack(code, 35)) == (code, 35)
    assert unpack(pack(code, 10_000)) == (code, PACKED_MAX)
    assert alike(code, code, CODE_DIGITS)


def test_a_fingerprint_that_is_not_a_signature_matches_only_itself() -> None:
    assert template_code("f1") == template_code("f1")
    assert shared_digits(template_code("f1"), template_code("f2")) < digits_needed(0.7)
