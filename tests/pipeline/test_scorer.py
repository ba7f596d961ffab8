"""The scoring stage: what colleagues did before an action, asked per action or read
once for a batch, gives the same judgements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import MONDAY
from sqlalchemy import select

from engagement import Engagement
from engagement.core.actions import parse_action
from engagement.core.facts import Fact
from engagement.pipeline.scorer import AskTheLog, Judgements, ReadOnce, Scorer
from engagement.storage.tables import members

COMMENT = "What struck me here is how patiently their engineers rebuilt the billing platform"


def _at(hours: float) -> str:
    return (MONDAY + timedelta(hours=hours)).isoformat()


def _share(member: str, key: str, hours: float, text: str) -> dict[str, Any]:
    return {
        "key": key,
        "member": member,
        "verb": "share",
        "at": _at(hours),
        "channel": "linkedin",
        "content": {"id": "c-1", "kind": "industry", "topics": ["cloud"]},
        "text": text,
    }


def _kudos(member: str, key: str, hours: float, target: str) -> dict[str, Any]:
    return {"key": key, "member": member, "verb": "kudos", "at": _at(hours), "target": target}


def _judged(engine: Engagement, make: Any, actions: list[dict[str, Any]]) -> list[Fact]:
    """The facts of ``actions`` (not logged) judged in order by ``make(connection, ...)``."""
    ruleset = engine.active_rules()
    parsed = [parse_action(a) for a in actions]
    with engine.database.connect() as connection:
        pks = dict(connection.execute(select(members.c.member_id, members.c.id)).all())
        judgements: Judgements = make(connection, ruleset, parsed)
        scorer = Scorer(ruleset, judgements)
        facts = []
        for seq, action in enumerate(parsed, start=100):
            _, fact = scorer.logged(
                action, member_pk=pks[action.member], seq=seq, tz_name="Europe/Paris"
            )
            scorer.award(action, fact, ())
            facts.append(fact)
        return facts


def _ask(connection: Any, ruleset: Any, _: Any) -> Judgements:
    return AskTheLog(connection, ruleset)


def test_asked_per_action_or_read_once_the_log_gives_the_same_judgements(
    programme: Engagement,
) -> None:
    programme.record(_share("ben", "ben:1", 0, COMMENT))
    for n in range(3):
        programme.record(_kudos("ben", f"ben:k{n}", 1 + n, "ana"))
    candidates = [
        _share("ana", "ana:1", 10, COMMENT + "!"),  # a copy of ben's comment
        _kudos("ana", "ana:k1", 11, "ben"),  # thanks given back
        _share("ana", "ana:2", 12, "Nothing like anything anyone wrote about this item yet"),
    ]

    asked = _judged(programme, _ask, candidates)
    read = _judged(programme, ReadOnce, candidates)

    assert [f.echo for f in asked] == [f.echo for f in read]
    assert [f.returned for f in asked] == [f.returned for f in read]
    assert (asked[0].echo or 0) > (asked[2].echo or 0)  # the copy echoes, the other barely
    assert len(asked[1].returned) == 3


def test_a_batch_counts_its_own_earlier_actions_as_the_log_would(
    programme: Engagement,
) -> None:
    """Within a batch, ben's comment and thanks count for ana's later actions exactly as
    they do once logged: a batch judges as if recorded one by one."""
    earlier = [_share("ben", "ben:1", 0, COMMENT), _kudos("ben", "ben:k1", 1, "ana")]
    later = [_share("ana", "ana:1", 10, COMMENT + "!"), _kudos("ana", "ana:k1", 11, "ben")]

    in_one_batch = _judged(programme, ReadOnce, earlier + later)[2:]
    for action in earlier:
        programme.record(action)
    after_logging = _judged(programme, _ask, later)

    assert [f.echo for f in in_one_batch] == [f.echo for f in after_logging]
    assert [f.returned for f in in_one_batch] == [f.returned for f in after_logging]
    assert in_one_batch[0].echo is not None
    assert len(in_one_batch[1].returned) == 1
