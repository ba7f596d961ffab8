"""The same actions give the same points whatever order they arrive in: late actions
are scored in their place and re-score the later ones, within the settle window."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from conftest import MONDAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replay import OWN_RULES, ZONES, logs, net_in_ledger, own_words, points_replayed

from engagement import Engagement
from engagement.pipeline import rescoring


def share(
    key: str, days: float, *, content: str = "c1", channel: str = "linkedin"
) -> dict[str, Any]:
    return {
        "key": key,
        "member": "ana",
        "verb": "share",
        "at": (MONDAY + timedelta(days=days)).isoformat(),
        "channel": channel,
        "text": "Our team spent a year on this and the results speak for themselves",
        "content": {"id": content, "kind": "industry", "topics": ["cloud"]},
    }


def with_ana(engine: Engagement) -> Engagement:
    engine.members.upsert("ana", timezone="Europe/Paris")
    return engine


def entries(engine: Engagement) -> list[tuple[str | None, str, int]]:
    return [(e.key, e.entry_kind, e.points) for e in engine.ledger.entries("ana")]


def test_a_late_action_is_scored_in_its_place_and_the_later_ones_rescored(
    engine: Engagement, memory_engine: Engagement
) -> None:
    in_order = with_ana(memory_engine)
    first, second = share("a", 0), share("b", 1)  # the same item, on the same network
    expected = [in_order.record(first).points, in_order.record(second).points]
    assert expected[0] > expected[1]

    late = with_ana(engine)
    assert late.record(second).points == expected[0]  # first to arrive: full points
    award = late.record(first)

    assert award.points == expected[0]  # scored in its place, as the first share
    assert late.ledger.points("ana") == sum(expected)
    assert entries(late) == [
        ("b", "award", expected[0]),
        ("a", "award", expected[0]),
        ("b", "rescore", expected[1] - expected[0]),
    ]
    rescore = late.ledger.entries("ana")[-1].explanation
    assert rescore["reason"] == "re-scored: an earlier share arrived late"
    assert (rescore["previous"], rescore["now"]) == (expected[0], expected[1])
    assert late.replay().changed == 0
    assert late.boards.rebuild(check=True).consistent


def test_an_action_later_than_the_settle_window_is_scored_as_of_its_arrival(
    engine: Engagement,
) -> None:
    with_ana(engine)
    later = engine.record(share("b", 20))
    award = engine.record(share("a", 0))  # 20 days late: over the default 14

    assert entries(engine) == [("b", "award", later.points), ("a", "award", award.points)]
    assert award.points < later.points  # the item was already shared, as far as it knows
    assert "arrived over 14 days after later actions: scored as of" in award.summary
    assert engine.replay().changed == 0  # replay puts it where it was scored
    engine.record(share("c", 19, content="c2"))  # late, within the window: re-scores
    assert engine.replay().changed == 0
    assert engine.boards.rebuild(check=True).consistent


def test_revoking_an_action_rescores_the_later_ones(engine: Engagement) -> None:
    with_ana(engine)
    first = engine.record(share("a", 0))
    second = engine.record(share("b", 1))
    engine.revoke("a", "posted by mistake")

    assert engine.ledger.points("ana") == first.points  # "b" is now the first share
    assert entries(engine)[-1] == ("b", "rescore", first.points - second.points)
    assert engine.ledger.entries("ana")[-1].explanation["reason"] == (
        "re-scored: an earlier share was revoked"
    )
    assert engine.replay().changed == 0
    assert engine.boards.rebuild(check=True).consistent


def never_from_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a rebuild of the member's window from the log fail the test."""

    def rebuilt(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("re-scored on a history rebuilt from the log")

    monkeypatch.setattr(rescoring, "rescore", rebuilt)


def test_a_late_action_re_scores_on_the_members_current_history(
    engine: Engagement, memory_engine: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the member's history cached, only the later actions are read again."""
    in_order = with_ana(memory_engine)
    late = with_ana(engine)
    days = (0, 1, 2, 3)
    for day in days:
        in_order.record(share(f"k{day}", day))
    for day in (2, 3):  # warm: this process holds the member's history
        late.record(share(f"k{day}", day))
    never_from_the_log(monkeypatch)
    late.record(share("k1", 1))  # late: k2 and k3 re-scored
    late.record(share("k0", 0))  # later still

    assert late.ledger.points("ana") == in_order.ledger.points("ana")
    assert [e.entry_kind for e in late.ledger.entries("ana")].count("rescore") >= 1
    # The badge state the process keeps followed the re-scored points.
    assert late.badges.level("ana") == in_order.badges.level("ana")
    assert late.badges.progress("ana") == in_order.badges.progress("ana")
    monkeypatch.undo()
    assert late.replay().changed == 0
    assert late.boards.rebuild(check=True).consistent


def test_a_late_action_re_scores_on_the_members_snapshot_in_another_process(
    engine: Engagement,
    memory_engine: Engagement,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_order = with_ana(memory_engine)
    for day in (0, 1, 2, 3):
        in_order.record(share(f"k{day}", day))
    with_ana(engine)
    for day in (1, 2, 3):
        engine.record(share(f"k{day}", day))
    with Engagement(database_url, history_cache_size=0, snapshot_every=1) as other:
        other.record(share("k-new", 3.5, content="c9"))  # writes the snapshot
        in_order.record(share("k-new", 3.5, content="c9"))
        never_from_the_log(monkeypatch)
        other.record(share("k0", 0))  # late, in a process with no cached history

        assert other.ledger.points("ana") == in_order.ledger.points("ana")
        monkeypatch.undo()
        assert other.replay().changed == 0
    with Engagement(database_url) as reader:  # its state, read afresh from the log
        assert engine.badges.progress("ana") == reader.badges.progress("ana")


def test_a_late_action_reaching_before_the_cached_history_is_re_scored_from_the_log(
    engine: Engagement, memory_engine: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_order = with_ana(memory_engine)
    for day in (0, 10):
        in_order.record(share(f"k{day}", day))
    late = with_ana(engine)
    late.record(share("k10", 10))  # the cached history reaches back from day 10
    from_the_log = rescoring.rescore
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return from_the_log(*args, **kwargs)

    monkeypatch.setattr(rescoring, "rescore", counted)
    late.record(share("k0", 0))  # its rules' windows reach further back

    assert calls == [1]
    assert late.ledger.points("ana") == in_order.ledger.points("ana")
    assert late.replay().changed == 0


def fresh() -> Engagement:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(engine.load_rules_text(OWN_RULES))
    for member, zone in ZONES.items():
        engine.members.upsert(member, timezone=zone)
    return engine


def outcome(engine: Engagement) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Per-member totals and badges."""
    return engine.ledger.totals(), {m: sorted(engine.badges.earned(m)) for m in ZONES}


PERMUTATIONS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PERMUTATIONS
@given(logs(), st.randoms(use_true_random=False), st.integers(1, 8))
def test_any_arrival_order_one_by_one_or_in_bulk_gives_the_same_points(
    log: list[dict[str, Any]], shuffler: random.Random, chunk: int
) -> None:
    log = own_words(log)
    in_time_order = fresh()
    for action in sorted(log, key=lambda action: (action["at"], action["key"])):
        in_time_order.record(action)
    expected = outcome(in_time_order)

    shuffled = list(log)
    shuffler.shuffle(shuffled)
    one_by_one, bulk = fresh(), fresh()
    for action in shuffled:
        one_by_one.record(action)
    for start in range(0, len(shuffled), chunk):
        bulk.record_many(shuffled[start : start + chunk])

    totals, badges = expected
    for engine in (one_by_one, bulk):
        got_totals, got_badges = outcome(engine)
        assert got_totals == totals
        # Every badge the actions earn in time order is earned; one earned on the way
        # (an action personal until an earlier copy of its words arrived) is kept:
        # awards are never withdrawn automatically.
        assert all(set(badges[m]) <= set(got_badges[m]) for m in badges)
        assert net_in_ledger(engine) == points_replayed(engine)
        assert engine.boards.rebuild(check=True).consistent
