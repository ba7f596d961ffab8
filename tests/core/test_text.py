from __future__ import annotations

from engagement.core.text import analyse, words

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
