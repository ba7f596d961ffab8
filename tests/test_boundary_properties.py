"""Hostile input thrown at an engine on SQLite and one on PostgreSQL side by side.

Whatever comes in (NUL characters, lone surrogates, huge numbers and strings, odd
dates, wrong types, long lists), only the package's own errors come out, a refused
call leaves every table as it was, and both backends answer alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import row_counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement import (
    DEFAULT_RULES_PATH,
    Award,
    Engagement,
    EngagementError,
    Member,
    MetricsReport,
    Revocation,
)

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MEMBERS = ("alice", "bob", "L\u00e9a")
NASTY = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\ud83d\ude00",
    "Le\u0301a",
    "L\u00e9a",
    "\u200b",
    "\ufeff",
    "😀",
    "alice",
    "bob",
    "Europe/Paris",
    "../../etc/passwd",
    "fr",
)
texts = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(categories=["Cs", "Cc", "L", "M", "N", "P", "Zs"]), max_size=12),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=3), max_size=6).map("".join),
    st.integers(250, 260).map(lambda n: "é" * n),
    st.integers(250, 260).map(lambda n: "e\u0301" * n),
    st.sampled_from([65, 5_001, 100_000, 1_000_001, 10**7]).map(lambda n: "x" * n),
)
numbers = st.one_of(
    st.integers(-10, 10),
    st.sampled_from([2**31, 2**53, 2**53 + 1, 2**63, 2**64, 10**30, -(2**63)]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2026, 6, 1), max_value=datetime(2026, 12, 1), timezones=offsets
    ),
    st.datetimes(timezones=offsets),
    st.datetimes(),
    st.sampled_from(
        [
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=2))),
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),
            datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2100, 1, 1, tzinfo=UTC),
        ]
    ),
)
wrong = st.one_of(
    st.none(),
    numbers,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(date(2026, 7, 6)),
)
anything = st.one_of(texts, wrong)
MISSING = object()
"""A corruption that removes the field."""


def corrupted(
    valid: st.SearchStrategy[dict[str, Any]], hostile: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """``valid`` dicts with up to two fields replaced by (or removed for) hostile ones,
    so that some calls go through and change the state the next ones meet."""
    change = st.sampled_from(sorted(hostile)).flatmap(
        lambda name: st.tuples(st.just(name), hostile[name] | st.just(MISSING))
    )

    def apply(base: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
        result = {**base, **dict(changes)}
        return {name: value for name, value in result.items() if value is not MISSING}

    return st.builds(apply, valid, st.lists(change, max_size=2))


keys = st.integers(0, 30).map(lambda n: f"k-{n}")
valid_at = st.datetimes(
    min_value=datetime(2026, 6, 1), max_value=datetime(2026, 12, 1), timezones=offsets
).map(datetime.isoformat)
content = st.fixed_dictionaries(
    {"id": st.sampled_from(["c-1", "c-2", "caf\u00e9", "cafe\u0301"])},
    optional={
        "kind": st.just("industry"),
        "topics": st.lists(st.sampled_from(["ai", "cloud", "r\u00e9seau"]), max_size=3),
        "suggested_text": st.just("Read this"),
    },
)
valid_actions = st.one_of(
    st.fixed_dictionaries(
        {
            "key": keys,
            "member": st.sampled_from(MEMBERS),
            "verb": st.sampled_from(["share", "read"]),
            "at": valid_at,
            "content": content,
        },
        optional={
            "channel": st.just("linkedin"),
            "text": st.just("My own words on this, for colleagues and friends"),
            "metrics": st.fixed_dictionaries(
                {}, optional={n: st.integers(0, 2**53) for n in ("impressions", "clicks")}
            ),
        },
    ),
    st.fixed_dictionaries(
        {
            "key": keys,
            "member": st.sampled_from(MEMBERS),
            "verb": st.just("kudos"),
            "at": valid_at,
            "target": st.sampled_from([*MEMBERS, "Le\u0301a", "ghost"]),
        }
    ),
)
hostile_content = corrupted(
    content,
    {
        "id": anything,
        "kind": anything,
        "topics": st.one_of(
            st.lists(anything, max_size=3),
            st.integers(19, 22).map(lambda n: ["t"] * n),
            st.just(["t"] * 100_000),
            anything,
        ),
        "suggested_text": anything,
    },
)
actions = corrupted(
    valid_actions,
    {
        "key": anything,
        "member": anything,
        "verb": anything,
        "at": instants | anything,
        "channel": anything,
        "text": anything,
        "target": anything,
        "metrics": anything
        | st.fixed_dictionaries({}, optional={n: numbers for n in ("impressions", "clicks")}),
        "content": anything | hostile_content,
        "unexpected": anything,
    },
)
member_fields = corrupted(
    st.fixed_dictionaries(
        {},
        optional={
            "display_name": st.just("Alice"),
            "team": st.sampled_from(["Sales", "Ventes \u00e9quipe"]),
            "opted_in": st.booleans(),
            "timezone": st.just("Europe/Paris"),
            "locale": st.just("fr"),
        },
    ),
    {name: anything for name in ("display_name", "team", "opted_in", "timezone", "locale")},
)
counters = corrupted(
    st.fixed_dictionaries({"impressions": st.integers(0, 2**53)}, optional={"clicks": numbers}),
    {name: numbers | wrong for name in ("impressions", "clicks", "reactions")},
)


def sometimes(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually ``value``, now and then anything at all."""
    return st.one_of(value, value, value, anything)


