"""The write stage: the log, the award entries and the score rows, for one action or
many, and compensating entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from conftest import MONDAY
from sqlalchemy import func, select

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.core.actions import parse_action
from engagement.core.history import MemberHistory
from engagement.leaderboards import tallies
from engagement.leaderboards.book import Owner, ScoreChanges
from engagement.pipeline import persist
from engagement.pipeline.persist import Scored
from engagement.pipeline.scorer import AskTheLog, Scorer
from engagement.storage.tables import actions, ledger, members


@pytest.fixture
def programme(database_url: str) -> Iterator[Engagement]:
    with Engagement(database_url) as engine:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        engine.members.upsert("ana", opted_in=True)
        yield engine


def _post(key: str, hours: float) -> dict[str, Any]:
    return {
        "key": key,
        "member": "ana",
        "verb": "post",
        "at": (MONDAY + timedelta(hours=hours)).isoformat(),
        "channel": "linkedin",
    }


def _write(engine: Engagement, posts: list[dict[str, Any]], first_seq: int) -> dict[str, int]:
    """Score ``posts`` for ana and write them in one call, in one transaction."""
    ruleset = engine.active_rules()
    with engine.database.begin() as connection:
        pk, team, opted_in = connection.execute(
            select(members.c.id, members.c.team, members.c.opted_in)
        ).one()
        scorer = Scorer(ruleset, AskTheLog(connection, ruleset))
        history = MemberHistory(ruleset)
        scored = []
        for seq, post in enumerate(posts, start=first_seq):
            action = parse_action(post)
            row, fact = scorer.logged(action, member_pk=pk, seq=seq, tz_name="Europe/Paris")
            scored.append(Scored(row, fact, scorer.score(action, row, fact, history)))
        ids = persist.write(connection, ruleset, scored, {pk: Owner(team, bool(opted_in))})
        tallies.flush(connection)  # what the engine's unit of work does before committing
        return ids


def _counts(engine: Engagement) -> tuple[int, int]:
    with engine.database.connect() as connection:
        logged = connection.execute(select(func.count()).select_from(actions)).scalar_one()
        entries = connection.execute(select(func.count()).select_from(ledger)).scalar_one()
    return logged, entries


def test_one_action_is_logged_with_its_award_once(programme: Engagement) -> None:
    first = _write(programme, [_post("p1", 0)], 1)
    again = _write(programme, [_post("p1", 0)], 2)

    assert list(first) == ["p1"]
    assert again == {}  # the key is taken: nothing written, the caller answers
    assert _counts(programme) == (1, 1)
    assert programme.ledger.points("ana") == programme.record(_post("p1", 0)).points
    report = programme.boards.rebuild(check=True)
    assert (report.differences, report.tally_differences) == (0, 0)


def test_many_actions_skip_the_keys_already_taken(programme: Engagement) -> None:
    programme.record(_post("p2", 1))

    ids = _write(programme, [_post("p1", 0), _post("p2", 1), _post("p3", 2)], 2)

    assert sorted(ids) == ["p1", "p3"]
    assert _counts(programme) == (3, 3)  # one award entry per logged action
    report = programme.boards.rebuild(check=True)
    assert (report.differences, report.tally_differences) == (0, 0)


def test_compensating_entries_move_the_score_rows_with_the_ledger(
    programme: Engagement,
) -> None:
    award = programme.record(_post("p1", 0))
    ruleset = programme.active_rules()
    with programme.database.begin() as connection:
        pk, action_id = connection.execute(select(actions.c.member_pk, actions.c.id)).one()
        changes = ScoreChanges(ruleset.boards)
        changes.adjusted(pk, MONDAY.timestamp(), -award.points)
        persist.compensate(
            connection,
            [
                {
                    "action_id": action_id,
                    "member_pk": pk,
                    "entry_kind": "rescore",
                    "points": -award.points,
                    "rule_id": "rescore",
                    "ruleset_version": ruleset.version,
                    "explanation": {"steps": []},
                    "created_at": MONDAY,
                }
            ],
            changes,
        )
        tallies.flush(connection)

    assert programme.ledger.points("ana") == 0
    assert _counts(programme) == (1, 2)  # appended, nothing edited
    report = programme.boards.rebuild(check=True)
    assert (report.differences, report.tally_differences) == (0, 0)
