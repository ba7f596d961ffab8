"""The ``engagement`` command: a stable contract for HR and scripts.

Exit codes: 0 success, 1 invalid rule file, 2 invalid input or usage, 3 a check
found differences (``rebuild-leaderboards --check``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from .analytics.text import kpi_lines
from .badges.evaluation import next_badges
from .engine import Engagement
from .exceptions import EngagementError, InvalidInputError, RuleFileError
from .leaderboards.standings import Leaderboard
from .outbox import RECOGNITION, WebhookReceiver
from .outbox.webhook import STYLES
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
    sim.set_defaults(run=_with_engine(_simulate))

    replay = commands.add_parser("replay", help="rescore a database's log under its rules")
    replay.add_argument("--db", required=True, help="database URL")
    replay.add_argument("--apply", action="store_true", help="append adjustment entries")
    replay.set_defaults(run=_with_engine(_replay))

    badges = commands.add_parser("badges", help="a member's badges, level and what next")
    badges.add_argument("member")
    badges.add_argument("--db", required=True, help="database URL")
    badges.add_argument("--locale", help="language of the texts (default: the member's)")
    badges.add_argument("--json", action="store_true", help="print one JSON object")
    badges.set_defaults(run=_with_engine(_badges))

    pending = commands.add_parser(
        "award-pending", help="award badges members already meet (after adding badges)"
    )
    pending.add_argument("--db", required=True, help="database URL")
    pending.set_defaults(run=_with_engine(_award_pending))

    board = commands.add_parser("leaderboard", help="the top of a board, as members see it")
    standing = commands.add_parser("standing", help="where a member stands on a board")
    standing.add_argument("member")
    for command in (board, standing):
        command.add_argument("--db", required=True, help="database URL")
        command.add_argument(
            "--period", default="week", help="week, month, quarter, year, all or season:ID"
        )
        command.add_argument("--at", help="an instant in the period (ISO 8601; default now)")
        command.add_argument("--team", help="only this team")
        command.add_argument("--group", help="only this group of members")
        command.add_argument("--metric", default="points", choices=["points", "variety"])
        command.add_argument("--locale", help="language of season names")
        command.add_argument("--json", action="store_true", help="print one JSON object")
    board.add_argument("--limit", type=int, default=20, help="entries (default 20)")
    board.add_argument("--offset", type=int, default=0, help="skip this many first")
    board.set_defaults(run=_with_engine(_leaderboard))
    standing.add_argument("-k", type=int, default=3, help="neighbours each side (default 3)")
    standing.set_defaults(run=_with_engine(_standing))

    rebuild = commands.add_parser(
        "rebuild-leaderboards", help="recompute every board's score rows from the ledger"
    )
    rebuild.add_argument("--db", required=True, help="database URL")
    rebuild.add_argument("--check", action="store_true", help="only compare; exit 3 if rows differ")
    rebuild.set_defaults(run=_with_engine(_rebuild))

    export = commands.add_parser("export-member", help="everything held on a member, as JSON")
    export.add_argument("member")
    export.add_argument("--db", required=True, help="database URL")
    export.set_defaults(run=_with_engine(_export_member))

    erase = commands.add_parser(
        "erase-member", help="erase a member's personal data, keep anonymous aggregates"
    )
    erase.add_argument("member")
    erase.add_argument("--db", required=True, help="database URL")
    erase.add_argument("--yes", action="store_true", help="confirm: erasure cannot be undone")
    erase.set_defaults(run=_with_engine(_erase_member))

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
    report.set_defaults(run=_with_engine(_report))
    drain = commands.add_parser(
        "drain", help="deliver the outbox to a webhook (run it from cron or a timer)"
    )
    drain.add_argument("--db", required=True, help="database URL")
    drain.add_argument("--webhook", required=True, metavar="URL", help="incoming webhook URL")
    drain.add_argument("--style", choices=STYLES, default="slack", help="message format")
    drain.add_argument("--limit", type=int, default=100, help="messages at most (default 100)")
    drain.add_argument(
        "--max-attempts", type=int, default=8, help="tries before dead-lettering (default 8)"
    )
    drain.add_argument(
        "--events",
        help=f"comma-separated events to post (default: {','.join(sorted(RECOGNITION))})",
    )
    drain.set_defaults(run=_drain)
    return parser


def _with_engine(
    handler: Callable[[argparse.Namespace, Engagement], int],
) -> Callable[[argparse.Namespace], int]:
    """Run ``handler`` with an engine on ``--db``, closed afterwards."""

    def run(args: argparse.Namespace) -> int:
        with Engagement(args.db) as engine:
            return handler(args, engine)

    return run


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


def _simulate(args: argparse.Namespace, engine: Engagement) -> int:
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
        f"{'#':>3}  {'rank':>4}  {'member':<24} {'team':<18} {'actions':>7} {'points':>7}  "
        f"{'level':<14} {'badges':>6}"
    )
    for position, member in enumerate(result.members[:top], start=1):
        name = member.display_name or member.member
        rank = str(member.rank) if member.on_board else f"({member.rank})"
        print(
            f"{position:>3}  {rank:>4}  {name[:24]:<24} {(member.team or '')[:18]:<18} "
            f"{member.actions:>7} {member.points:>7}  {(member.level_name or '-')[:14]:<14} "
            f"{len(member.badges):>6}"
        )
    if len(result.members) > top:
        print(f"     … and {len(result.members) - top} more (--top N to see them)")
    print("     rank: on the all-time board; (n): where a member who did not opt in would be")
    if result.board is not None:
        print()
        _print_board(result.board)


def _print_board(board: Leaderboard) -> None:
    """A board as members see it: exact ranks for the top, bands below."""
    title = _title(board.period, board.name)
    scope = "" if board.scope == "everyone" else f", {board.scope}"
    print(f"Leaderboard {title}{scope}, {board.metric} ({board.participants} members opted in)")
    for entry in board.entries:
        place = (
            f"{entry.rank:>3}."
            if entry.rank is not None
            else (f"top {entry.band} %" if entry.band is not None else "")
        )
        name = entry.display_name or entry.member
        print(f"  {place:>10}  {name[:28]:<28} {entry.score:>7}")


def _title(period: str, name: str | None) -> str:
    return name or ("all time" if period == "all" else period)


def _replay(args: argparse.Namespace, engine: Engagement) -> int:
    report = engine.replay(apply=args.apply)
    verb = "adjusted" if report.applied else "would change"
    print(
        f"{report.actions} actions replayed; {report.changed} {verb}; "
        f"points {report.points_before} -> {report.points_after}"
    )
    for key, before, after in report.examples:
        print(f"  {key}: {before} -> {after}")
    return 0


def _badges(args: argparse.Namespace, engine: Engagement) -> int:
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


def _award_pending(args: argparse.Namespace, engine: Engagement) -> int:
    awarded = engine.award_pending_badges()
    print(f"{len(awarded)} badge awards written")
    for award in awarded:
        print(f"  {award.member}: {award.label}")
    return 0


def _board_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "period": args.period,
        "at": _aware(args.at) if args.at else None,
        "team": args.team,
        "group": args.group,
        "metric": args.metric,
        "locale": args.locale,
    }


def _aware(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--at: {text!r} is not an ISO 8601 date and time") from None
    if at.tzinfo is None:
        raise InvalidInputError(f"--at: {text!r} needs a UTC offset, such as +01:00 or Z")
    return at


def _leaderboard(args: argparse.Namespace, engine: Engagement) -> int:
    board = engine.leaderboard(limit=args.limit, offset=args.offset, **_board_options(args))
    if args.json:
        print(json.dumps(asdict(board), indent=2, default=str))
    else:
        _print_board(board)
    return 0


def _standing(args: argparse.Namespace, engine: Engagement) -> int:
    around = engine.standing(args.member, k=args.k, **_board_options(args))
    if args.json:
        print(json.dumps(asdict(around), indent=2, default=str))
        return 0
    me = around.me
    # Below the last band, no position at all: nobody is told they are at the bottom.
    where = (
        f"rank {me.rank} with "
        if me.rank is not None
        else (f"top {me.band} % with " if me.band is not None else "")
    )
    seen = "" if me.public else " (private: you have not opted in, nobody else sees this)"
    print(
        f"{args.member} on {_title(around.period, around.name)}: {where}{me.score} "
        f"{around.metric}, among {around.participants} participants{seen}"
    )
    for entry in (*around.above, me, *around.below):
        place = str(entry.rank) if entry.rank is not None else "-"
        name = entry.display_name or entry.member
        print(f"  {'>' if entry.you else ' '} {place:>4}  {name[:28]:<28} {entry.score:>7}")
    return 0


def _rebuild(args: argparse.Namespace, engine: Engagement) -> int:
    report = engine.rebuild_leaderboards(check=args.check)
    done = "would be rewritten" if args.check else "rewritten"
    print(
        f"{report.rows} score rows from the ledger, {report.stored} stored; "
        f"{report.differences} differ, {report.tally_differences} score tallies differ"
        f"{'' if report.consistent else f' ({done})'}"
    )
    for example in report.examples:
        print(f"  {example}")
    return 3 if args.check and not report.consistent else 0


def _export_member(args: argparse.Namespace, engine: Engagement) -> int:
    print(json.dumps(engine.export_member(args.member), indent=2))
    return 0


def _erase_member(args: argparse.Namespace, engine: Engagement) -> int:
    if not args.yes:
        raise InvalidInputError(
            f"erasing {args.member!r} cannot be undone: run again with --yes to confirm "
            "(export-member first if they asked for a copy)"
        )
    erasure = engine.erase_member(args.member)
    print(
        f"{erasure.member} erased: now {erasure.pseudonym}; {erasure.texts_removed} texts "
        f"removed, {erasure.mentions_replaced} colleagues' actions no longer name them"
    )
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


def _report(args: argparse.Namespace, engine: Engagement) -> int:
    if args.period is not None and (args.season or args.start or args.end):
        raise InvalidInputError("--period: give a period, a season or --from/--to, not several")
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
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    elif args.format == "csv":
        sys.stdout.write(report.to_csv())
    else:
        sys.stdout.write(report.to_text())
    return 0


def _drain(args: argparse.Namespace) -> int:
    """Failed deliveries still exit 0: they are retried by a later run."""
    events = RECOGNITION if args.events is None else [e.strip() for e in args.events.split(",")]
    receiver = WebhookReceiver(args.webhook, style=args.style, events=events)
    with Engagement(args.db) as engine:
        report = engine.drain_outbox(receiver, limit=args.limit, max_attempts=args.max_attempts)
    print(
        f"{report.delivered} delivered, {report.failed} failed (retried later), "
        f"{report.dead} dead" + (f", {report.released} handed back" if report.released else "")
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
