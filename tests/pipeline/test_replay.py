"""The ledger is a pure function of the action log and the ruleset."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import BASE_RULES, MONDAY, ActionFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import DEFAULT_RULES_PATH, Engagement, EngagementError, InvalidInputError
from engagement.core.facts import Step
from engagement.pipeline import replay as replaying
from engagement.storage.tables import members

MEMBERS = ("ana", "ben", "chloé")
ZONES = {"ana": "Europe/Paris", "ben": "Asia/Singapore", "chloé": "America/New_York"}
PHRASES = (
    "Great read",
    "Our team worked months on this launch and I could not be prouder of them",
    "Three lessons here for anyone running data projects in a regulated industry",
    "Must read",
)


@st.composite
def actions(draw: st.DrawFn, key: int) -> dict[str, Any]:
    member = draw(st.sampled_from(MEMBERS))
    verb = draw(st.sampled_from(("share", "share", "share", "read", "post", "kudos", "suggest")))
    at = MONDAY + timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
    action: dict[str, Any] = {
        "key": f"k{key}",
        "member": member,
        "verb": verb,
        "at": at.isoformat(),
    }
    if verb in ("share", "read", "suggest"):
        action["content"] = {
            "id": f"c{draw(st.integers(0, 6))}",
            "kind": draw(st.sampled_from(("corporate", "industry", "culture"))),
            "topics": draw(st.lists(st.sampled_from(("ai", "cloud", "hiring")), max_size=2)),
            "suggested_text": "A new study on cloud costs in the public sector",
        }
        action["channel"] = draw(st.sampled_from(("linkedin", "x", "intranet")))
    if verb in ("share", "post", "suggest"):
        action["text"] = draw(st.sampled_from(PHRASES))
    if verb == "kudos":
        action["target"] = draw(st.sampled_from(MEMBERS))
    return action


def logs() -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.integers(1, 40).flatmap(
        lambda n: st.tuples(*(actions(i) for i in range(n))).map(list)
    )


SETTLING_ALL = DEFAULT_RULES_PATH.read_text().replace("settle_days: 14", "settle_days: 366")
"""The default rules with a settle window longer than any log here: every action is
scored as of its own time, whatever order it arrives in."""


OWN_RULES = SETTLING_ALL.replace("multiplier: 0.3", "multiplier: 1").replace(
    "weight: 0.3}", "weight: 1}"
)
"""Without the defences that compare members with each other (thanks given back):
those judge an action by what other members had logged when it was logged."""


VOCABULARY = (
    "harbour", "lantern", "quarry", "meadow", "orchard", "falcon", "ember", "glacier",
    "prism", "velvet", "cobalt", "saffron", "timber", "canyon", "beacon", "willow",
    "marble", "thistle", "copper", "lagoon", "juniper", "summit", "pebble", "tundra",
    "cascade", "ribbon", "anchor", "nectar", "citadel", "bramble", "horizon", "quartz",
)  # fmt: skip


def own_words(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``log`` with a comment of its own for each action that has one: no member copies
    another, nor themself.  Copies and templates are judged by what was logged before
    (see pipeline.echoes), so they would make the logging order matter."""

    def comment(key: str) -> str:
        return " ".join(random.Random(key).sample(VOCABULARY, 6))

    return [{**a, "text": comment(a["key"])} if "text" in a else a for a in log]


def fresh_engine(rules: str = SETTLING_ALL) -> Engagement:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(rules))
    for member, zone in ZONES.items():
        engine.members.upsert(member, timezone=zone)
    return engine


def awards_in_ledger(engine: Engagement) -> dict[str, tuple[int, Any]]:
    return {
        entry.key: (entry.points, entry.explanation)
        for entry in engine.ledger.entries()
        if entry.entry_kind == "award"
    }


def awards_replayed(engine: Engagement) -> dict[str, tuple[int, Any]]:
    return {a.key: (a.points, a.explanation()) for a in engine.replayed_awards()}


def net_in_ledger(engine: Engagement) -> dict[str, int]:
    """Each action's points as the ledger has them now: its award, and whatever
    re-scored, adjusted or revoked it since."""
    net: dict[str, int] = {}
    for entry in engine.ledger.entries():
        if entry.key is not None:
            net[entry.key] = net.get(entry.key, 0) + entry.points
    return net


