"""Boards by period, scope and metric: dense ranks, neighbours, bands, consent."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import BOARD_RULES, WEDNESDAY, Act, BoardEngine

from engagement import Engagement, InvalidInputError, UnknownMemberError

TEAM_MEMBERS = (
    ("ana", "Sales", True),
    ("ben", "Sales", True),
    ("cleo", "Marketing", True),
    ("dan", "Marketing", True),
    ("eve", "Sales", False),
)


def _shares(engine: Engagement, act: Act, counts: dict[str, int]) -> None:
    engine.record_many([act(member) for member, n in counts.items() for _ in range(n)])


def _ranks(
    engine: Engagement, period: str = "week", **kw: object
) -> list[tuple[str, int | None, int]]:
    board = engine.boards.top(period, at=WEDNESDAY, **kw)  # type: ignore[arg-type]
    return [(s.member, s.rank, s.score) for s in board.entries]


def test_ties_share_a_dense_rank_and_members_who_did_not_opt_in_stay_off(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    _shares(engine, act, {"ana": 3, "ben": 3, "cleo": 2, "dan": 1, "eve": 5})
    board = engine.boards.top("week", at=WEDNESDAY)
    assert board.period == "week:2026-11-16"
    assert board.participants == 4
    # ana and ben tie: both first, listed in the order they joined; then 2 and 3.
    assert _ranks(engine) == [("ana", 1, 30), ("ben", 1, 30), ("cleo", 2, 20), ("dan", 3, 10)]
    assert [s.top_percent for s in board.entries] == [25, 25, 75, 100]
    assert [s.band for s in board.entries] == [25, 25, None, None]


def test_a_member_who_did_not_opt_in_sees_privately_where_they_would_stand(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    _shares(engine, act, {"ana": 3, "ben": 3, "cleo": 2, "dan": 1, "eve": 5})
    mine = engine.boards.standing("eve", "week", at=WEDNESDAY, k=2)
    assert (mine.me.rank, mine.me.score, mine.me.public, mine.me.you) == (1, 50, False, True)
    assert mine.participants == 5  # the four on the board, and eve where she would be
    assert mine.above == ()
    assert [(s.member, s.rank) for s in mine.below] == [("ana", 2), ("ben", 2)]
    assert "eve" not in [s.member for s in engine.boards.top("week", at=WEDNESDAY).entries]


def test_around_me_lists_neighbours_with_their_ranks_and_percentiles(
    board_engine: BoardEngine, act: Act
) -> None:
    members = tuple((f"m{i:02d}", None, True) for i in range(10))
    engine = board_engine(members)
    # m00 … m09 with 10, 20, 20, 30, 40, 40, 40, 50, 60, 70 points.
    counts = dict(zip([m for m, _, _ in members], [1, 2, 2, 3, 4, 4, 4, 5, 6, 7], strict=True))
    _shares(engine, act, counts)
    around = engine.boards.standing("m05", "week", at=WEDNESDAY, k=2)
    assert (around.me.rank, around.me.score, around.me.top_percent) == (4, 40, 40)
    assert [(s.member, s.rank, s.score, s.top_percent) for s in around.above] == [
        ("m07", 3, 50, 30),
        ("m04", 4, 40, 40),
    ]
    assert [(s.member, s.rank, s.score, s.top_percent) for s in around.below] == [
        ("m06", 4, 40, 40),
        ("m03", 5, 30, 70),
    ]
    bottom = engine.boards.standing("m00", "week", at=WEDNESDAY, k=3)
    assert (bottom.me.rank, bottom.me.top_percent, bottom.me.band) == (7, 100, None)
    assert [s.member for s in bottom.above] == ["m03", "m01", "m02"]
    assert bottom.below == ()


def test_pages_continue_ranks_across_ties(board_engine: BoardEngine, act: Act) -> None:
    members = tuple((f"m{i}", None, True) for i in range(6))
    engine = board_engine(members)
    _shares(engine, act, {"m0": 3, "m1": 2, "m2": 2, "m3": 2, "m4": 1, "m5": 1})
    first = engine.boards.top("week", at=WEDNESDAY, limit=2)
    second = engine.boards.top("week", at=WEDNESDAY, limit=2, offset=2)
    third = engine.boards.top("week", at=WEDNESDAY, limit=2, offset=4)
    ranks = [(s.member, s.rank, s.top_percent) for b in (first, second, third) for s in b.entries]
    assert ranks == [
        ("m0", 1, 17),
        ("m1", 2, 34),
        ("m2", 2, 34),
        ("m3", 2, 34),
        ("m4", 3, 84),
        ("m5", 3, 84),
    ]


def test_exact_ranks_only_for_the_top_n_and_bands_below(
    board_engine: BoardEngine, act: Act
) -> None:
    members = tuple((f"m{i}", None, True) for i in range(8))
    engine = board_engine(members, rules=BOARD_RULES_EXACT)
    _shares(engine, act, {f"m{i}": 8 - i for i in range(8)})
    board = engine.boards.top("week", at=WEDNESDAY)
    assert [(s.rank, s.band) for s in board.entries] == [
        (1, 25),
        (2, 25),
        (None, 50),
        (None, 50),
        (None, None),
        (None, None),
        (None, None),
        (None, None),
    ]
    mine = engine.boards.standing("m3", "week", at=WEDNESDAY)
    assert (mine.me.rank, mine.me.top_percent, mine.me.band) == (None, 50, 50)


def test_neighbours_show_exact_ranks_only_within_the_top_n(
    board_engine: BoardEngine, act: Act
) -> None:
    members = tuple((f"m{i}", None, True) for i in range(8))
    engine = board_engine(members, rules=BOARD_RULES_EXACT)
    _shares(engine, act, {f"m{i}": 8 - i for i in range(8)})  # ranks 1 … 8
    fifth = engine.boards.standing("m4", "week", at=WEDNESDAY, k=3)
    assert [(s.member, s.rank) for s in fifth.above] == [("m1", 2), ("m2", None), ("m3", None)]
    last = engine.boards.standing("m7", "week", at=WEDNESDAY, k=3)
    assert [(s.member, s.rank, s.top_percent) for s in last.above] == [
        ("m4", None, 63),
        ("m5", None, 75),
        ("m6", None, 88),
    ]
    assert (last.me.rank, last.me.top_percent, last.participants) == (None, 100, 8)
    pages = [engine.boards.top("week", at=WEDNESDAY, limit=2, offset=n) for n in (1, 5)]
    assert [[(s.member, s.rank, s.top_percent) for s in p.entries] for p in pages] == [
        [("m1", 2, 25), ("m2", None, 38)],
        [("m5", None, 75), ("m6", None, 88)],
    ]


BOARD_RULES_EXACT = """
timezone: Europe/Paris
verbs:
  share: {points: 10}
