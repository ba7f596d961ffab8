"""The ``engagement`` command: a stable contract for HR and scripts.

Exit codes: 0 success, 1 invalid rule file, 2 invalid input or usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date

from .analytics.text import kpi_lines
from .badges.evaluation import next_badges
from .engine import Engagement
from .exceptions import EngagementError, InvalidInputError, RuleFileError
from .rules import DEFAULT_RULES_PATH, default_registry, load_ruleset_file, ruleset_json_schema
from .simulation import SimulationResult, simulate


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except RuleFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except EngagementError as exc:
        print(f"engagement: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"engagement: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="engagement", description="Gamification engine for employee advocacy."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check rule files; print FILE:LINE problems")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_validate)

    schema = commands.add_parser("schema", help="print the rule file's JSON Schema")
    schema.set_defaults(run=_schema)

    sim = commands.add_parser("simulate", help="score a JSONL file of actions and total up")
    sim.add_argument("actions", metavar="ACTIONS.jsonl")
    sim.add_argument("--rules", default=str(DEFAULT_RULES_PATH), help="rule file (default ships)")
    sim.add_argument("--members", help="JSONL file of members (names, teams, time zones)")
    sim.add_argument("--db", default="sqlite://", help="database URL (default: in memory)")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.add_argument("--top", type=int, default=20, help="members listed (default 20)")
    sim.set_defaults(run=_simulate)

    replay = commands.add_parser("replay", help="rescore a database's log under its rules")
    replay.add_argument("--db", required=True, help="database URL")
    replay.add_argument("--apply", action="store_true", help="append adjustment entries")
    replay.set_defaults(run=_replay)

    badges = commands.add_parser("badges", help="a member's badges, level and what next")
    badges.add_argument("member")
    badges.add_argument("--db", required=True, help="database URL")
    badges.add_argument("--locale", help="language of the texts (default: the member's)")
    badges.add_argument("--json", action="store_true", help="print one JSON object")
    badges.set_defaults(run=_badges)

    pending = commands.add_parser(
        "award-pending", help="award badges members already meet (after adding badges)"
    )
    pending.add_argument("--db", required=True, help="database URL")
    pending.set_defaults(run=_award_pending)

    report = commands.add_parser("report", help="programme KPIs for a period, as HR reports them")
    report.add_argument("--db", required=True, help="database URL")
    report.add_argument("--period", help="week, month (default), quarter, year or all")
    report.add_argument("--at", type=_date, help="a day in the period (default: today)")
    report.add_argument("--season", help="a season id of the rule file's leaderboards")
    report.add_argument("--from", dest="start", type=_date, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_date, help="last day (included), YYYY-MM-DD")
    report.add_argument("--team", help="only this team's members")
    report.add_argument("--by-team", action="store_true", help="add a section per team")
    report.add_argument("--top", type=int, default=10, help="content and members listed")
    report.add_argument("--format", choices=("text", "json", "csv"), default="text")
    report.set_defaults(run=_report)
    return parser


def _validate(args: argparse.Namespace) -> int:
    registry = default_registry()
    status = 0
    for path in args.files:
        try:
            ruleset = load_ruleset_file(path, registry)
        except RuleFileError as exc:
            for problem in exc.problems:
                print(problem)
            status = 1
        else:
            catalogue = ruleset.catalogue
            print(
                f"{path}: ok ({len(ruleset.verbs)} verbs, {len(ruleset.rules)} rules, "
                f"{len(catalogue.badges)} badges, {len(catalogue.levels)} levels, "
                f"{len(catalogue.challenges)} challenges)"
            )
    return status


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(ruleset_json_schema(default_registry()), indent=2))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    engine = Engagement(args.db)
    engine.create_schema()
    engine.activate_rules(args.rules)
    result = simulate(engine, args.actions, members_path=args.members)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        _print_simulation(result, args.top)
        _print_kpis(result)
    return 0


def _print_simulation(result: SimulationResult, top: int) -> None:
    d = result.distribution
    print(
        f"{result.actions} actions ({result.duplicates} duplicates) "
        f"under ruleset v{result.ruleset_version}"
    )
    print(
        f"{d.members} members, {d.points} points; mean {d.mean:.1f}, median {d.median:.1f}; "
        f"top 10 % of members hold {d.top_10_percent_share:.0%} of the points"
    )
    print()
    print(
        f"{'#':>3}  {'member':<24} {'team':<18} {'actions':>7} {'points':>7}  "
        f"{'level':<14} {'badges':>6}"
    )
    for position, member in enumerate(result.members[:top], start=1):
        name = member.display_name or member.member
        print(
            f"{position:>3}  {name[:24]:<24} {(member.team or '')[:18]:<18} "
            f"{member.actions:>7} {member.points:>7}  {(member.level_name or '-')[:14]:<14} "
            f"{len(member.badges):>6}"
        )
    if len(result.members) > top:
        print(f"     … and {len(result.members) - top} more (--top N to see them)")


def _replay(args: argparse.Namespace) -> int:
    engine = Engagement(args.db)
    report = engine.replay(apply=args.apply)
    verb = "adjusted" if report.applied else "would change"
    print(
        f"{report.actions} actions replayed; {report.changed} {verb}; "
        f"points {report.points_before} -> {report.points_after}"
    )
    for key, before, after in report.examples:
        print(f"  {key}: {before} -> {after}")
    return 0


def _badges(args: argparse.Namespace) -> int:
    engine = Engagement(args.db)
    progress = engine.badges(args.member, locale=args.locale)
    level = engine.level(args.member, locale=args.locale)
    upcoming = next_badges(progress)
    if args.json:
        print(
            json.dumps(
                {
                    "member": args.member,
                    "level": asdict(level),
                    "badges": [asdict(item) for item in progress],
                    "next": [item.badge for item in upcoming],
                },
                indent=2,
            )
        )
        return 0
    print(f"{args.member}: {level.points} points, level {level.level} ({level.name or '-'})")
    for item in progress:
        earned = ", ".join(t or "earned" for t in item.earned) or "-"
        print(f"  {item.name:<28} {item.percent:>3} %  earned: {earned}")
    for item in upcoming:
        print(f"  next: {item.hint}")
    return 0


def _award_pending(args: argparse.Namespace) -> int:
    engine = Engagement(args.db)
    awarded = engine.award_pending_badges()
    print(f"{len(awarded)} badge awards written")
    for award in awarded:
        print(f"  {award.member}: {award.label}")
    return 0


def _print_kpis(result: SimulationResult) -> None:
    if result.kpis is not None:
        print()
        print("programme KPIs (engagement report --period all):")
        for line in kpi_lines(result.kpis.overall):
            print(f"  {line}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _report(args: argparse.Namespace) -> int:
    if args.period is not None and (args.season or args.start or args.end):
        raise InvalidInputError("--period: give a period, a season or --from/--to, not several")
    engine = Engagement(args.db)
    try:
        report = engine.programme_report(
            args.period or "month",
            at=args.at,
            start=args.start,
            end=args.end,
            season=args.season,
            team=args.team,
            by_team=args.by_team,
            top=args.top,
        )
    finally:
        engine.close()
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    elif args.format == "csv":
        sys.stdout.write(report.to_csv())
    else:
        sys.stdout.write(report.to_text())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
