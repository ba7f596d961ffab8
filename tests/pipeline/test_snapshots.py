"""Member snapshots are derived data: a state read from a snapshot and the actions
logged since equals the state rebuilt from the log.

The property is checked two ways.  Differentially: the same random history (actions
one by one and in batches, arriving out of order, kudos, revocations, erasures,
consent changes, a new ruleset) is written through an engine that reads snapshots
(no process cache, a snapshot every second action) and through one that rebuilds
every member from the log each time; every award, badge and total must agree.  And
directly: each member's snapshot, restored, holds the same badge indexes and score-row
marks as a rebuild from the database.
"""

from __future__ import annotations

import marshal
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import MONDAY
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engagement import DEFAULT_RULES_PATH, Engagement, EngagementError
from engagement.leaderboards.book import SEPARATOR
from engagement.leaderboards.tables import scores
from engagement.pipeline import snapshots
from engagement.pipeline.badge_states import load_member_states, restored_state
from engagement.storage.members import Person
from engagement.storage.tables import member_snapshots, members

MEMBERS = ("ana", "ben", "cleo")
CHANGED_RULES = DEFAULT_RULES_PATH.read_text(encoding="utf-8").replace(
    "    points: 10          # relaying", "    points: 12          # relaying"
)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """What hosts do to a programme, in any order."""
    ops: list[tuple[str, Any]] = []
    keys: list[str] = []
    # Over a year, stored histories are trimmed to the rules' windows and late
    # arrivals reach back past them.
    days = draw(st.sampled_from((50, 400)))
    choices = (
        "record", "record", "record", "batch", "revoke", "erase", "consent", "rules", "badge",
    )  # fmt: skip
    for n in range(draw(st.integers(1, 24))):
        choice = draw(st.sampled_from(choices))
        if choice == "revoke" and keys:
            ops.append(("revoke", draw(st.sampled_from(keys))))
        elif choice == "erase":
            ops.append(("erase", draw(st.sampled_from(MEMBERS))))
        elif choice == "consent":
            ops.append(("consent", (draw(st.sampled_from(MEMBERS)), draw(st.booleans()))))
        elif choice == "rules":
            ops.append(("rules", None))
        elif choice == "badge":
            # HR grants or revokes a badge by hand: a manual one, or one actions earn.
            badge = draw(st.sampled_from(("spotlight", "storyteller", "first-post")))
            member = draw(st.sampled_from(MEMBERS))
            ops.append((draw(st.sampled_from(("grant", "unbadge"))), (member, badge)))
        else:
            batch = []
            for i in range(draw(st.integers(1, 3)) if choice == "batch" else 1):
                key = f"k{n}-{i}"
                keys.append(key)
                batch.append(_action(draw, key, days))
            ops.append((choice if choice == "batch" else "record", batch))
    return ops


def _action(draw: st.DrawFn, key: str, days: int) -> dict[str, Any]:
    member = draw(st.sampled_from(MEMBERS))
    verb = draw(st.sampled_from(("share", "share", "post", "kudos", "read")))
    action: dict[str, Any] = {
        "key": key,
        "member": member,
        "verb": verb,
        "at": (MONDAY + timedelta(hours=draw(st.integers(0, 24 * days)))).isoformat(),
    }
    if verb in ("share", "read"):
        action["channel"] = draw(st.sampled_from(("linkedin", "xing", "intranet")))
        action["content"] = {
            "id": draw(st.sampled_from(("c1", "c2", "c3", key))),
            "kind": draw(st.sampled_from(("industry", "corporate"))),
            "topics": draw(st.lists(st.sampled_from(("ai", "hr", "cloud")), max_size=2)),
        }
    if verb in ("share", "post", "kudos") and draw(st.booleans()):
        action["text"] = draw(
            st.sampled_from(
                (
                    "what our Lyon team learned shipping this in three months",
                    "a short note on why this matters to our customers today",
                    "thank you for the help with the quarterly review",
                )
            )
        )
    if verb == "post":
        action["channel"] = "linkedin"
    if verb == "kudos":
        action["target"] = draw(st.sampled_from([m for m in MEMBERS if m != member]))
    return action


def _enrol(engine: Engagement) -> None:
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    for member in MEMBERS:
        engine.members.upsert(member, timezone="Europe/Paris", team="Sales", opted_in=True)