def points_replayed(engine: Engagement) -> dict[str, int]:
    return {award.key: award.points for award in engine.replayed_awards()}


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(logs())
def test_one_by_one_in_bulk_and_replayed_give_identical_ledgers(log: list[dict[str, Any]]) -> None:
    # A bulk import logs in time order: copies and thanks given back, judged by what
    # was logged before, would be judged so (see docs/design.md, "Arrival order").
    log = own_words(log)
    one_by_one, bulk = fresh_engine(OWN_RULES), fresh_engine(OWN_RULES)
    for action in log:
        one_by_one.record(action)
    split = len(log) // 2
    bulk.record_many(log[:split])
    bulk.record_many(log[split:])
    expected = points_replayed(one_by_one)
    assert net_in_ledger(one_by_one) == expected
    assert net_in_ledger(bulk) == expected
    assert points_replayed(bulk) == expected
    assert one_by_one.ledger.totals() == bulk.ledger.totals()
    if log == sorted(log, key=lambda action: (action["at"], action["key"])):
        # In time order nothing is re-scored: each award is its replay, explained.
        assert awards_in_ledger(one_by_one) == awards_replayed(one_by_one)


@PROPERTY
@given(logs(), st.data())
def test_replay_reproduces_a_log_with_revocations(
    log: list[dict[str, Any]], data: st.DataObject
) -> None:
    engine = fresh_engine()
    for action in log:
        engine.record(action)
        if data.draw(st.booleans()):
            victim = data.draw(st.sampled_from(log[: log.index(action) + 1]))
            engine.revoke(victim["key"], "test")
    assert points_replayed(engine) == net_in_ledger(engine)
    report = engine.replay()
    assert report.changed == 0
    assert sum(engine.ledger.totals().values()) == report.points_after


def test_replay_apply_rescored_under_new_rules_appends_adjustments(
    memory_engine: Engagement,
) -> None:
    memory_engine.members.upsert("ana", timezone="Europe/Paris")
    for hour in range(3):
        memory_engine.record(
            {
                "key": f"p{hour}",
                "member": "ana",
                "verb": "post",
                "at": (MONDAY + timedelta(hours=hour)).isoformat(),
                "text": "An original post",
            }
        )
    before = memory_engine.ledger.points("ana")
    text = DEFAULT_RULES_PATH.read_text().replace("points: 30 ", "points: 40 ")
    memory_engine.activate_rules(memory_engine.load_rules_text(text))
    dry = memory_engine.replay()
    assert (dry.changed, dry.applied) == (3, False)
    assert memory_engine.ledger.points("ana") == before
    applied = memory_engine.replay(apply=True)
    assert memory_engine.ledger.points("ana") == applied.points_after == before + 30
    kinds = [entry.entry_kind for entry in memory_engine.ledger.entries("ana")]
    assert kinds == ["award"] * 3 + ["adjustment"] * 3
    assert memory_engine.replay().changed == 0


def test_replay_apply_works_on_every_backend(engine: Engagement) -> None:
    engine.members.upsert("ana", timezone="Europe/Paris")
    engine.record(
        {"key": "p", "member": "ana", "verb": "post", "at": MONDAY.isoformat(), "text": "Hi"}
    )
    text = DEFAULT_RULES_PATH.read_text().replace("points: 30 ", "points: 40 ")
    engine.activate_rules(engine.load_rules_text(text))
    report = engine.replay(apply=True)
    assert (report.changed, engine.ledger.points("ana")) == (1, report.points_after)
    assert engine.replay().changed == 0


def _post(key: str, hour: int = 0) -> dict[str, Any]:
    at = MONDAY + timedelta(hours=hour)
    return {"key": key, "member": "ana", "verb": "post", "at": at.isoformat(), "text": "Hi"}


def _rules_with_post_points(points: int) -> str:
    return DEFAULT_RULES_PATH.read_text().replace("points: 30 ", f"points: {points} ")


def test_replay_after_a_verb_was_removed_scores_its_actions_0(
    engine_with: Callable[[str], Engagement], make_action: ActionFactory
) -> None:
    engine = engine_with("")
    engine.record(make_action(verb="read", key="r1"))
    engine.record(make_action(verb="post", key="p1", at=MONDAY + timedelta(hours=1)))
    engine.activate_rules(engine.load_rules_text(BASE_RULES.replace("  read: {points: 1}\n", "")))
    report = engine.replay()
    assert (report.actions, report.changed, report.examples) == (2, 1, [("r1", 1, 0)])
    read = next(a for a in engine.replayed_awards() if a.key == "r1")
    assert read.points == 0
    assert [(s.rule, s.text) for s in read.steps] == [("verbs.read", "verb no longer in the rules")]
    assert read.summary == "+0 verb no longer in the rules = 0"
    engine.replay(apply=True)
    assert engine.ledger.points("alice") == 30
    assert engine.record(make_action(verb="post", key="p2")).points == 30  # history still loads
    assert engine.replay().changed == 0