leaderboards:
  exact_ranks: 2
  bands: [25, 50]
"""


def test_opting_out_leaves_every_board_at_once_and_opting_in_comes_back(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    _shares(engine, act, {"ana": 2, "ben": 1})
    periods = ("week", "month", "quarter", "year", "all", "season:autumn")
    engine.members.upsert("ana", opted_in=False)
    for period in periods:
        assert [s.member for s in engine.boards.top(period, at=WEDNESDAY).entries] == ["ben"]
    assert engine.boards.standing("ana", "all").me.public is False
    engine.members.upsert("ana", opted_in=True)
    for period in periods:
        assert [s.member for s in engine.boards.top(period, at=WEDNESDAY).entries] == [
            "ana",
            "ben",
        ]


def test_team_and_group_boards(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(TEAM_MEMBERS)
    _shares(engine, act, {"ana": 1, "ben": 2, "cleo": 4, "dan": 3, "eve": 5})
    assert _ranks(engine, team="Sales") == [("ben", 1, 20), ("ana", 2, 10)]
    assert engine.boards.top("week", at=WEDNESDAY, team="Sales").scope == "team:Sales"
    assert engine.boards.set_group("pilot", ["ana", "dan", "eve"]) == 3
    assert _ranks(engine, group="pilot") == [("dan", 1, 30), ("ana", 2, 10)]
    mine = engine.boards.standing("ana", "week", at=WEDNESDAY, group="pilot")
    assert (mine.me.rank, mine.participants, [s.member for s in mine.above]) == (2, 2, ["dan"])
    # Moving to another team moves the member's rows too.
    engine.members.upsert("cleo", team="Sales")
    assert _ranks(engine, team="Sales") == [("cleo", 1, 40), ("ben", 2, 20), ("ana", 3, 10)]
    engine.boards.set_group("pilot", ["ben"])
    assert _ranks(engine, group="pilot") == [("ben", 1, 20)]


def test_the_variety_board_counts_distinct_verbs_channels_and_topics(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    volume = [act("ana") for _ in range(10)]  # share, linkedin, ai: variety 3
    varied = [
        act("ben", channel="linkedin", topics=("ai",)),
        act("ben", channel="xing", topics=("hr", "ai")),
        act("ben", "post"),
    ]  # verbs share, post; channels linkedin, xing; topics ai, hr: 6
    engine.record_many(volume + varied)
    assert _ranks(engine, metric="variety") == [("ben", 1, 6), ("ana", 2, 3)]
    assert _ranks(engine) == [("ana", 1, 100), ("ben", 2, 50)]


def test_a_revoked_action_leaves_the_boards_and_its_variety_goes_if_it_was_the_only_one(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    first, second = act("ana", channel="linkedin"), act("ana", channel="xing")
    lonely = act("ben", days=7)  # the following week
    for action in (first, second, lonely):
        engine.record(action)
    engine.revoke(second["key"], "spam")
    board = engine.boards.top("week", at=WEDNESDAY, metric="variety")
    assert [(s.member, s.score, s.points, s.actions) for s in board.entries] == [("ana", 3, 10, 1)]
    engine.revoke(lonely["key"], "duplicate of another post")
    next_week = engine.boards.top("week", at=WEDNESDAY.replace(day=25))
    assert (next_week.participants, next_week.entries) == (0, ())
    assert [(s.member, s.points) for s in engine.boards.top("all").entries] == [("ana", 10)]
    assert engine.boards.rebuild(check=True).consistent


def test_periods_follow_the_boards_clock_and_seasons_their_dates(
    board_engine: BoardEngine, act: Act
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    # Sunday 23:30 in Paris is still the week of the 16th there (22:30 UTC).
    sunday_night = datetime.fromisoformat("2026-11-22T23:30:00+01:00")
    monday = datetime.fromisoformat("2026-11-23T00:30:00+01:00")
    # 1 December 00:30 in Paris: a new month and after the autumn season.
    december = datetime.fromisoformat("2026-12-01T00:30:00+01:00")
    engine.record_many(
        [act("ana", at=sunday_night), act("ben", at=monday), act("cleo", at=december)]
    )
    assert [s.member for s in engine.boards.top("week", at=sunday_night).entries] == ["ana"]
    assert [s.member for s in engine.boards.top("week", at=monday).entries] == ["ben"]
    assert [s.member for s in engine.boards.top("month", at=monday).entries] == ["ana", "ben"]
    season = engine.boards.top("season:autumn", locale="fr")
    assert (season.name, [s.member for s in season.entries]) == ("Automne", ["ana", "ben"])
    assert season.starts is not None and season.starts.isoformat() == "2026-09-01T00:00:00+02:00"
    assert season.ends is not None and season.ends.isoformat() == "2026-12-01T00:00:00+01:00"
    assert engine.boards.top("all").starts is None


def test_boards_in_another_time_zone_and_week_start(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(TEAM_MEMBERS)
    sunday_night = datetime.fromisoformat("2026-11-22T23:30:00+01:00")
    engine.record(act("ana", at=sunday_night))
    assert engine.boards.top("week", at=sunday_night).period == "week:2026-11-16"
    # New rules: boards in New York, weeks from Sunday. Activation re-cuts the rows.
    engine.activate_rules(
        engine.load_rules_text(BOARD_RULES + "  timezone: America/New_York\nweek_start: sunday\n")
    )
    board = engine.boards.top("week", at=sunday_night)
    assert (board.period, [s.member for s in board.entries]) == ("week:2026-11-22", ["ana"])
    assert engine.boards.rebuild(check=True).consistent


def test_a_replay_with_new_points_moves_the_boards(board_engine: BoardEngine, act: Act) -> None:
    engine = board_engine(TEAM_MEMBERS)
    engine.record_many([act("ana"), act("ana"), act("ben", "post")])
    assert _ranks(engine) == [("ben", 1, 30), ("ana", 2, 20)]
    engine.activate_rules(engine.load_rules_text(BOARD_RULES.replace("points: 10", "points: 25")))
    engine.replay(apply=True)
    assert _ranks(engine) == [("ana", 1, 50), ("ben", 2, 30)]
    assert engine.boards.rebuild(check=True).consistent


def test_rebuild_finds_and_heals_rows_edited_by_hand(board_engine: BoardEngine, act: Act) -> None:
    from engagement.leaderboards.tables import scores

    engine = board_engine(TEAM_MEMBERS)
    engine.record_many([act("ana"), act("ben"), act("ben")])
    with engine.database.begin() as connection:
        connection.execute(scores.update().where(scores.c.period == "all").values(points=999))
    report = engine.boards.rebuild(check=True)
    # Two rows, and the all-time tallies: buckets 10 and 20 emptied, 999's filled.
    assert (report.differences, report.tally_differences, report.applied) == (2, 3, False)
    assert "stored 999 points" in report.examples[0]
    assert "tally all points bucket" in report.examples[2]
    assert engine.boards.rebuild().differences == 2
    assert engine.boards.rebuild(check=True).consistent
    assert _ranks(engine, "all") == [("ben", 1, 20), ("ana", 2, 10)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.boards.top("fortnight"), "period: unknown period 'fortnight'; choose one of"),
        (lambda e: e.boards.top("season:spring"), "period: unknown period 'season:spring'"),
        (lambda e: e.boards.top(metric="likes"), "metric: 'likes' is not one of"),
        (lambda e: e.boards.top(team="Sales", group="g"), "scope: give a team or a group"),
        (lambda e: e.boards.top(limit=0), "limit: between 1 and 1000 entries, not 0"),
        (lambda e: e.boards.top(offset=-1), "offset: 0 or more, not -1"),
        (lambda e: e.boards.standing("ana", k=-1), "k: between 0 and 100 neighbours each side"),
        (lambda e: e.boards.top(at=datetime(2026, 1, 1)), "at: give an aware datetime"),
        (lambda e: e.boards.set_group("", ["ana"]), "group_id: a non-empty string"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(
    board_engine: BoardEngine, call: object, message: str
) -> None:
    engine = board_engine(TEAM_MEMBERS)
    with pytest.raises(InvalidInputError) as caught:
        call(engine)  # type: ignore[operator]
    assert str(caught.value).startswith(message)


def test_unknown_members_are_refused(board_engine: BoardEngine) -> None:
    engine = board_engine(TEAM_MEMBERS)
    with pytest.raises(UnknownMemberError, match="unknown member 'zoe'"):
        engine.boards.standing("zoe")
    with pytest.raises(UnknownMemberError, match="unknown member\\(s\\) 'zoe'"):
        engine.boards.set_group("pilot", ["ana", "zoe"])
    assert engine.boards.top(group="pilot").participants == 0