def _run(engine: Engagement, ops: list[tuple[str, Any]], rules: Path) -> list[Any]:
    """Apply ``ops``; what each returned, in a form both engines can compare."""
    seen: list[Any] = []
    for op, arg in ops:
        try:
            if op == "record":
                award = engine.record(arg[0])
                seen.append((award.points, award.summary, [b.label for b in award.badges]))
            elif op == "batch":
                awards = engine.record_many(arg)
                seen.append([(a.points, a.summary, [b.label for b in a.badges]) for a in awards])
            elif op == "revoke":
                seen.append(engine.revoke(arg, "test").points)
            elif op == "erase":
                engine.members.erase(arg)
                engine.members.upsert(arg, timezone="Europe/Paris", team="Sales")
                seen.append("erased")
            elif op == "grant":
                seen.append(engine.badges.grant(*arg, reason="test").label)
            elif op == "unbadge":
                seen.append(len(engine.badges.revoke(*arg, reason="test")))
            elif op == "consent":
                member, yes = arg
                (engine.members.opt_in if yes else engine.members.opt_out)(member)
                seen.append(("consent", yes))
            else:
                seen.append(("rules", engine.activate_rules(rules).version))
        except EngagementError as error:  # e.g. revoking an action already revoked
            seen.append(type(error).__name__)
    totals = engine.ledger.totals()
    seen.append({m: totals.get(m) for m in MEMBERS})
    seen.append({m: sorted(engine.badges.earned(m)) for m in MEMBERS})
    return seen


def _check_restored_states(engine: Engagement) -> int:
    """Each snapshot, restored, against a rebuild from the database; how many checked."""
    checked = 0
    with engine.database.connect() as connection:
        ruleset = engine.active_rules()
        rows = connection.execute(
            select(members.c.id, members.c.member_id, members.c.event_seq, members.c.team)
            .join(member_snapshots, member_snapshots.c.member_pk == members.c.id)
            .where(member_snapshots.c.ruleset_version == ruleset.version)
        ).all()
        for pk, member_id, seq, team in rows:
            restored = snapshots.restore(connection, pk, member_id, seq + 1, ruleset)
            assert restored is not None, member_id
            person = Person(pk, member_id, team, None, seq, 0)
            rebuilt = load_member_states(connection, ruleset, [person])[pk]
            assert restored.badge_points == rebuilt.points - sum(
                fact.points for fact in restored.since
            )
            # The snapshot's badge indexes brought up to date through the state's own
            # methods (the template test decides on each fact as it is added).
            awarded = restored_state(connection, ruleset, person, restored)
            state_indexes = {key: _series(index) for key, index in awarded.indexes.items()}
            expected = {key: _series(index) for key, index in rebuilt.indexes.items()}
            assert _tidy(state_indexes) == _tidy(expected), member_id
            stored = {
                period: (frozenset(m.split(SEPARATOR)) if m else frozenset(), int(points))
                for period, m, points in connection.execute(
                    select(scores.c.period, scores.c.marks, scores.c.points).where(
                        scores.c.member_pk == pk
                    )
                )
            }
            for period, kept in restored.history.boards.items():
                assert stored.get(period, (frozenset(), 0)) == kept, (member_id, period)
            # The awards: those the snapshot knew, and the rows written since.
            for held in ("held", "issued", "completed", "blocked"):
                assert getattr(awarded, held) == getattr(rebuilt, held), (member_id, held)
            checked += 1
    return checked


def _series(index: Any) -> dict[Any, list[tuple[float, float]]]:
    return {
        key: list(zip(times, values, strict=True))
        for key, (times, values) in index.series().items()
    }


