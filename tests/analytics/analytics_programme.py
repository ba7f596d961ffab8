"""A small programme whose every KPI is worked out by hand in the tests.

(A helper module, not a conftest: ``tests/conftest.py`` is imported by name.)

Rules without bonuses or limits (a share is 10 points, a read 1, a post 30), so that
points are plain sums; a personalisation rule with no bonus whose ``min_own_words``
(4) decides what a personal share is; leaderboards in Paris.

July 2026, in Paris (the report's clock):

=====  ======  ===========  ========  =========  ==========  ========  ==================
key    member  when (Paris) verb      channel    content     own words  metrics (impr/cl/re)
=====  ======  ===========  ========  =========  ==========  ========  ==================
a1     alice   6 Jul        share     linkedin   c-1 ind.    personal   1000/10/20, then
                                                                        late reports
a2     alice   7 Jul        share     x          c-2 corp.   2 words    500/5/5
a3     alice   8 Jul        read      intranet   c-1         -          -
a4     alice   1 Jul 01:30  share     linkedin   c-4 culture personal   -  (30 Jun in UTC)
a5     alice   20 Jul       share     linkedin   c-5 ind.    personal   -
a6     alice   21 Jul       share     linkedin   c-6 ind.    personal   -
b1     bob     9 Jul        share     linkedin   c-2 corp.   none       200/2/2
b2     bob     22 Jul       share     linkedin   c-3 corp.   personal   none; 100 reported
b3     bob     10 Jul       share     linkedin   c-1 ind.    personal   10000/0/0, REVOKED
c1     carol   14 Jul       post      linkedin   -           personal   400/4/6
c2     carol   16 Jul       share     facebook   c-1 ind.    personal   -
c3     carol   1 Aug 00:30  share     linkedin   c-1 ind.    personal   7000/70/70 (31 Jul UTC)
=====  ======  ===========  ========  =========  ==========  ========  ==================

Members: alice (Sales, opted in), bob (Sales, not opted in), carol and dave
(Marketing, opted in; dave does nothing) and erin (no team, not opted in).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from engagement import Engagement

PARIS = timezone(timedelta(hours=2))
PERSONAL = "Here is my own honest take on this topic for colleagues and friends"

RULES = """
programme: Test programme
timezone: Europe/Paris
verbs:
  share: {points: 10, content: required}
  read: {points: 1, content: required}
  post: {points: 30, content: none}
rules:
  - id: personal
    kind: personalisation
    verbs: [share]
    max_points: 0
    min_own_words: 4
leaderboards:
  {timezone}
  seasons:
    - {{id: early-july, name: Early July, starts: 2026-07-01, ends: 2026-07-15}}
analytics:
  corporate_kinds: [corporate]
  corporate_target: 0.2
  currency: EUR
  cpm: {{linkedin: 30, x: 5}}
  default_cpm: 10
"""


def rules(timezone_line: str = "") -> str:
    return RULES.replace("{timezone}", timezone_line).replace("{{", "{").replace("}}", "}")


def _action(
    key: str,
    member: str,
    at: datetime,
    verb: str = "share",
    *,
    channel: str = "linkedin",
    content: tuple[str, str, list[str]] | None = None,
    text: str | None = PERSONAL,
    metrics: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "key": key,
        "member": member,
        "verb": verb,
        "at": at.isoformat(),
        "channel": channel,
    }
    if content is not None:
        content_id, kind, topics = content
        action["content"] = {"id": content_id, "kind": kind, "topics": topics}
    if text is not None:
        action["text"] = text
    if metrics is not None:
        impressions, clicks, reactions = metrics
        action["metrics"] = {"impressions": impressions, "clicks": clicks, "reactions": reactions}
    return action


def july(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 7, day, hour, tzinfo=PARIS)


ACTIONS = [
    _action("a1", "alice", july(6), content=("c-1", "industry", ["ai", "cloud"]),
            metrics=(1000, 10, 20)),
    _action("a2", "alice", july(7), channel="x", content=("c-2", "corporate", ["product"]),
            text="Great read!", metrics=(500, 5, 5)),
    _action("a3", "alice", july(8), "read", channel="intranet",
            content=("c-1", "industry", ["ai", "cloud"]), text=None),
    _action("a4", "alice", datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
            content=("c-4", "culture", ["people"])),
    _action("a5", "alice", july(20), content=("c-5", "industry", ["ai"])),
    _action("a6", "alice", july(21), content=("c-6", "industry", ["cloud"])),
    _action("b1", "bob", july(9), content=("c-2", "corporate", ["product"]), text=None,
            metrics=(200, 2, 2)),
    _action("b2", "bob", july(22), content=("c-3", "corporate", ["product"])),
    _action("b3", "bob", july(10), content=("c-1", "industry", ["ai"]),
            metrics=(10000, 0, 0)),
    _action("c1", "carol", july(14), "post", metrics=(400, 4, 6)),
    _action("c2", "carol", july(16), channel="facebook", content=("c-1", "industry", ["ai"])),
    _action("c3", "carol", datetime(2026, 7, 31, 22, 30, tzinfo=UTC),
            content=("c-1", "industry", ["ai"]), metrics=(7000, 70, 70)),
]  # fmt: skip

MEMBERS = {
    "alice": {"team": "Sales", "opted_in": True, "display_name": "Alice A."},
    "bob": {"team": "Sales", "opted_in": False, "display_name": "Bob B."},
    "carol": {"team": "Marketing", "opted_in": True},
    "dave": {"team": "Marketing", "opted_in": True},
    "erin": {"team": None, "opted_in": False},
}


def populate(engine: Engagement, timezone_line: str = "") -> Engagement:
    engine.activate_rules(engine.load_rules_text(rules(timezone_line)))
    for member, fields in MEMBERS.items():
        engine.members.upsert(member, **fields)
    engine.record_many(ACTIONS)
    # LinkedIn's numbers for a1 arrive later; the report counted on 5 July arrives
    # last but is older than the one of 10 July, so it does not win.
    engine.analytics.report_metrics("a1", impressions=3000, clicks=30, at=july(10))
    engine.analytics.report_metrics("a1", impressions=2000, at=july(5))
    engine.analytics.report_metrics("b2", impressions=100)
    engine.analytics.report_metrics("b3", impressions=50_000)
    engine.revoke("b3", "post deleted")
    return engine
