"""What a member sees: progress on every badge, "what next" sentences in their
language, levels, challenges, and badges granted by HR."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import BASE_RULES

from engagement import InvalidInputError, UnknownMemberError

UTC = UTC
BADGES = """
default_locale: en
levels:
  - {points: 0, name: {en: Newcomer, fr: Nouvel arrivant}}
  - {points: 20, name: {en: Contributor, fr: Contributeur}}
  - {points: 50, name: {en: Ambassador, fr: Ambassadeur}}
badges:
  - id: polyglot
    name: {en: Polyglot, fr: Polyglotte}
    criteria: {kind: distinct, dimension: channel, verbs: [share]}
    tiers: {bronze: 2, silver: 3}
  - id: storyteller
    name: {en: Storyteller, fr: Conteur}
    criteria: {kind: count, verbs: [share], personalised: true}
    target: 10
    hint:
      en: Share {remaining} more posts in your own words to earn {badge}.
      fr: Partagez encore {remaining} contenus avec vos mots pour obtenir {badge}.
  - id: author
    name: {en: Author, fr: Auteur}
    criteria: {kind: first, verbs: [post]}
  - id: spotlight
    name: {en: Spotlight, fr: Coup de projecteur}
    criteria: {kind: manual}
challenges:
  - id: sprint
    name: {en: Sprint, fr: Sprint}
    starts: 2026-07-01
    ends: 2026-07-31
    teams: [sales]
    goal: {kind: count, verbs: [share]}
    target: 2
    team_target: 3
"""


@pytest.fixture
def engine(badge_engine):
    return badge_engine(BADGES)


def test_progress_lists_every_visible_badge_with_current_target_and_percent(engine, share):
    engine.record(share())
    progress = {p.badge: p for p in engine.badges.progress("alice")}
    assert list(progress) == ["polyglot", "storyteller", "author", "spotlight"]
    polyglot = progress["polyglot"]
    assert (polyglot.tier, polyglot.current, polyglot.target, polyglot.percent) == (
        "bronze",
        1,
        2,
        50,
    )
    assert progress["storyteller"].percent == 10
    assert not polyglot.complete and polyglot.earned == ()


def test_what_next_names_the_nearest_badges_with_a_sentence(engine, share):
    engine.record(share())
    nearest = engine.badges.next("alice", 2)
    assert [p.hint for p in nearest] == [
        "Use 1 more channel to earn Polyglot (bronze).",
        "Share 9 more posts in your own words to earn Storyteller.",
    ]


def test_what_next_speaks_the_members_language(engine, share):
    engine.members.upsert("alice", locale="fr-CA")
    engine.record(share())
    hints = [p.hint for p in engine.badges.next("alice", 2)]
    assert hints == [
        "Utilisez 1 réseau de plus pour obtenir Polyglotte (bronze).",
        "Partagez encore 9 contenus avec vos mots pour obtenir Conteur.",
    ]
    assert engine.badges.progress("alice", locale="en")[0].name == "Polyglot"


def test_a_missing_translation_falls_back_to_the_default_locale(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: polyglot
    name: {en: Polyglot}
    criteria: {kind: distinct, dimension: channel}
    target: 2
"""
    )
    engine.members.upsert("alice", locale="de")
    assert engine.badges.progress("alice")[0].name == "Polyglot"


def test_earned_tiers_move_progress_to_the_next_tier(engine, share):
    engine.record(share())
    engine.record(share(hours=1, channel="x"))
    polyglot = engine.badges.progress("alice")[0]
    assert (polyglot.earned, polyglot.tier, polyglot.target) == (("bronze",), "silver", 3)
    engine.record(share(hours=2, channel="xing"))
    polyglot = engine.badges.progress("alice")[0]
    assert polyglot.complete and polyglot.hint is None and polyglot.percent == 100


def test_levels_follow_cumulative_points(engine, share):
    assert engine.badges.level("alice").name == "Newcomer"
    engine.record(share())
    engine.record(share(hours=1))
    status = engine.badges.level("alice", locale="fr")
    assert (status.level, status.name, status.points) == (2, "Contributeur", 20)
    assert (status.next_name, status.points_to_next) == ("Ambassadeur", 30)


def test_challenge_completion_is_recorded_once_and_only_for_its_teams(engine, share):
    engine.members.upsert("alice", team="sales")
    engine.members.upsert("bob", team="sales")
    engine.members.upsert("carol", team="legal")
    july = datetime(2026, 7, 10, 9, tzinfo=UTC)
    for hours in range(3):
        engine.record(share(at=july.replace(hour=9 + hours)))
        engine.record(share("carol", at=july.replace(hour=9 + hours)))
    engine.record(share("bob", at=july))
    assert [(c.challenge, c.completed, c.current) for c in engine.badges.challenges("alice")] == [
        ("sprint", True, 3)
    ]
    assert engine.badges.challenges("carol") == []
    team = engine.badges.team_progress("sprint", "sales")
    assert (team.members, team.completed, team.current, team.percent) == (2, 1, 4, 100)


def test_actions_outside_a_challenges_dates_do_not_count(engine, share):
    engine.members.upsert("alice", team="sales")
    engine.record(share(at=datetime(2026, 6, 30, 9, tzinfo=UTC)))
    engine.record(share(at=datetime(2026, 8, 1, 9, tzinfo=UTC)))
    assert engine.badges.challenges("alice")[0].current == 0


