"""The boundary: every field's limit, its message, and that a refused input writes
nothing, on SQLite and PostgreSQL alike (see docs/design.md, "The boundary")."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import ActionFactory, row_counts

from engagement import (
    Engagement,
    InvalidActionError,
    InvalidInputError,
    Limits,
    UnknownActionError,
    UnknownMemberError,
)
from engagement.core.limits import MAX_COUNT
from engagement.storage.tables import actions

COMPOSED = "L\u00e9a"
DECOMPOSED = "Le\u0301a"


@pytest.fixture
def engine_ab(engine: Engagement) -> Engagement:
    """The default rules, with alice and bob enrolled."""
    engine.members.upsert("alice", display_name="Alice", timezone="Europe/Paris")
    engine.members.upsert("bob", timezone="Europe/Paris")
    return engine


@pytest.fixture
def unchanged(engine_ab: Engagement) -> Iterator[Callable[[], None]]:
    """Call it after a refused input: no table gained or lost a row."""
    before = row_counts(engine_ab)

    def check() -> None:
        assert row_counts(engine_ab) == before

    yield check


# -- reach counters ----------------------------------------------------------------


def test_counters_up_to_2_53_are_stored_and_reported(
    engine_ab: Engagement, make_action: ActionFactory
) -> None:
    big = {"impressions": MAX_COUNT, "clicks": MAX_COUNT, "reactions": MAX_COUNT}
    first = make_action(metrics=big)
    engine_ab.record(first)
    engine_ab.record(make_action(metrics=big))
    engine_ab.record(make_action(member="bob", metrics={"impressions": 2**31}))
    engine_ab.analytics.report_metrics(first["key"], impressions=MAX_COUNT, clicks=MAX_COUNT)
    reach = engine_ab.analytics.report("all").overall.reach
    assert (reach.impressions, reach.clicks) == (2 * MAX_COUNT + 2**31, 2 * MAX_COUNT)


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"impressions": MAX_COUNT + 1}, "metrics.impressions: more than the limit of"),
        ({"clicks": 10**30}, "metrics.clicks: more than the limit of 9007199254740992"),
        ({"reactions": 1e30}, r"metrics.reactions: more than the limit of \d+ \(2\*\*53\)"),
        ({"impressions": -1}, "metrics.impressions: Input should be greater than or equal to 0"),
        ({"impressions": "many"}, "metrics.impressions: Input should be a valid integer"),
    ],
)
def test_an_action_s_counters_stay_within_0_and_2_53(
    engine_ab: Engagement,
    make_action: ActionFactory,
    unchanged: Callable[[], None],
    metrics: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(InvalidActionError, match=message):
        engine_ab.record(make_action(metrics=metrics))
    with pytest.raises(InvalidActionError, match=message):
        engine_ab.record_many([make_action(), make_action(metrics=metrics)])
    unchanged()


@pytest.mark.parametrize(
    ("counters", "message"),
    [
        ({"impressions": 10**30}, "impressions: 10{30} is more than the limit of 9007199254740992"),
        ({"clicks": 2**200}, r"clicks: an integer of 201 bits is more than the limit of \d+ "),
        ({"reactions": -3}, "reactions: a count, 0 or more, not -3"),
        ({"reactions": True}, "reactions: a whole number, not True"),
        ({"clicks": 2.5}, "clicks: a whole number, not 2.5"),
        ({}, "metrics: give at least one of impressions, clicks or reactions"),
    ],
)
def test_a_report_s_counters_stay_within_0_and_2_53(
    engine_ab: Engagement,
    make_action: ActionFactory,
    counters: dict[str, Any],
    message: str,
) -> None:
    key = make_action()["key"]
    engine_ab.record(make_action(key=key))
    before = row_counts(engine_ab)
    with pytest.raises(InvalidInputError, match=message):
        engine_ab.analytics.report_metrics(key, **counters)
    assert row_counts(engine_ab) == before


def test_a_report_s_key_and_date_are_checked_too(
    engine_ab: Engagement, unchanged: Callable[[], None]
) -> None:
    report = engine_ab.analytics.report_metrics
    with pytest.raises(InvalidInputError, match=r"key: holds a NUL character \(U\+0000\)"):
        report("a\x00b", impressions=1)
    with pytest.raises(InvalidInputError, match="key: a non-empty string of at most 255"):
        report(42, impressions=1)  # type: ignore[arg-type]
    year_one = datetime(1, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match=r"at: 0001-01-01T00:00:00\+00:00 is before"):
        report("nothing", impressions=1, at=year_one)
    with pytest.raises(UnknownActionError):
        report("nothing", impressions=1)
    unchanged()


# -- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (
            "0001-01-01T00:00:00+02:00",
            r"at: 0001-01-01T00:00:00\+02:00 is before 2000-01-01T00:00:00\+00:00, "
            r"the earliest accepted \(Limits.earliest\)",
        ),
        (
            "9999-12-31T23:00:00-02:00",
            r"at: 9999-12-31T23:00:00-02:00 is not before 2100-01-01T00:00:00\+00:00, "
            r"the limit \(Limits.latest\)",
        ),
        ("1999-12-31T23:59:59+00:00", "is before 2000-01-01"),
        ("2026-07-06T09:00:00", "at: needs a time zone offset"),
    ],
)
def test_actions_are_dated_within_the_window(
    engine_ab: Engagement,
    make_action: ActionFactory,
    unchanged: Callable[[], None],
    at: str,
    message: str,
) -> None:
    action = {**make_action(), "at": at}
    with pytest.raises(InvalidActionError, match=message):
        engine_ab.record(action)
    with pytest.raises(InvalidActionError, match=message):
        engine_ab.record_many([make_action(), action])
    unchanged()


def test_the_window_is_configurable(database_url: str, make_action: ActionFactory) -> None:
    now = datetime.now(UTC)
    limits = Limits(earliest=datetime(1990, 1, 1, tzinfo=UTC), future=timedelta(days=1))
    with Engagement(database_url, limits=limits) as engine:
        engine.create_schema()
        engine.activate_rules(engine.load_rules_text("verbs: {post: {points: 1}}"))
        engine.members.upsert("alice")
        assert engine.record(make_action(verb="post", at=datetime(1995, 5, 5, tzinfo=UTC)))
        assert engine.record(make_action(verb="post", at=now + timedelta(hours=23)))
        with pytest.raises(InvalidActionError, match=r"is more than 1 day, 0:00:00 after now"):
            engine.record(make_action(verb="post", at=now + timedelta(days=2)))
        with pytest.raises(InvalidInputError, match=r"\(Limits.future\)"):
            engine.analytics.report_metrics("k", clicks=1, at=now + timedelta(days=2))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topics": -1}, "limits: topics: a whole number from 0 to 1000, not -1"),
        ({"topic_length": 256}, "limits: topic_length: a whole number from 1 to 255, not 256"),
        ({"earliest": datetime(2000, 1, 1)}, "limits: earliest: an aware datetime"),
        ({"latest": datetime(2300, 1, 1, tzinfo=UTC)}, "latest: from 1970-01-01 to 2200-01-01"),
        ({"latest": datetime(1999, 1, 1, tzinfo=UTC)}, "limits: latest: must come after earliest"),
        ({"future": timedelta(days=400)}, "future: None or a timedelta from 0 to 366 days"),
    ],
)
def test_limits_out_of_their_own_range_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Limits(**fields)


def test_an_engine_takes_limits_only(tmp_path: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"limits: an engagement\.Limits, not"):
        Engagement(f"sqlite:///{tmp_path / 'x.db'}", limits={"topics": 3})  # type: ignore[arg-type]


# -- text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "a\x00b"}, r"^key: holds a NUL character \(U\+0000\), which no text may hold$"),
        ({"text": "fine\x00"}, r"text: holds a NUL character \(U\+0000\)"),
        ({"text": "x\ud800y"}, r"text: holds a lone surrogate \(U\+D800\), which is not text"),
        ({"member": "al\ud800ice"}, r"member: holds a lone surrogate \(U\+D800\)"),
        ({"member": "al\udcffice"}, r"member: holds a lone surrogate \(U\+DCFF\)"),
        ({"channel": "in\x00"}, "channel: holds a NUL character"),
        ({"content": {"id": "c\x00"}}, "content.id: holds a NUL character"),
        ({"content": {"id": "c", "topics": ["ai", "\x00"]}}, "content.topics.1: holds a NUL"),
        ({"content": {"id": "c", "suggested_text": "\ud83d"}}, "suggested_text: holds a lone"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_everywhere(
    engine_ab: Engagement,
    make_action: ActionFactory,
    unchanged: Callable[[], None],
    change: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(InvalidActionError, match=message):
        engine_ab.record({**make_action(), **change})
    unchanged()


def test_a_name_typed_two_ways_is_one_member(
    engine: Engagement, make_action: ActionFactory
) -> None:
    assert COMPOSED != DECOMPOSED
    assert unicodedata.normalize("NFC", DECOMPOSED) == COMPOSED
    engine.members.upsert(COMPOSED, display_name=DECOMPOSED, team=f"{DECOMPOSED}'s team")
    member = engine.members.upsert(DECOMPOSED, locale="fr")
    assert (member.member_id, member.display_name, member.team, member.locale) == (
        COMPOSED,
        COMPOSED,
        f"{COMPOSED}'s team",
        "fr",
    )
    award = engine.record(
        make_action(
            member=DECOMPOSED,
            key=f"{DECOMPOSED}-1",
            content={"id": f"caf{chr(0x65)}\u0301", "topics": [f"r{chr(0x65)}\u0301seau"]},
        )
    )
    assert (award.member, award.key) == (COMPOSED, f"{COMPOSED}-1")
    assert engine.record(make_action(member=COMPOSED, key=f"{COMPOSED}-1")).duplicate
    with engine.database.connect() as connection:
        row = connection.execute(sa.select(actions.c.content_id, actions.c.topics)).one()
    assert (row.content_id, row.topics) == ("caf\u00e9", ["r\u00e9seau"])
    assert engine.members.get(DECOMPOSED) == engine.members.get(COMPOSED)
    assert engine.ledger.points(DECOMPOSED) == engine.ledger.points(COMPOSED) == award.points
    assert engine.ledger.entries(DECOMPOSED) == engine.ledger.entries(COMPOSED)
    assert engine.badges.level(DECOMPOSED).points == award.points
    assert engine.boards.set_group("pilot", [DECOMPOSED]) == 1
    standing = engine.boards.standing(DECOMPOSED, "all", group="pilot")
    assert standing.me is not None and standing.me.member == COMPOSED


# -- sizes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "k" * 256}, "^key: 256 characters, more than the limit of 255$"),
        ({"key": ""}, "^key: must not be empty$"),
        ({"verb": ""}, "verb: must not be empty"),
        ({"member": "m" * 10**7}, "member: 10000000 characters, more than the limit of 255"),
        ({"verb": "v" * 65}, "verb: 65 characters, more than the limit of 64"),
        ({"channel": "c" * 65}, "channel: 65 characters, more than the limit of 64"),
        ({"target": "t" * 256}, "target: 256 characters, more than the limit of 255"),
        ({"text": "w" * 5001}, "text: 5001 characters, more than the limit of 5000"),
        ({"text": "w" * 1_000_001}, "text: 1000001 characters, more than the limit of 1000000"),
        ({"content": {"id": "i" * 256}}, "content.id: 256 characters, more than the limit of 255"),
        ({"content": {"id": "c", "kind": "k" * 65}}, "content.kind: 65 characters, more than"),
        (
            {"content": {"id": "c", "topics": ["t"] * 21}},
            "content.topics: 21 topics, more than the limit of 20",
        ),
        (
            {"content": {"id": "c", "topics": ["t"] * 100_000}},
            "content.topics: 100000 topics, more than the limit of 1000",
        ),
        (
            {"content": {"id": "c", "topics": ["t" * 65]}},
            "content.topics.0: 65 characters, more than the limit of 64",
        ),
        (
            {"content": {"id": "c", "topics": ["t" * 10**7]}},
            "content.topics.0: 10000000 characters, more than the limit of 255",
        ),
        (
            {"content": {"id": "c", "suggested_text": "s" * 5001}},
            "content.suggested_text: 5001 characters, more than the limit of 5000",
        ),
    ],
)
def test_every_action_field_has_a_size_limit(
    engine_ab: Engagement,
    make_action: ActionFactory,
    unchanged: Callable[[], None],
    change: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(InvalidActionError, match=message):
        engine_ab.record({**make_action(), **change})
    unchanged()


def test_topic_limits_are_configurable(make_action: ActionFactory) -> None:
    with Engagement("sqlite://", limits=Limits(topics=100, topic_length=200)) as engine:
        engine.create_schema()
        engine.activate_rules(engine.load_rules_text("verbs: {share: {points: 1}}"))
        engine.members.upsert("alice")
        topics = [f"{n:03}" + "t" * 190 for n in range(100)]
        assert engine.record(make_action(content={"id": "c", "topics": topics})).points == 1
        with pytest.raises(InvalidActionError, match="101 topics, more than the limit of 100"):
            engine.record(make_action(content={"id": "c", "topics": [*topics, "x"]}))


@pytest.mark.parametrize(
    ("member_id", "fields", "message"),
    [
        ("m" * 256, {}, "^member_id: 256 characters, more than the limit of 255$"),
        ("", {}, "member_id: a non-empty string of at most 255 characters, not ''"),
        (7, {}, "member_id: a non-empty string of at most 255 characters, not 7"),
        ("a\x00", {}, r"member_id: holds a NUL character \(U\+0000\)"),
        ("carol", {"display_name": "n" * 10**7}, "display_name: 10000000 characters, more than"),
        ("carol", {"team": "t" * 256}, "team: 256 characters, more than the limit of 255"),
        ("carol", {"team": "x\ud800"}, r"team: holds a lone surrogate \(U\+D800\)"),
        ("carol", {"timezone": "Z" * 65}, "timezone: 65 characters, more than the limit of 64"),
        ("carol", {"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
        ("carol", {"locale": "l" * 17}, "locale: 17 characters, more than the limit of 16"),
        ("carol", {"locale": 5}, "locale: a non-empty string of at most 16 characters, not 5"),
        ("carol", {"opted_in": "yes"}, "opted_in: true or false, not 'yes'"),
        (
            "x\x00",
            {"display_name": 3, "team": "t" * 300},
            "member_id: holds a NUL .*; display_name: a non-empty .*; team: 300 characters",
        ),
    ],
)
def test_every_member_field_has_a_limit(
    engine_ab: Engagement,
    unchanged: Callable[[], None],
    member_id: Any,
    fields: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        engine_ab.members.upsert(member_id, **fields)
    with pytest.raises(InvalidInputError, match=message):
        engine_ab.members.upsert("alice" if member_id == "carol" else member_id, **fields)
    unchanged()
    assert engine_ab.members.get("alice").display_name == "Alice"  # type: ignore[union-attr]


def test_member_lookups_check_the_id(engine_ab: Engagement) -> None:
    calls: list[Callable[[str], object]] = [
        engine_ab.members.get,
        engine_ab.members.opt_in,
        engine_ab.members.erase,
        engine_ab.ledger.points,
        engine_ab.badges.earned,
        engine_ab.boards.standing,
        lambda member: engine_ab.boards.set_group("pilot", ["alice", member]),
        lambda member: engine_ab.badges.grant(member, "spotlight", reason="thanks"),
    ]
    before = row_counts(engine_ab)
    for call in calls:
        with pytest.raises(InvalidInputError, match="member_id: holds a NUL character"):
            call("bob\x00")
    with pytest.raises(InvalidInputError, match="reason: holds a NUL character"):
        engine_ab.badges.grant("bob", "spotlight", reason="thanks\x00")
    with pytest.raises(InvalidInputError, match="team: holds a lone surrogate"):
        engine_ab.boards.top("all", team="\udc00")
    with pytest.raises(InvalidInputError, match="team: 256 characters, more than the limit"):
        engine_ab.analytics.report("all", team="t" * 256)
    assert row_counts(engine_ab) == before


def test_record_many_takes_a_list_of_actions(
    engine_ab: Engagement, make_action: ActionFactory
) -> None:
    for wrong in (make_action(), "actions", 42, None):
        with pytest.raises(InvalidInputError, match=r"actions: a list .* of actions, not"):
            engine_ab.record_many(wrong)  # type: ignore[arg-type]


def test_a_revocation_s_key_and_reason_are_checked(
    engine_ab: Engagement, make_action: ActionFactory
) -> None:
    action = make_action()
    engine_ab.record(action)
    before = row_counts(engine_ab)
    with pytest.raises(InvalidInputError, match="key: holds a NUL character"):
        engine_ab.revoke("k\x00", "spam")
    with pytest.raises(InvalidInputError, match="reason: 10001 characters, more than the limit"):
        engine_ab.revoke(action["key"], "r" * 10_001)
    with pytest.raises(InvalidInputError, match="reason: say why the action is revoked"):
        engine_ab.revoke(action["key"], None)  # type: ignore[arg-type]
    assert row_counts(engine_ab) == before


# -- targets -----------------------------------------------------------------------


def _kudos(make_action: ActionFactory, target: str, member: str = "alice") -> dict[str, Any]:
    return make_action(member=member, verb="kudos", target=target)


def test_kudos_to_nobody_are_refused(
    engine_ab: Engagement, make_action: ActionFactory, unchanged: Callable[[], None]
) -> None:
    message = (
        "target: unknown member 'ghost'; an action can only be aimed at a member: "
        r"add them with members.upsert\(\) first"
    )
    with pytest.raises(UnknownMemberError, match=message):
        engine_ab.record(_kudos(make_action, "ghost"))
    with pytest.raises(UnknownMemberError, match="target: unknown members 'ghost', 'zed'"):
        engine_ab.record_many(
            [_kudos(make_action, "bob"), _kudos(make_action, "zed"), _kudos(make_action, "ghost")]
        )
    unchanged()
    assert engine_ab.ledger.points("alice") == 0
    assert engine_ab.record(_kudos(make_action, "bob")).points > 0


def test_an_import_creating_members_creates_the_colleagues_it_thanks(
    engine_ab: Engagement, make_action: ActionFactory
) -> None:
    awards = engine_ab.record_many(
        [_kudos(make_action, "dan", member="carol"), _kudos(make_action, "erin", member="bob")],
        create_members=True,
    )
    assert all(award.points > 0 for award in awards)
    for created in ("carol", "dan", "erin"):
        member = engine_ab.members.get(created)
        assert member is not None and member.opted_in is False


# -- edges -------------------------------------------------------------------------


def test_recording_a_revoked_key_again_says_it_was_revoked(
    engine_ab: Engagement, make_action: ActionFactory
) -> None:
    revoked, kept = make_action(), make_action()
    first = engine_ab.record(revoked)
    second = engine_ab.record(kept)
    assert second.points < first.points  # the same item again
    engine_ab.revoke(revoked["key"], "spam")
    before = row_counts(engine_ab)
    again = engine_ab.record(revoked)
    assert (again.duplicate, again.revoked, again.points) == (True, True, first.points)
    assert first.revoked is False
    many = engine_ab.record_many([kept, revoked, make_action()])
    assert [(a.duplicate, a.revoked) for a in many] == [(True, False), (True, True), (False, False)]
    assert row_counts(engine_ab)["engagement_actions"] == before["engagement_actions"] + 1
    # "kept" was re-scored as the first share once "revoked" was gone.
    assert engine_ab.ledger.points("alice") == first.points + many[2].points


ERASE_KEYS = """
timezone: Europe/Paris
privacy: {erase_keys: true}
verbs:
  share: {points: 10}
  kudos: {points: 5, target: required, content: none}
