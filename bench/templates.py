"""The cost per action of template detection, beside the same work without it.

Run ``python -m bench.templates`` from the repository root.  Two measurements, each
interleaved with its baseline ``--runs`` times (medians reported):

* text analysis, once per action when it is logged: :func:`engagement.core.text.analyse`
  (own words and the MinHash template signature) against the same word counts with
  a hash of the exact own words (what the fingerprint was before templates);
* scoring, for every action: a member's quarter of shares (an ambassador's personal
  comments, a template spinner's and plain relays) scored by the shipped rules, against
  the same rules without the defences that compare templates (the impersonal budget
  and variety's personal test; the personal-words rule compares templates in both).

Nothing asserts a timing; the figures are printed for docs/performance.md.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from engagement import DEFAULT_RULES_PATH
from engagement.core.facts import Fact
from engagement.core.history import MemberHistory
from engagement.core.periods import zone
from engagement.core.scoring import score_and_remember
from engagement.core.text import TextAnalysis, analyse, words
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

    results: dict[str, list[float]] = {k: [] for k in ("an", "ab", "sn", "sb")}
    for _ in range(args.runs):
        results["an"] += per_action(analysed(analyse), 1)
        results["ab"] += per_action(analysed(exact_fingerprint), 1)
        results["sn"] += per_action(scored(shipped), 1)
        results["sb"] += per_action(scored(baseline), 1)
    med = {k: statistics.median(v) for k, v in results.items()}
    machine = platform.processor() or platform.machine()
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"{machine}, Python {platform.python_version()}, {when}, ", end="")
    print(f"{args.actions} actions, {args.runs} runs")
    print(f"analyse with template signature  {med['an']:7.1f} µs/action")
    print(f"analyse with exact fingerprint   {med['ab']:7.1f} µs/action")
    print(f"score, shipped rules             {med['sn']:7.1f} µs/action")
    print(f"score, without template defences {med['sb']:7.1f} µs/action")


if __name__ == "__main__":
    main()
