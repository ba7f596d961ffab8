"""The compiled dump of the response schemas gives what marshmallow's own gives."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import marshmallow as ma
import pytest
from conftest import ACTION
from flask import Flask

from engagement import Engagement
from engagement.flask import _dump, queries
from engagement.flask import schemas as s
from engagement.flask import schemas_admin as sa
from engagement.preview import preview


def both(schema: Callable[[], ma.Schema], obj: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = schema()
    compiled = instance.dump(obj)
    assert instance.__dict__["_plan"] is not None  # the compiled path did the work
    with monkeypatch.context() as patch:
        patch.setattr(_dump, "_compile", lambda schema: None)
        reference = schema().dump(obj)
    assert compiled == reference


def test_every_response_dumps_as_marshmallow_would(
    app: Flask, host: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    award = host.record({**ACTION, "key": "li:1", "member": "alice"})
    host.record({**ACTION, "key": "xing:1", "member": "alice", "channel": "xing"})
    host.record({"key": "k:1", "member": "bob", "verb": "kudos", "target": "alice",
                 "at": ACTION["at"]})  # fmt: skip
    host.badges.grant("alice", "spotlight", reason="post of the month")
    with app.test_request_context():
        cases: list[tuple[Callable[[], ma.Schema], Any]] = [
            (s.AwardOut, award),
            (s.SummaryOut, queries.summary(host, "alice", page=1, per_page=5, locale="fr")),
            (s.LeaderboardOut, host.boards.top("all")),
            (s.AroundOut, host.boards.standing("carol", "all", k=2)),
            (s.ProfileOut, queries.profile(host, "alice", None)),
            (lambda: s.CatalogueBadgeOut(many=True), queries.catalogue(host, "alice", True, None)),
            (s.MemberOut, host.members.get("alice")),
            (s.ExportOut, host.members.export("alice")),
            (sa.PreviewOut, preview(host, host.active_rules()).to_json()),
            (sa.RevocationOut, host.revoke("li:1", "deleted")),
            (sa.AdjustmentOut, host.ledger.adjust("alice", -3, reason="typo «x»", key="a")),
            (lambda: sa.BadgeRevokedOut(many=True),
             host.badges.revoke("alice", "spotlight", reason="by mistake")),
            (sa.ReportOut, host.analytics.report("all", by_team=True).to_json()),
        ]  # fmt: skip
        for schema, obj in cases:
            both(schema, obj, monkeypatch)


def test_a_missing_attribute_is_left_out_and_none_stays_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    both(s.LevelOut, {"points": 3, "level": 1, "name": None}, monkeypatch)
    both(s.TierOut, {"name": "", "target": float("inf"), "image": "badge.svg"}, monkeypatch)


def test_objects_lacking_a_field_and_values_of_other_types(monkeypatch: pytest.MonkeyPatch) -> None:
    level = SimpleNamespace(points=True, level=2.9, name=None, next_level=None, next_name=5,
                            points_to_next=7)  # fmt: skip
    both(s.LevelOut, level, monkeypatch)
    both(s.LevelOut, SimpleNamespace(points=1, level=1), monkeypatch)  # the rest left out
    both(s.StepOut, SimpleNamespace(rule=5, op="add", value=float("inf"), text=""), monkeypatch)
