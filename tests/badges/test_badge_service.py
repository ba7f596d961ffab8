"""Badges through the engine's write paths: bulk imports award exactly what one-by-one
recording does, signals wait for the commit, and awards survive a cold cache."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from conftest import BASE_RULES, MONDAY
from sqlalchemy.orm import Session

from engagement import DEFAULT_RULES_PATH, Engagement, signals

SAMPLES = DEFAULT_RULES_PATH.parents[2] / "samples" / "actions.jsonl"


def _sample(count: int, seed: int = 7) -> list[dict]:  # type: ignore[type-arg]
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    members = sorted({json.loads(line)["member"] for line in lines})[:12]
    chosen = [json.loads(line) for line in lines if json.loads(line)["member"] in members]
    random.Random(seed).shuffle(chosen)  # late actions everywhere
    return chosen[:count]


def _engine(*, settle_days: int = 14) -> Engagement:
    engine = Engagement("sqlite://")
    engine.create_schema()
    text = DEFAULT_RULES_PATH.read_text().replace("settle_days: 14", f"settle_days: {settle_days}")
    engine.activate_rules(engine.load_rules_text(text))
    return engine


def test_bulk_import_awards_the_same_badges_as_recording_one_by_one():
    actions = _sample(900)
    # A quarter, shuffled: every action within the settle window, so that both are
    # scored as of each action's time (a bulk import is logged in time order).
    one_by_one, bulk = _engine(settle_days=366), _engine(settle_days=366)
    members = sorted(
        {a["member"] for a in actions} | {a["target"] for a in actions if a.get("target")}
    )
    for member in members:
        one_by_one.members.upsert(member)
    singles = [one_by_one.record(action) for action in actions]
    batched = bulk.record_many(actions, create_members=True)
    assert sum(len(a.badges) for a in singles) > 50
    assert sum(len(a.badges) for a in batched) > 50
    for member in sorted({a["member"] for a in actions}):
        assert one_by_one.badges.earned(member) == bulk.badges.earned(member)
    assert one_by_one.ledger.totals() == bulk.ledger.totals()


def test_bulk_import_in_time_order_awards_each_badge_to_the_same_action():
    actions = sorted(_sample(600), key=lambda a: (a["at"], a["key"]))
    one_by_one, bulk = _engine(), _engine()
    for member in sorted({a["member"] for a in actions} | {a.get("target") or "" for a in actions}):
        if member:
            one_by_one.members.upsert(member)
    singles = [one_by_one.record(action) for action in actions]
    batched = bulk.record_many(actions, create_members=True)
    assert [a.badges for a in singles] == [a.badges for a in batched]
    assert sum(len(a.badges) for a in singles) > 30


def test_a_cold_cache_awards_the_same_badges():
    actions = _sample(400, seed=3)
    warm, cold = _engine(), _engine()
    for engine in (warm, cold):
        named = {a["member"] for a in actions} | {a["target"] for a in actions if "target" in a}
        for member in sorted(named | {"m-001"}):
            engine.members.upsert(member)
    warm_awards = [warm.record(a) for a in actions]
    cold_awards = []
    for action in actions:
        cold.clear_caches()
        cold_awards.append(cold.record(action))
    assert [a.badges for a in warm_awards] == [a.badges for a in cold_awards]


def test_badge_signals_fire_after_commit_and_never_for_a_rollback(badge_engine, share):
    engine = badge_engine(
        """
levels:
  - {points: 0, name: New}
  - {points: 10, name: Active}
badges:
  - {id: first-share, name: First share, criteria: {kind: first, verbs: [share]}}
