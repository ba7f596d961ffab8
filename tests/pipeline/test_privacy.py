"""Consent, erasure and export: what a European HR department must be able to do."""

from __future__ import annotations

import json

import pytest
from conftest import BOARD_RULES, WEDNESDAY, Act, BoardEngine
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import Engagement, UnknownMemberError
from engagement.cli import main
from engagement.storage.tables import actions

KUDOS_RULES = (
    BOARD_RULES
    + """
rules:
  - id: kudos-repeat
    kind: diminishing_returns
    verbs: [kudos]
    same: [verb, target]
    window: week
    multipliers: [1, 0.5]
"""
)
MEMBERS = (("ana", "Sales", True), ("ben", "Sales", True), ("cleo", "HR", False))


def _text(member: str) -> str:
    return f"{member}'s own thoughts on this article, written for colleagues"


def _history(engine: Engagement, act: Act) -> None:
    engine.record_many(
        [
            act("ana", text=_text("ana")),
            act("ben", text=_text("ben")),
            act("ana", "kudos", target="ben", text="Thanks Ben for the intro!"),
            act("cleo", "kudos", target="ben", text="Great talk Ben"),
            act("cleo", "kudos", target="ben", days=0.1),
        ]
    )
    engine.boards.set_group("pilot", ["ana", "ben"])


def test_opting_out_and_in_changes_every_board_and_nothing_else(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS)
    _history(engine, act)
    before = engine.ledger.points("ana")
    assert engine.members.opt_out("ana").opted_in is False
    for period in ("week", "month", "all", "season:autumn"):
        assert "ana" not in [s.member for s in engine.boards.top(period, at=WEDNESDAY).entries]
    assert engine.boards.standing("ana", "all").me.public is False
    assert engine.ledger.points("ana") == before
    assert engine.members.opt_in("cleo").opted_in is True
    assert "cleo" in [s.member for s in engine.boards.top("all").entries]
    with pytest.raises(UnknownMemberError, match="unknown member 'zoe'"):
        engine.members.opt_in("zoe")


def test_consent_given_in_a_rolled_back_transaction_is_not_given(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS)
    _history(engine, act)
    with Session(engine.database) as session:
        engine.members.opt_in("cleo", session=session)
        session.rollback()
    assert "cleo" not in [s.member for s in engine.boards.top("all").entries]


def test_erasure_removes_what_identifies_and_keeps_the_numbers(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(MEMBERS, rules=KUDOS_RULES)
    _history(engine, act)
    totals = engine.ledger.totals()
    erasure = engine.members.erase("ben")
    assert (erasure.member, erasure.texts_removed, erasure.mentions_replaced) == ("ben", 1, 3)
    assert erasure.pseudonym.startswith("erased-")
    assert engine.members.get("ben") is None
    anonymous = engine.members.get(erasure.pseudonym)
    assert anonymous is not None
    assert (anonymous.display_name, anonymous.team, anonymous.opted_in) == (None, "Sales", False)
    # Every total is unchanged; ben's now lives under the pseudonym.
    after = engine.ledger.totals()
    assert after.pop(erasure.pseudonym) == totals.pop("ben")
    assert after == totals
    with engine.database.connect() as connection:
        rows = connection.execute(select(actions.c.key, actions.c.text, actions.c.target)).all()
    assert all("ben" not in (text or "") or key.startswith("cleo") or key.startswith("ana")
               for key, text, _ in rows)  # fmt: skip
    assert [target for _, _, target in rows if target] == [erasure.pseudonym] * 3
    texts = [e.explanation for e in engine.ledger.entries("cleo")]
    assert "ben" not in json.dumps(texts) and erasure.pseudonym in json.dumps(texts)
    assert [s.member for s in engine.boards.top("all").entries] == ["ana"]
    assert engine.boards.top(group="pilot", period="all").participants == 1
    # Erasure keeps the log a pure function of itself: replay finds nothing to change.
    assert engine.replay().changed == 0
    assert engine.boards.rebuild(check=True).consistent


def test_an_erased_id_can_join_again_as_a_new_member(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(MEMBERS)
    _history(engine, act)
    engine.members.erase("ben")
    engine.members.upsert("ben", opted_in=True)
    assert engine.ledger.points("ben") == 0
    assert engine.badges.earned("ben") == []
    with pytest.raises(UnknownMemberError):
        engine.members.erase("zoe")


def test_export_holds_everything_on_the_member(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(MEMBERS)
    _history(engine, act)
    first = next(e.key for e in engine.ledger.entries("ana") if e.rule_id == "verbs.share")
    engine.analytics.report_metrics(first, impressions=120, clicks=3)
    engine.revoke(first, "shared by mistake")
    data = engine.members.export("ana")
    assert json.loads(json.dumps(data)) == data
    assert data["member"]["member_id"] == "ana"
    assert sorted((a["verb"], a["text"], a["revoked"]) for a in data["actions"]) == [
        ("kudos", "Thanks Ben for the intro!", False),
        ("share", _text("ana"), True),
    ]
    revoked = next(a for a in data["actions"] if a["revoked"])
    assert revoked["revoked_reason"] == "shared by mistake"
    assert sorted(e["entry_kind"] for e in data["ledger"]) == ["award", "award", "revocation"]
    assert {row["period"] for row in data["leaderboard_rows"]} >= {"all", "week:2026-11-16"}
    assert data["groups"] == ["pilot"]
    assert [(r["key"], r["impressions"], r["clicks"]) for r in data["metric_reports"]] == [
        (first, 120, 3)
    ]
    assert data["actions_naming_member"] == 0
    assert engine.members.export("ben")["actions_naming_member"] == 3


def test_the_commands_export_and_erase(
    board_engine: BoardEngine, act: Act, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = board_engine(MEMBERS)
    _history(engine, act)
    assert main(["export-member", "ana", "--db", database_url]) == 0
    assert json.loads(capsys.readouterr().out)["member"]["member_id"] == "ana"
    assert main(["erase-member", "ana", "--db", database_url]) == 2
    assert "cannot be undone: run again with --yes" in capsys.readouterr().err
    assert engine.members.get("ana") is not None
    assert main(["erase-member", "ana", "--db", database_url, "--yes"]) == 0
    assert capsys.readouterr().out.startswith("ana erased: now erased-")
    assert engine.members.get("ana") is None


def test_erasure_drops_outbox_messages_about_the_member_and_renames_mentions(
    board_engine: BoardEngine, act: Act, database_url: str
) -> None:
    board_engine(MEMBERS)
    with Engagement(database_url, outbox=True) as engine:
        for action in (
            act("ben", text=_text("ben")),
            act("ana", "kudos", target="ben", text="Thanks Ben for the intro!"),
        ):
            engine.record(action)
        about_ben = [m for m in engine.outbox.messages(limit=None) if m.member == "ben"]
        assert about_ben  # his own share was announced
        erasure = engine.members.erase("ben")
        left = engine.outbox.messages(limit=None)
        assert [m for m in left if m.member in ("ben", erasure.pseudonym)] == []
        text = json.dumps([m.payload for m in left])
        assert '"ben"' not in text
        assert erasure.pseudonym in text  # ana's kudos to him