def test_hr_grants_and_revokes_a_manual_badge_with_a_reason(engine):
    granted = engine.badges.grant("bob", "spotlight", reason="post of the month")
    again = engine.badges.grant("bob", "spotlight", reason="post of the month")
    assert granted.source == "manual" and again == granted
    assert engine.badges.earned("bob") == ["spotlight"]
    revoked = engine.badges.revoke("bob", "spotlight", reason="granted by mistake")
    assert [(r.badge, r.source, r.reason) for r in revoked] == [
        ("spotlight", "manual", "granted by mistake")
    ]
    assert engine.badges.earned("bob") == []
    assert engine.badges.revoke("bob", "spotlight", reason="again") == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.badges.grant("bob", "nope", reason="x"), "unknown badge 'nope'"),
        (lambda e: e.badges.grant("bob", "spotlight", reason=" "), "reason: say why"),
        (lambda e: e.badges.grant("bob", "polyglot", reason="x", tier="gold"), "no tier 'gold'"),
        (lambda e: e.badges.team_progress("nope", "sales"), "unknown challenge 'nope'"),
        (lambda e: e.badges.team_progress("sprint", "legal"), "does not take part"),
    ],
)
def test_bad_requests_raise_one_documented_error_and_write_nothing(engine, call, message):
    with pytest.raises(InvalidInputError, match=message):
        call(engine)
    assert engine.badges.earned("bob") == []


def test_unknown_members_are_reported(engine):
    with pytest.raises(UnknownMemberError):
        engine.badges.progress("nobody")
    with pytest.raises(UnknownMemberError):
        engine.badges.grant("nobody", "spotlight", reason="x")


def test_a_badge_hr_revoked_is_not_earned_again_by_actions_until_granted(badge_engine, share):
    engine = badge_engine(
        "badges:\n  - {id: first-share, name: F, criteria: {kind: first, verbs: [share]}}\n"
    )
    engine.record(share())
    engine.badges.revoke("alice", "first-share", reason="shared a competitor's post")
    assert engine.record(share(hours=1)).badges == ()
    assert engine.badges.award_pending() == []
    assert engine.badges.earned("alice") == []
    engine.badges.grant("alice", "first-share", reason="appeal accepted")
    assert engine.badges.earned("alice") == ["first-share"]


def test_granting_a_tiered_badge_needs_the_tier(engine):
    with pytest.raises(InvalidInputError, match=r"has tiers \(bronze, silver\); say which"):
        engine.badges.grant("bob", "polyglot", reason="x")
    engine.badges.grant("bob", "polyglot", reason="x", tier="silver")
    assert engine.badges.earned("bob") == ["polyglot:silver"]


def test_a_manual_badge_reads_as_granted_by_the_team_and_has_no_target(engine):
    spotlight = next(p for p in engine.badges.progress("alice") if p.badge == "spotlight")
    assert spotlight.target is None
    assert spotlight.hint == "Awarded by the programme team."


def test_a_challenge_says_what_is_left(engine, share):
    engine.members.upsert("alice", team="sales")
    engine.record(share(at=datetime(2026, 7, 10, 9, tzinfo=UTC)))
    [sprint] = engine.badges.challenges("alice")
    assert sprint.hint == "1 more share to complete Sprint."


def test_french_ratio_hints_are_whole_sentences(badge_engine, share):
    engine = badge_engine(
        """
badges:
  - id: own-voice
    name: {en: Own voice, fr: Voix propre}
    criteria: {kind: ratio, verbs: [share], where: {personalised: true}, min_count: 3}
    target: 0.7
"""
    )
    engine.members.upsert("alice", locale="fr")
    engine.record(share())
    [hint] = [p.hint for p in engine.badges.progress("alice")]
    assert hint == "Encore 2 actions « share » (au moins 3) pour obtenir Voix propre."


def test_badges_still_list_a_tier_renamed_after_it_was_awarded(badge_engine, share):
    engine = badge_engine(
        "badges:\n  - {id: sharer, name: S, criteria: {kind: count, verbs: [share]}, target: 1}\n"
    )
    engine.record(share())
    engine.activate_rules(
        engine.load_rules_text(
            BASE_RULES
            + "badges:\n  - {id: sharer, name: S, criteria: {kind: count, verbs: [share]},"
            " tiers: {bronze: 1, silver: 5}}\n"
        )
    )
    assert engine.badges.earned("alice") == ["sharer"]
    assert [b.label for b in engine.badges.award_pending()] == ["sharer:bronze"]
    assert engine.badges.earned("alice") == ["sharer:bronze"]


def test_a_badge_hr_revoked_is_frozen_for_every_tier_and_not_proposed(engine, share):
    engine.record(share())
    engine.record(share(hours=1, channel="x"))  # polyglot:bronze
    engine.badges.revoke("alice", "polyglot", reason="fake accounts")
    assert engine.record(share(hours=2, channel="xing")).badges == ()  # no silver either
    assert "polyglot" not in [p.badge for p in engine.badges.next("alice", 5)]
    engine.clear_caches()  # the same after a reload from the database
    assert engine.record(share(hours=3, channel="facebook")).badges == ()
    assert engine.badges.award_pending() == []
