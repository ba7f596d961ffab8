"""A revoked action re-evaluates the badges it counted for: the badge's rule decides
whether the award is kept or revoked, and a revocation is recorded, never deleted."""

from __future__ import annotations

import sqlalchemy as sa

from engagement.badges.tables import badge_awards, badge_revocations

BADGES = """
badges:
  - id: storyteller
    name: Storyteller
    criteria: {kind: count, verbs: [share]}
    target: 2
  - id: loyal
    name: Loyal
    criteria: {kind: count, verbs: [share]}
    target: 2
    on_revocation: keep
  - id: appreciated
    name: Appreciated
    criteria: {kind: kudos_received}
    target: 2
"""


def rows(engine, table):
    with engine.database.connect() as connection:
        return connection.execute(sa.select(table).order_by(table.c.id)).all()


def test_revoking_a_needed_action_revokes_the_badge_unless_its_rule_keeps_it(badge_engine, share):
    engine = badge_engine(BADGES)
    engine.record(share(key="a1"))
    engine.record(share(hours=1, key="a2"))
    assert engine.badges.earned("alice") == ["storyteller", "loyal"]
    engine.revoke("a2", "duplicate post")
    assert engine.badges.earned("alice") == ["loyal"]
    revoked = rows(engine, badge_revocations)
    assert [r.source for r in revoked] == ["revocation"]
    assert "duplicate post" in revoked[0].reason
    assert len(rows(engine, badge_awards)) == 2  # nothing deleted


def test_revoking_an_action_the_badge_did_not_need_keeps_it(badge_engine, share):
    engine = badge_engine(BADGES)
    for hours, key in enumerate(("a1", "a2", "a3")):
        engine.record(share(hours=hours, key=key))
    engine.revoke("a3", "mistake")
    assert engine.badges.earned("alice") == ["storyteller", "loyal"]
    assert rows(engine, badge_revocations) == []


def test_a_revoked_badge_can_be_earned_again(badge_engine, share):
    engine = badge_engine(BADGES)
    engine.record(share(key="a1"))
    engine.record(share(hours=1, key="a2"))
    engine.revoke("a2", "spam")
    again = engine.record(share(hours=2, key="a3"))
    assert [b.badge for b in again.badges] == ["storyteller"]
    attempts = [(r.badge_id, r.attempt) for r in rows(engine, badge_awards)]
    assert attempts == [("storyteller", 0), ("loyal", 0), ("storyteller", 1)]


def test_revoking_kudos_re_evaluates_the_colleague_who_received_them(badge_engine, share):
    engine = badge_engine(BADGES)
    engine.record(share("bob", verb="kudos", target="alice", key="k1"))
    engine.record(share("carol", 1, verb="kudos", target="alice", key="k2"))
    assert engine.badges.earned("alice") == ["appreciated"]
    engine.revoke("k1", "kudos farming")
    assert engine.badges.earned("alice") == []


def test_revocation_survives_a_cold_cache(badge_engine, share):
    engine = badge_engine(BADGES)
    engine.record(share(key="a1"))
    engine.record(share(hours=1, key="a2"))
    engine.clear_caches()  # another process would start like this
    engine.revoke("a1", "spam")
    assert engine.badges.earned("alice") == ["loyal"]
