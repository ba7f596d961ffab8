"""The cost per action of template detection, beside the same work without it.

Run ``python -m bench.templates`` from the repository root.  Two measurements, each
interleaved with its baseline ``--runs`` times (medians reported):

* text analysis, once per action when it is logged: :func:`engagement.core.text.analyse`
  (own words and the MinHash template signature) against the same word counts with
  a hash of the exact own words (what the fingerprint was before templates);
* scoring, for every action: a member's quarter of shares (an ambassador's personal
  comments, a template spinner's and plain relays) scored by the shipped rules, against
  the same rules without the defences that compare templates (the impersonal budget
  and variety's personal test; the personal-words rule compares templates in both);
* copies from a colleague, for every recorded action with own words and a content
  item: ``record()`` of a member's personal shares on items that ``--commenters``
  colleagues already commented on (SQLite in a temporary file, or ``--db``), against
  the same records without the read of the colleagues' comments (their ``echo``).

Nothing asserts a timing; the figures are printed for docs/performance.md.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.core.facts import Fact
from engagement.core.history import MemberHistory
from engagement.core.periods import zone
from engagement.core.scoring import score_and_remember
from engagement.core.text import TextAnalysis, analyse, words
from engagement.pipeline import recording
from engagement.rules import default_registry, load_ruleset

SUGGESTED = "Our new report explains how teams adopt assistants at work."
TOPICS = ("ai", "cloud", "security", "hiring", "events")
VOCABULARY = [f"{a}{b}{c}" for a in ("ka", "lo", "mi", "du") for b in ("ter", "van", "sor")
              for c in ("pel", "rix", "nom", "bel", "cat")]  # fmt: skip


def exact_fingerprint(text: str | None, suggested: str | None) -> TextAnalysis:
    """The analysis without templates: a hash of the exact set of telling own words."""
    if not text:
        return TextAnalysis(0, 0, 0, None)
    written = words(text)
    borrowed = set(words(suggested)) if suggested else set()
    own = [w for w in written if w not in borrowed]
    distinct = set(own)
    telling = sorted(w for w in distinct if len(w) >= 5) or sorted(distinct)
    digest = hashlib.blake2b(" ".join(telling).encode(), digest_size=8).hexdigest()
    return TextAnalysis(len(written), len(own), len(distinct), digest if own else None)


def texts(n: int) -> list[tuple[str | None, str]]:
    rng = random.Random(5)
    out: list[tuple[str | None, str]] = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        kind = i % 3
        if kind == 0:
            out.append(("What I take from it: " + " ".join(rng.sample(VOCABULARY, 14)), topic))
        elif kind == 1:
            out.append((f"Really insightful piece on {topic}, read it before {2026 + i % 3} "
                        f"#{topic} @team{i % 50}", topic))  # fmt: skip
        else:
            out.append((None, topic))
    return out


def facts(n: int) -> list[Fact]:
    start = datetime(2026, 7, 6, 8, tzinfo=UTC).timestamp()
    out = []
    for i, (text, topic) in enumerate(texts(n)):
        a = analyse(text, SUGGESTED, [topic])
        out.append(
            Fact(i, "m", "share", start + i * 7 * 86400 * 13 / n, zone("Europe/Paris"),
                 ("linkedin", "x", "xing", "facebook")[i % 4], f"c{i}", "industry", (topic,),
                 None, a.words, a.own_words, a.distinct_own_words, a.fingerprint)
        )  # fmt: skip
    return out


def without_template_defences() -> str:
    rules = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    start = rules.index("  - id: impersonal-weekly-budget")
    rules = rules[:start] + rules[rules.index("  # Caps", start) :]
    return rules.replace("    personal_verbs: [share, suggest, read]\n", "")


def comment(rng: random.Random) -> str:
    return "What I take from it: " + " ".join(rng.sample(VOCABULARY, 14))


def shares_on(items: int, member: str, hours: float, rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2026, 7, 6, 8, tzinfo=UTC)
    return [
        {
            "key": f"{member}:{i}",
            "member": member,
            "verb": "share",
            "at": (start + timedelta(hours=i * 12 + hours)).isoformat(),
            "channel": "linkedin",
            "content": {
                "id": f"c{i}",
                "kind": "industry",
                "topics": [TOPICS[i % 5]],
                "suggested_text": SUGGESTED,
            },
            "text": comment(rng),
        }
        for i in range(items)
    ]


def recorded(url: str | None, items: int, commenters: int, *, echo: bool) -> float:
    """µs per ``record()`` of a member's personal shares on ``items`` items, each
    already commented on by ``commenters`` colleagues; ``echo``: with the read."""
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        engine = Engagement(url or f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            if url:
                engine.drop_schema()
            engine.create_schema()
            engine.activate_rules(DEFAULT_RULES_PATH)
            others = [a for n in range(commenters) for a in shares_on(items, f"o{n}", n / 60, rng)]
            engine.record_many(others, create_members=True)
            engine.members.upsert("me")
            mine = shares_on(items, "me", 1, rng)
            real = recording.echo_of
            if not echo:
                recording.echo_of = lambda connection, row: None  # type: ignore[assignment]
            try:
                begin = time.perf_counter()
                for action in mine:
                    engine.record(action)
                return (time.perf_counter() - begin) / len(mine) * 1e6
            finally:
                recording.echo_of = real  # type: ignore[assignment]
        finally:
            engine.close()


def per_action(work: Callable[[], int], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        count = work()
        times.append((time.perf_counter() - begin) / count * 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--items", type=int, default=200, help="items the member comments on")
    parser.add_argument("--commenters", type=int, default=20, help="colleagues per item")
    parser.add_argument("--db", help="database URL for the copies (its tables are dropped)")
    args = parser.parse_args()
    sample = texts(args.actions)

    def analysed(function: Callable[..., TextAnalysis]) -> Callable[[], int]:
        def work() -> int:
            for text, topic in sample:
                function(text, SUGGESTED) if function is exact_fingerprint else function(
                    text, SUGGESTED, [topic]
                )
            return len(sample)

        return work

    registry = default_registry()
    shipped = load_ruleset(DEFAULT_RULES_PATH.read_text(encoding="utf-8"), registry)
    baseline = load_ruleset(without_template_defences(), registry)
    quarter = facts(args.actions)

    def scored(ruleset: object) -> Callable[[], int]:
        def work() -> int:
            history = MemberHistory(ruleset)  # type: ignore[arg-type]
            for fact in facts_copy():
                score_and_remember(fact, history, ruleset)  # type: ignore[arg-type]
            return len(quarter)

        return work

    def facts_copy() -> list[Fact]:
        return [Fact(f.seq, f.member, f.verb, f.ts, f.tz, f.channel, f.content_id,
                     f.content_kind, f.topics, f.target, f.words, f.own_words,
                     f.distinct_own_words, f.fingerprint) for f in quarter]  # fmt: skip

    results: dict[str, list[float]] = {k: [] for k in ("an", "ab", "sn", "sb", "rc", "rn")}
    for run in range(args.runs):
        results["an"] += per_action(analysed(analyse), 1)
        results["ab"] += per_action(analysed(exact_fingerprint), 1)
        results["sn"] += per_action(scored(shipped), 1)
        results["sb"] += per_action(scored(baseline), 1)
        # Which goes first alternates, so that neither always meets a cold cache.
        for echo in (run % 2 == 0, run % 2 == 1):
            took = recorded(args.db, args.items, args.commenters, echo=echo)
            results["rc" if echo else "rn"].append(took)
    med = {k: statistics.median(v) for k, v in results.items()}
    machine = platform.processor() or platform.machine()
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"{machine}, Python {platform.python_version()}, {when}, ", end="")
    print(f"{args.actions} actions, {args.runs} runs")
    print(f"analyse with template signature  {med['an']:7.1f} µs/action")
    print(f"analyse with exact fingerprint   {med['ab']:7.1f} µs/action")
    print(f"score, shipped rules             {med['sn']:7.1f} µs/action")
    print(f"score, without template defences {med['sb']:7.1f} µs/action")
    where = args.db.split(":")[0] if args.db else "sqlite"
    print(f"record(), {where}, {args.commenters} colleagues' comments on each item:")
    print(f"  with the copy check              {med['rc']:7.1f} µs/action")
    print(f"  without it                       {med['rn']:7.1f} µs/action")
    print(f"  paired differences (median)      {_paired(results):7.1f} µs/action")


def _paired(results: dict[str, list[float]]) -> float:
    return statistics.median(a - b for a, b in zip(results["rc"], results["rn"], strict=True))


if __name__ == "__main__":
    main()
