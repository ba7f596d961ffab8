"""Signals: typed payloads, sent only after the commit, never breaking a write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import Any

import pytest
from conftest import BASE_RULES, MONDAY, RECOGNITION_RULES
from sqlalchemy.orm import Session

from engagement import (
    Adjustment,
    Award,
    BadgeAwarded,
    BadgeRevoked,
    ChallengeCompleted,
    Engagement,
    KudosGiven,
    LevelReached,
    Revocation,
    signals,
)

ALL = {
    signals.action_recorded: (Award, "award"),
    signals.points_awarded: (Award, "award"),
    signals.kudos_given: (KudosGiven, "kudos"),
    signals.action_revoked: (Revocation, "revocation"),
    signals.points_adjusted: (Adjustment, "adjustment"),
    signals.badge_awarded: (BadgeAwarded, "badge"),
    signals.badge_revoked: (BadgeRevoked, "badge"),
    signals.level_reached: (LevelReached, "level"),
    signals.challenge_completed: (ChallengeCompleted, "completion"),
}


@contextmanager
def listening() -> Iterator[list[tuple[str, Any]]]:
    """Every signal heard, as ``(name, payload)``; each payload's type is checked."""
    heard: list[tuple[str, Any]] = []

    def receiver_for(name: str, kind: type, keyword: str) -> Callable[..., None]:
        def receive(sender: object, **payload: Any) -> None:
            assert sender is None and list(payload) == [keyword]
            assert isinstance(payload[keyword], kind)
            heard.append((name, payload[keyword]))

        return receive

    with ExitStack() as stack:
        for signal, (kind, keyword) in ALL.items():
            stack.enter_context(signal.connected_to(receiver_for(signal.name, kind, keyword)))
        yield heard


def share(member: str = "alice", key: str = "s1", hours: int = 0) -> dict[str, Any]:
    return {
        "key": key,
        "member": member,
        "verb": "share",
        "at": (MONDAY + timedelta(hours=hours)).isoformat(),
        "channel": "linkedin",
        "content": {"id": f"c-{key}", "kind": "industry"},
    }


def kudos(giver: str = "alice", receiver: str = "bob", key: str = "k1") -> dict[str, Any]:
    return {
        "key": key,
        "member": giver,
        "verb": "kudos",
        "at": MONDAY.isoformat(),
        "target": receiver,
        "text": "Thanks for the slides!",
    }


def test_a_first_share_announces_each_event_with_its_typed_payload(recognising):
    engine = recognising()
    with listening() as heard:
        award = engine.record(share())
    assert [name for name, _ in heard] == [
        "action-recorded",
        "points-awarded",
        "badge-awarded",
        "level-reached",
        "challenge-completed",
    ]
    assert heard[0][1] is award and award.points == 10
    assert heard[2][1].badge == "first-share" and heard[3][1].name == "Active"
    assert heard[4][1] == ChallengeCompleted("alice", "sprint", None, "s1")


def test_kudos_to_a_colleague_announce_who_thanked_whom(recognising):
    engine = recognising()
    with listening() as heard:
        engine.record(kudos())
    given = [payload for name, payload in heard if name == "kudos-given"]
    assert given == [KudosGiven("k1", "alice", "bob", "kudos", MONDAY, "Thanks for the slides!")]


def test_kudos_to_oneself_thank_nobody(recognising):
    engine = recognising()
    with signals.kudos_given.connected_to(lambda sender, kudos: pytest.fail("heard")):
        award = engine.record(kudos(receiver="alice"))
    assert award.points == 0


def test_revocations_announce_the_action_and_the_badge_it_earned(recognising):
    engine = recognising()
    engine.record(share())
    with listening() as heard:
        engine.revoke("s1", "post deleted")
    assert [name for name, _ in heard] == ["action-revoked", "badge-revoked"]
    assert heard[0][1] == Revocation("s1", "alice", -10, "post deleted")
    assert (
        heard[1][1].badge == "first-share" and heard[1][1].reason == "action revoked: post deleted"
    )