def _tidy(indexes: dict[str, dict[Any, list[tuple[float, float]]]]) -> dict[str, Any]:
    return {
        goal: {key: sorted(pairs) for key, pairs in series.items() if pairs}
        for goal, series in indexes.items()
        if any(series.values())
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=histories())
@example(  # a batch whose late kudos thank a member whose snapshot it restores
    ops=[
        (
            "record",
            [
                {
                    "key": "a1",
                    "member": "ben",
                    "verb": "post",
                    "channel": "linkedin",
                    "at": "2026-07-20T10:00:00+02:00",
                }
            ],
        ),
        (
            "record",
            [
                {
                    "key": "a2",
                    "member": "ben",
                    "verb": "post",
                    "channel": "intranet",
                    "at": "2026-07-23T12:00:00+02:00",
                }
            ],
        ),
        (
            "record",
            [
                {
                    "key": "a3",
                    "member": "cleo",
                    "verb": "post",
                    "channel": "linkedin",
                    "at": "2026-07-24T06:00:00+02:00",
                }
            ],
        ),
        (
            "batch",
            [
                {
                    "key": "a4",
                    "member": "cleo",
                    "verb": "kudos",
                    "target": "ben",
                    "at": "2026-07-24T05:00:00+02:00",
                },
                {
                    "key": "a5",
                    "member": "ben",
                    "verb": "post",
                    "channel": "linkedin",
                    "at": "2026-07-29T09:00:00+02:00",
                },
            ],
        ),
    ]
)
def test_snapshots_give_what_a_rebuild_from_the_log_gives(
    ops: list[tuple[str, Any]], database_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "changed.yaml"
    rules.write_text(CHANGED_RULES, encoding="utf-8")
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    with (
        Engagement(database_url, history_cache_size=0, snapshot_every=2) as snapshotting,
        Engagement(rebuilt_url, history_cache_size=0, snapshot_every=0) as rebuilding,
    ):
        for engine in (snapshotting, rebuilding):
            engine.drop_schema()
            _enrol(engine)
        assert _run(snapshotting, ops, rules) == _run(rebuilding, ops, rules)
        _check_restored_states(snapshotting)
        with rebuilding.database.connect() as connection:
            assert connection.execute(select(member_snapshots)).first() is None


def _posts(engine: Engagement, count: int) -> None:
    """``count`` original posts by alice, an hour apart."""
    engine.members.upsert("alice", timezone="Europe/Paris")
    for n in range(count):
        engine.record(
            {
                "key": f"s{n}",
                "member": "alice",
                "verb": "post",
                "at": (MONDAY + timedelta(hours=n)).isoformat(),
                "channel": "linkedin",
            }
        )


def _share(n: int) -> dict[str, Any]:
    """Alice's ``n``-th share, of its own item, three hours after the previous one."""
    return {
        "key": f"s{n}",
        "member": "alice",
        "verb": "share",
        "at": (MONDAY + timedelta(hours=3 * n)).isoformat(),
        "channel": "linkedin",
        "content": {"id": f"c{n}", "topics": ["ai"]},
    }


def test_a_snapshot_is_read_and_written_by_another_process(engine: Engagement) -> None:
    """A fresh engine (another process: nothing cached) starts from the snapshot."""
    engine.members.upsert("alice", timezone="Europe/Paris")
    for n in range(40):
        engine.record(_share(n))
    with engine.database.connect() as connection:
        seq = connection.execute(select(member_snapshots.c.seq)).scalar_one()
    assert 40 - snapshots.EVERY < seq <= 40  # written every EVERY actions
    assert _check_restored_states(engine) == 1


def test_a_batch_writes_its_members_score_rows_into_their_snapshots(
    engine: Engagement,
) -> None:
    """An import's snapshots hold the rows of the periods members act in next, so that
    a process restoring one does not read the rows one by one."""
    engine.members.upsert("alice", timezone="Europe/Paris")
    engine.record_many(_share(n) for n in range(20))
    ruleset = engine.active_rules()
    with engine.database.connect() as connection:
        pk, seq = connection.execute(
            select(members.c.id, members.c.event_seq).where(members.c.member_id == "alice")
        ).one()
        restored = snapshots.restore(connection, pk, "alice", seq + 1, ruleset)
    assert restored is not None
    periods = ruleset.boards.periods((MONDAY + timedelta(hours=3 * 19)).timestamp())
    assert set(restored.history.boards) == set(periods)
    assert _check_restored_states(engine) == 1  # and they are the rows' content


def test_a_snapshot_of_another_ruleset_version_is_never_used(
    engine: Engagement, tmp_path: Path
) -> None:
    _posts(engine, 20)
    rules = tmp_path / "changed.yaml"
    rules.write_text(CHANGED_RULES, encoding="utf-8")
    ruleset = engine.activate_rules(rules)
    with engine.database.connect() as connection:
        pk, seq = connection.execute(
            select(members.c.id, members.c.event_seq).where(members.c.member_id == "alice")
        ).one()
        assert snapshots.restore(connection, pk, "alice", seq + 1, ruleset) is None


def test_revoking_an_action_discards_the_members_snapshot(engine: Engagement) -> None:
    _posts(engine, 20)
    engine.revoke("s3", "deleted")
    with engine.database.connect() as connection:
        assert connection.execute(select(member_snapshots)).first() is None


@pytest.mark.parametrize("every", [-1, True, "16", 100_001])
def test_snapshot_every_must_be_a_count(every: object, tmp_path: Path) -> None:
    with pytest.raises(EngagementError, match="snapshot_every: a number of actions"):
        Engagement(f"sqlite:///{tmp_path / 'x.db'}", snapshot_every=every)  # type: ignore[arg-type]


def test_awards_changed_after_a_snapshot_are_read_on_restore(engine: Engagement) -> None:
    """A snapshot keeps the awards it knew; what HR granted or revoked since is read
    from the rows written after it, so a restored state holds what a rebuild holds."""
    _posts(engine, 20)  # earns first-post (and more) before the snapshot at action 16
    engine.badges.revoke("alice", "first-post", reason="posted by mistake")
    engine.badges.grant("alice", "spotlight", reason="a post that made a difference")
    with engine.database.connect() as connection:
        seq = connection.execute(select(member_snapshots.c.seq)).scalar_one()
    assert 1 < seq <= 21  # written before HR changed anything
    assert _check_restored_states(engine) == 1
    earned = engine.badges.earned("alice")
    assert "first-post" not in earned and "spotlight" in earned


def test_trimmed_snapshots_score_a_year_as_a_rebuild_does(
    engine: Engagement, tmp_path: Path
) -> None:
    """Stored histories are trimmed to the rules' windows (90 days for reused words, a
    month for variety): a year of varied actions, some arriving late, scores the same
    from snapshots as from the log."""
    draw = random.Random(7)
    # Forty different comments, so that a comment comes back every few months: inside
    # the 90-day reuse window or just past it.
    places = ("Lyon", "Berlin", "Porto", "Gdansk", "Leeds", "Turin", "Ghent", "Malmo")
    subjects = ("migration", "launch", "audit", "hiring drive", "customer survey")
    texts = [
        f"what our {place} office learned from the {subject} this quarter, honestly told"
        for place in places
        for subject in subjects
    ]
    actions = []
    for n in range(260):
        day = n * 1.4 + (draw.uniform(-40, 0) if n % 4 == 0 else 0)  # every 4th is late
        action: dict[str, Any] = {
            "key": f"y{n}",
            "member": "ana",
            "verb": draw.choice(("share", "share", "share", "post", "read")),
            "at": (MONDAY + timedelta(days=max(day, 0))).isoformat(),
            "channel": draw.choice(("linkedin", "xing")),
        }
        if action["verb"] != "post":
            action["content"] = {
                "id": f"c{draw.randrange(40)}",
                "kind": draw.choice(("industry", "corporate")),
                "topics": [draw.choice(("ai", "hr", "cloud"))],
            }
        if action["verb"] != "read" and draw.random() < 0.8:
            action["text"] = draw.choice(texts)
        actions.append(action)
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    with (
        Engagement(engine.database, history_cache_size=0, snapshot_every=2) as snapshotting,
        Engagement(rebuilt_url, history_cache_size=0, snapshot_every=0) as rebuilding,
    ):
        _enrol(rebuilding)
        for each in (snapshotting, rebuilding):
            each.members.upsert("ana", timezone="Europe/Paris", team="Sales")
        for action in actions:
            assert snapshotting.record(action).summary == rebuilding.record(action).summary
        with engine.database.connect() as connection:
            since = connection.execute(select(member_snapshots.c.seq)).scalar_one()
        assert since > 200
        assert _check_restored_states(snapshotting) == 1


def test_indexes_a_restore_did_not_read_are_stored_with_the_facts_added_since(
    engine: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that restored a member writes back the indexes its action did not
    read as it read them, with the facts added to them since (at most ``CARRIED``),
    instead of unpacking them; restoring that gives what a rebuild gives."""
    monkeypatch.setattr(snapshots, "CARRIED", 3)
    engine.members.upsert("alice", timezone="Europe/Paris")
    verbs = ("share", "post", "read", "share", "share", "post")
    with Engagement(engine.database, history_cache_size=0, snapshot_every=2) as cold:
        for n in range(36):
            action = _share(n)
            action["verb"] = verbs[n % len(verbs)]
            if action["verb"] == "post":
                del action["content"]
            cold.record(action)
        with cold.database.connect() as connection:
            state = connection.execute(select(member_snapshots.c.state)).scalar_one()
        _, _, scoring, _, badges = marshal.loads(state)
        stored = [*scoring.values(), *badges[1].values()]
        carried = [added for each in stored if isinstance(each, tuple) for added in [each[1]]]
        assert carried, "every index was unpacked to be written"
        assert all(0 < len(added) <= 3 for added in carried)
        assert _check_restored_states(cold) == 1