"""


@pytest.mark.parametrize("erase_keys", [True, False])
def test_erasure_replaces_keys_where_the_rule_file_says_so(
    database_url: str, make_action: ActionFactory, erase_keys: bool
) -> None:
    rules = ERASE_KEYS if erase_keys else ERASE_KEYS.replace("true", "false")
    with Engagement(database_url, outbox=True) as engine:
        engine.create_schema()
        engine.activate_rules(engine.load_rules_text(rules))
        for member in ("alice@corp.example", "bob@corp.example"):
            engine.members.upsert(member)
        own = engine.record(make_action(member="alice@corp.example", key="alice@corp.example:1"))
        thanks = engine.record(
            _kudos(make_action, "alice@corp.example", member="bob@corp.example")
            | {"key": "bob@corp.example thanks alice@corp.example"}
        )
        other = engine.record(make_action(member="bob@corp.example", key="bob-2"))
        erasure = engine.members.erase("alice@corp.example")
        with engine.database.connect() as connection:
            keys = set(connection.execute(sa.select(actions.c.key)).scalars())
        messages = [m.payload for m in engine.outbox.messages()]
    assert other.key in keys
    assert (own.key in keys, thanks.key in keys) == (not erase_keys, not erase_keys)
    assert erasure.keys_replaced == (2 if erase_keys else 0)
    if erase_keys:
        assert sorted(k for k in keys if k.startswith("erased-")) == sorted(keys - {other.key})
        assert "alice@corp.example" not in repr(messages)


def test_a_referral_names_a_candidate_who_is_not_a_member(engine: Engagement) -> None:
    """``target_is: anyone`` (the shipped referral): the target is any id the host gives."""
    engine.members.upsert("alice", timezone="Europe/Paris")
    award = engine.record(
        {
            "key": "ref-1",
            "member": "alice",
            "verb": "referral",
            "at": "2026-07-06T09:00:00+02:00",
            "target": "candidate-00027",
        }
    )
    assert award.points >= 40  # and the variety bonus
    assert engine.members.get("candidate-00027") is None
    [again] = engine.record_many(
        [
            {
                "key": "ref-2",
                "member": "alice",
                "verb": "referral",
                "at": "2026-07-07T09:00:00+02:00",
                "target": "candidate-00031",
            }
        ],
        create_members=True,
    )
    assert again.points >= 40
    assert engine.members.get("candidate-00031") is None  # a candidate is not enrolled
