"""Gaming personas against an authentic ambassador, on the shipped rules, over a quarter.

The mission is "reward variety and personalisation, not volume": whatever a member
does to earn points without their own words must end at no more than half of what an
ambassador writing three varied personal shares a week earns.
"""

from __future__ import annotations

from collections.abc import Iterator

import personas
import pytest
from personas import Action

from engagement import DEFAULT_RULES_PATH, Engagement

AMBASSADOR = "ambassador"
ADMIRERS = ["admirer-1", "admirer-2", "admirer-3"]
RINGS = {2: ["r2-a", "r2-b"], 3: ["r3-a", "r3-b", "r3-c"], 5: [f"r5-{c}" for c in "abcde"]}
GAMERS: dict[str, list[str]] = {
    "template spinner": ["spinner"],
    "cross-poster, verbatim": ["cross"],
    "plain-volume relayer": ["relayer"],
    "burst": ["burst"],
    "reader bot": ["reader"],
    "own words copied from a colleague": ["copier"],
    **{f"ring of {n}": members for n, members in RINGS.items()},
}


def programme() -> list[Action]:
    log = personas.authentic(AMBASSADOR)
    log += personas.template_spinner("spinner")
    log += personas.cross_poster("cross")
    log += personas.cross_poster("cross-comment", comment=True)
    log += personas.cross_poster("one-network", comment=True, networks=1)
    log += personas.plain_relayer("relayer")
    log += personas.burst("burst")
    log += personas.reader_bot("reader")
    for members in RINGS.values():
        log += personas.ring(members)
    log += personas.copier("copier", personas.authentic(AMBASSADOR))
    log += personas.admirers(ADMIRERS, AMBASSADOR)
    return list(personas.by_time(log))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engagement]:
    with Engagement("sqlite://") as engine:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        engine.record_many(programme(), create_members=True)
        yield engine


@pytest.fixture(scope="module")
def totals(engine: Engagement) -> dict[str, int]:
    return dict(engine.ledger.totals())


def test_the_ambassador_earns_what_the_rules_promise(totals: dict[str, int]) -> None:
    """Three personal shares a week: about 70 points a week (the levels assume it)."""
    assert 60 * personas.WEEKS <= totals[AMBASSADOR] <= 110 * personas.WEEKS


@pytest.mark.parametrize("persona", sorted(GAMERS))
def test_each_gaming_persona_ends_at_most_at_half_the_ambassador(
    totals: dict[str, int], persona: str
) -> None:
    for member in GAMERS[persona]:
        assert totals.get(member, 0) * 2 <= totals[AMBASSADOR], (persona, member, totals)


def test_the_same_comment_on_four_networks_adds_at_most_the_impersonal_budget(
    totals: dict[str, int],
) -> None:
    """Five personal comments a week, each pasted on four networks, against the same
    comments on one network: the copies are one contribution, and what they add is
    the budget of points without own words (20 a week), nothing more."""
    added = totals["cross-comment"] - totals["one-network"]
    assert 0 <= added <= 20 * personas.WEEKS, (totals["cross-comment"], totals["one-network"])


def test_own_words_copied_from_a_colleague(totals: dict[str, int]) -> None:
    """The ambassador's comments pasted on the same items an hour later: words, but
    not the copier's own."""
    assert totals["copier"] * 2 <= totals[AMBASSADOR]


def appreciated(engine: Engagement, member: str) -> float:
    """The `appreciated` badge's measure: colleagues who thanked the member, each
    counting 0.3 when the member mostly thanks them back."""
    return next(p.current for p in engine.badges.progress(member) if p.badge == "appreciated")


@pytest.mark.parametrize("size", sorted(RINGS))
def test_a_ring_thanking_each_other_daily_is_not_recognition(engine: Engagement, size: int) -> None:
    """Every ring member is thanked daily by each of the others, and thanks them back:
    each colleague counts 0.3, not 1, while three admirers whom the ambassador never
    thanks back count fully."""
    for member in RINGS[size]:
        assert appreciated(engine, member) == pytest.approx(0.3 * (size - 1)), member
    assert appreciated(engine, AMBASSADOR) == 3
    assert "appreciated:bronze" in engine.badges.earned(AMBASSADOR)
