from __future__ import annotations

from pathlib import Path

import pytest

from engagement import DEFAULT_RULES_PATH, Engagement, InvalidActionError
from engagement.simulation import Distribution, simulate

SAMPLES = Path(__file__).parent.parent / "samples"


def test_the_shipped_quarter_scores_authentic_ambassadors_above_sandwich_boards() -> None:
    engine = Engagement("sqlite://")
    engine.create_schema()
    engine.activate_rules(DEFAULT_RULES_PATH)
    result = simulate(engine, SAMPLES / "actions.jsonl", members_path=SAMPLES / "members.jsonl")
    assert result.actions == len((SAMPLES / "actions.jsonl").read_text().splitlines())
    assert result.duplicates == 0
    points = {m.member: m for m in result.members}
    assert len(points) == 67
    # The gaming personas (template spinners, cross-posters, a thank-you ring) end at
    # most at half of the least-scoring authentic ambassador.
    authentic = min(points[f"m-00{n}"].points for n in range(1, 9))
    gamers = {member: points[member].points for member in [f"m-0{n}" for n in range(61, 68)]}
    assert all(2 * total <= authentic for total in gamers.values()), (authentic, gamers)
    assert sum(m.actions for m in result.members) == result.actions
    assert result.distribution.points == sum(m.points for m in result.members)
    assert engine.replay().changed == 0
    engine.database.dispose()


def test_distribution_of_points() -> None:
    d = Distribution.of([100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50])
    assert (d.members, d.points, d.median) == (12, 150, 0.0)
    assert d.top_10_percent_share == 1.0  # the top 2 of 12 hold everything
    assert Distribution.of([]).top_10_percent_share == 0.0


def test_a_bad_line_is_reported_with_its_file_and_line(
    tmp_path: Path, memory_engine: Engagement
) -> None:
    path = tmp_path / "actions.jsonl"
    path.write_text(
        '{"key": "a", "member": "m", "verb": "read", "at": "2026-07-01T09:00:00+02:00",'
        ' "content": {"id": "c"}}\n\n{"key": "b", "member": "m", "verb": "read"}\n'
    )
    with pytest.raises(InvalidActionError, match=rf"{path}:3: action 'b': at: is required"):
        simulate(memory_engine, path)


def test_an_action_the_rules_refuse_is_reported_with_its_line(
    tmp_path: Path, memory_engine: Engagement
) -> None:
    path = tmp_path / "actions.jsonl"
    path.write_text(
        '{"key": "a", "member": "m", "verb": "read", "at": "2026-07-01T09:00:00+02:00",'
        ' "content": {"id": "c"}}\n'
        '{"key": "b", "member": "m", "verb": "dance", "at": "2026-07-01T09:00:00+02:00"}\n'
    )
    with pytest.raises(InvalidActionError, match=rf"{path}:2: action 'b': verb: unknown verb"):
        simulate(memory_engine, path)