Call = Callable[[Engagement], object]
calls: st.SearchStrategy[Call] = st.one_of(
    sometimes(actions).map(lambda a: lambda engine: engine.record(a)),
    sometimes(st.lists(sometimes(actions), max_size=4)).map(
        lambda batch: lambda engine: engine.record_many(batch)
    ),
    st.lists(actions, max_size=4).map(
        lambda batch: lambda engine: engine.record_many(batch, create_members=True)
    ),
    st.tuples(sometimes(st.sampled_from([*MEMBERS, "carol"])), member_fields).map(
        lambda m: lambda engine: engine.members.upsert(m[0], **m[1])
    ),
    st.tuples(sometimes(keys), counters, st.none() | instants).map(
        lambda r: lambda engine: engine.analytics.report_metrics(r[0], **r[1], at=r[2])
    ),
    st.tuples(sometimes(keys), sometimes(st.just("spam"))).map(
        lambda r: lambda engine: engine.revoke(r[0], r[1])
    ),
)


@pytest.fixture
def engines(
    tmp_path: Any, request: pytest.FixtureRequest
) -> Iterator[tuple[Engagement, Engagement]]:
    """An engine on SQLite and one on PostgreSQL, with the default rules and members."""
    pg_url = str(request.getfixturevalue("pg_schema_url"))
    pair = (Engagement(f"sqlite:///{tmp_path / 'hostile.db'}"), Engagement(pg_url))
    for engine in pair:
        engine.create_schema()
        engine.activate_rules(DEFAULT_RULES_PATH)
        for member in MEMBERS:
            engine.members.upsert(member, timezone="Europe/Paris")
    yield pair
    for engine in pair:
        engine.close()


def _outcome(engine: Engagement, call: Call) -> tuple[object, ...]:
    """What ``call`` did, comparable across backends; a refusal must change nothing."""
    before = row_counts(engine)
    try:
        result = call(engine)
    except EngagementError as error:  # anything else fails the test
        assert row_counts(engine) == before, f"{error!r} left rows behind"
        return (type(error).__name__, str(error))
    return ("ok", _comparable(result))


def _comparable(result: object) -> object:
    if isinstance(result, list):
        return [_comparable(item) for item in result]
    if isinstance(result, Award):
        badges = [badge.label for badge in result.badges]
        return (result.key, result.member, result.points, result.duplicate, result.revoked, badges)
    if isinstance(result, MetricsReport):
        return (result.key, result.member, result.impressions, result.clicks, result.reactions)
    if isinstance(result, Member):
        return result
    if isinstance(result, Revocation):
        return (result.key, result.member, result.points, result.duplicate)
    return type(result).__name__


@pytest.mark.postgres
@PROPERTY
@given(st.lists(calls, min_size=1, max_size=3))
def test_hostile_input_raises_engagement_errors_only_and_writes_nothing(
    engines: tuple[Engagement, Engagement], sequence: list[Call]
) -> None:
    sqlite, postgresql = engines
    for call in sequence:
        assert _outcome(sqlite, call) == _outcome(postgresql, call)