def test_replay_apply_refuses_rules_that_were_never_activated(memory_engine: Engagement) -> None:
    memory_engine.members.upsert("ana", timezone="Europe/Paris")
    memory_engine.record(_post("p"))
    draft = memory_engine.load_rules_text(_rules_with_post_points(40))
    assert memory_engine.replay(rules=draft).changed == 1  # a dry run is fine
    with pytest.raises(InvalidInputError, match="never activated"):
        memory_engine.replay(apply=True, rules=draft)
    assert [e.entry_kind for e in memory_engine.ledger.entries()] == ["award"]


def test_replay_apply_refuses_rules_that_are_no_longer_active(memory_engine: Engagement) -> None:
    memory_engine.members.upsert("ana", timezone="Europe/Paris")
    memory_engine.record(_post("p"))
    older = memory_engine.active_rules()
    memory_engine.activate_rules(memory_engine.load_rules_text(_rules_with_post_points(40)))
    with pytest.raises(InvalidInputError, match="version 1 is not the active ruleset"):
        memory_engine.replay(apply=True, rules=older)
    forged = memory_engine.load_rules_text(_rules_with_post_points(50)).with_version(2)
    with pytest.raises(InvalidInputError, match="version 2 is not the active ruleset"):
        memory_engine.replay(apply=True, rules=forged)
    assert memory_engine.replay(apply=True, rules=memory_engine.active_rules()).changed == 1


def test_a_second_apply_with_nothing_changed_writes_nothing(engine: Engagement) -> None:
    engine.members.upsert("ana", timezone="Europe/Paris")
    for hour in range(3):
        engine.record(_post(f"p{hour}", hour))
    engine.activate_rules(engine.load_rules_text(_rules_with_post_points(40)))
    assert engine.replay(apply=True).changed == 3
    with engine.database.connect() as connection:
        seq = connection.execute(sa.select(members.c.event_seq)).scalar_one()
    ledger_before = engine.ledger.entries()
    again = engine.replay(apply=True)
    assert (again.changed, again.applied) == (0, True)
    assert engine.ledger.entries() == ledger_before
    with engine.database.connect() as connection:
        assert connection.execute(sa.select(members.c.event_seq)).scalar_one() == seq


def test_going_back_to_older_rules_activates_them_as_a_new_version(engine: Engagement) -> None:
    engine.members.upsert("ana", timezone="Europe/Paris")
    engine.record(_post("p"))
    original = engine.ledger.points("ana")
    engine.activate_rules(engine.load_rules_text(_rules_with_post_points(40)))
    engine.replay(apply=True)
    back = engine.activate_rules(DEFAULT_RULES_PATH)
    assert back.version == 3
    assert engine.replay(apply=True).changed == 1  # no clash with version 1's award
    assert engine.ledger.points("ana") == original
    entries = [(e.entry_kind, e.ruleset_version) for e in engine.ledger.entries()]
    assert entries == [("award", 1), ("adjustment", 2), ("adjustment", 3)]


def test_an_apply_that_would_adjust_an_action_twice_under_one_version_is_refused(
    memory_engine: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_engine.members.upsert("ana", timezone="Europe/Paris")
    memory_engine.record(_post("p"))
    memory_engine.activate_rules(memory_engine.load_rules_text(_rules_with_post_points(40)))
    memory_engine.replay(apply=True)
    before = memory_engine.ledger.entries()

    def changed_scoring(fact: Any, history: Any, ruleset: Any) -> tuple[Step, ...]:
        fact.points = 41  # as if an upgrade of the engine changed how rules score
        history.add(fact)
        return (Step("verbs.post", "add", 41, "original post"),)

    monkeypatch.setattr(replaying, "score_and_remember", changed_scoring)
    with pytest.raises(EngagementError, match="already adjusted under ruleset version 2"):
        memory_engine.replay(apply=True)
    assert memory_engine.ledger.entries() == before