"""
    )
    heard: list[tuple[str, str]] = []

    def on_badge(sender: object, badge: object) -> None:
        heard.append(("badge", badge.badge))  # type: ignore[attr-defined]

    def on_level(sender: object, level: object) -> None:
        heard.append(("level", level.name))  # type: ignore[attr-defined]

    with (
        signals.badge_awarded.connected_to(on_badge),
        signals.level_reached.connected_to(on_level),
    ):
        with Session(engine.database) as session:
            engine.record(share(), session=session)
            assert heard == []
            session.rollback()
        assert heard == []
        assert engine.badges.earned("alice") == []
        engine.record(share(hours=1))
    assert heard == [("badge", "first-share"), ("level", "Active")]


def test_a_failing_receiver_does_not_break_recording(badge_engine, share, caplog):
    engine = badge_engine(
        "badges:\n  - {id: first-share, name: F, criteria: {kind: first, verbs: [share]}}\n"
    )

    def broken(sender: object, badge: object) -> None:
        raise RuntimeError("webhook down")

    with signals.badge_awarded.connected_to(broken):
        award = engine.record(share())
    assert [b.badge for b in award.badges] == ["first-share"]
    assert "webhook down" in caplog.text


def test_bulk_imports_announce_badges_only_when_asked(badge_engine, share):
    engine = badge_engine(
        "badges:\n  - {id: first-share, name: F, criteria: {kind: first, verbs: [share]}}\n"
    )
    heard: list[str] = []
    with signals.badge_awarded.connected_to(lambda sender, badge: heard.append(badge.member)):
        engine.record_many([share()])
        engine.record_many([share("bob")], notify=True)
    assert heard == ["bob"]


@pytest.mark.parametrize("hours", [0, 24 * 40])
def test_record_many_on_postgres_and_sqlite_agree(engine, make_action, hours):
    # engine is the parametrised (SQLite, PostgreSQL) fixture with the default rules.
    engine.members.upsert("alice", timezone="Europe/Paris")
    actions = [
        make_action(
            at=MONDAY + timedelta(hours=hours + i),
            channel=channel,
            text=f"My own take number {i} on this for you all",
        )
        for i, channel in enumerate(["linkedin", "x", "xing", "facebook"])
    ]
    awards = engine.record_many(actions)
    assert [b.label for a in awards for b in a.badges][:2] == ["polyglot:bronze", "polyglot:silver"]
    assert engine.badges.earned("alice")[0] == "polyglot:gold"


def test_a_badge_added_later_is_owed_for_earlier_actions(badge_engine, share):
    engine = badge_engine("")
    for hours, channel in enumerate(["linkedin", "x", "xing"]):
        engine.record(share(hours=hours, channel=channel))
    engine.record(share("bob"))
    engine.activate_rules(
        engine.load_rules_text(
            BASE_RULES
            + """
badges:
  - id: polyglot
    name: Polyglot
    criteria: {kind: distinct, dimension: channel, verbs: [share]}
    tiers: {bronze: 2, silver: 3, gold: 4}
  - id: varied-week
    name: Varied week
    criteria: {kind: count, verbs: [share]}
    target: 1
    repeat: week
"""
        )
    )
    awarded = engine.badges.award_pending()
    assert sorted(b.label for b in awarded) == [
        "polyglot:bronze",
        "polyglot:silver",
        "varied-week",
        "varied-week",
    ]
    assert engine.badges.award_pending() == []  # exactly once
    assert engine.badges.earned("alice") == ["polyglot:silver", "varied-week"]


def test_volume_earns_no_badges_on_the_sample_quarter(memory_engine):
    """The sample's five sandwich-board accounts (500+ verbatim corporate shares each)
    end with at most the badge colleagues' kudos gave them; everyone else averages
    several."""
    from engagement.simulation import simulate

    result = simulate(memory_engine, SAMPLES, members_path=SAMPLES.with_name("members.jsonl"))
    badges = {m.member: m.badges for m in result.members}
    sandwich = [f"m-{n:03d}" for n in range(9, 14)]
    assert all(len(badges[m]) <= 1 for m in sandwich)
    others = [len(b) for m, b in badges.items() if m not in sandwich]
    assert sum(others) / len(others) > 8