def test_manual_grants_and_revocations_are_announced(recognising):
    engine = recognising()
    with listening() as heard:
        engine.badges.grant("bob", "spotlight", reason="post of the month")
        engine.badges.grant("bob", "spotlight", reason="again")  # held already: nothing
        engine.badges.revoke("bob", "spotlight", reason="mistake")
    assert [(name, p.badge) for name, p in heard] == [
        ("badge-awarded", "spotlight"),
        ("badge-revoked", "spotlight"),
    ]


def test_a_manual_adjustment_is_announced_then_the_level_it_reaches(recognising):
    engine = recognising()
    with listening() as heard:
        engine.ledger.adjust("bob", 12, reason="prize", key="a1", by="hr")
        engine.ledger.adjust("bob", 12, reason="prize", key="a1", by="hr")  # a retry: nothing
        engine.ledger.adjust("bob", -1, reason="typo", key="a2", by="hr")  # no level lost
    assert [(name, getattr(p, "points", None)) for name, p in heard] == [
        ("points-adjusted", 12),
        ("level-reached", 12),
        ("points-adjusted", -1),
    ]


def test_duplicates_announce_nothing(recognising):
    engine = recognising()
    engine.record(share())
    with listening() as heard:
        assert engine.record(share()).duplicate
    assert heard == []


def test_imports_and_backfills_announce_only_when_asked(recognising):
    engine = recognising()
    with listening() as heard:
        engine.record_many([share(), kudos()])
        engine.badges.award_pending()
        engine.replay(apply=True)
    assert heard == []
    with listening() as heard:
        engine.record_many([share("bob", "s2"), kudos("bob", "alice", "k2")], notify=True)
    names = [name for name, _ in heard]
    assert names.count("action-recorded") == 2 and names.count("kudos-given") == 1
    assert {"badge-awarded", "level-reached", "challenge-completed"} <= set(names)


def with_new_badge() -> str:
    """The rules with one more badge, which earlier shares already meet."""
    badge = "  - {id: sharer, name: Sharer, criteria: {kind: first, verbs: [share]}}\n"
    return BASE_RULES + RECOGNITION_RULES.replace("badges:\n", "badges:\n" + badge)


def _rolled_back(engine: Engagement, write: Callable[[Session], object]) -> None:
    with Session(engine.database) as session:
        write(session)
        session.rollback()


WRITES: dict[str, Callable[[Engagement, Session], object]] = {
    "record": lambda e, s: e.record(share(), session=s),
    "kudos": lambda e, s: e.record(kudos(), session=s),
    "record_many": lambda e, s: e.record_many([share(), kudos()], notify=True, session=s),
    "revoke": lambda e, s: e.revoke("earlier", "gone", session=s),
    "grant_badge": lambda e, s: e.badges.grant("bob", "spotlight", reason="r", session=s),
    "revoke_badge": lambda e, s: e.badges.revoke("carol", "spotlight", reason="r", session=s),
    "award_pending_badges": lambda e, s: e.badges.award_pending(notify=True, session=s),
    "adjust": lambda e, s: e.ledger.adjust("bob", 12, reason="r", key="a", session=s),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_rolled_back_write_announces_nothing(recognising, write):
    engine = recognising()
    engine.record(share("carol", "earlier"))
    engine.badges.grant("carol", "spotlight", reason="r")
    if write == "award_pending_badges":  # give it something to award
        engine.activate_rules(engine.load_rules_text(with_new_badge()))
    with listening() as heard:
        _rolled_back(engine, lambda session: WRITES[write](engine, session))
        assert heard == []
        WRITES[write](engine, None)  # the same write, committed, is heard
    assert heard


@pytest.mark.parametrize("signal", list(ALL), ids=lambda s: s.name)
def test_a_failing_receiver_is_logged_and_the_write_stands(recognising, signal, caplog):
    engine = recognising()

    def broken(sender: object, **payload: object) -> None:
        raise RuntimeError("webhook down")

    heard: list[object] = []
    with (
        signal.connected_to(broken),
        signals.action_recorded.connected_to(lambda sender, award: heard.append(award)),
    ):
        award = engine.record(share())
        engine.record(kudos())
        engine.revoke(award.key, "post deleted")
        engine.ledger.adjust("alice", 3, reason="prize", key="a1")
    assert award.points == 10 and len(heard) == 2  # later receivers still ran
    assert engine.ledger.points("alice") == 5 + 3
    assert "webhook down" in caplog.text and signal.name in caplog.text
