"""``validate``, ``schema`` and ``activate``: rule files, for HR, their editors and
the people who put a new version live."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click

from engagement.cli.errors import ExitCode, clip
from engagement.cli.state import State, db_option, pass_state
from engagement.exceptions import NotConfiguredError, Problem, RuleFileError
from engagement.rules import default_registry, load_ruleset_file, ruleset_json_schema


@contextmanager
def reading_rules(path: str) -> Iterator[None]:
    """Turn a rule file too deeply nested for the YAML reader into a problem of the file."""
    try:
        yield
    except RecursionError:
        problem = Problem(str(path), None, "", "cannot read file: nested too deeply")
        raise RuleFileError([problem]) from None


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE")
@click.pass_context
def validate(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Check rule files; print FILE:LINE problems.

    Each file gets "FILE: ok (…)" or one line per problem, "FILE:LINE: dotted.path:
    message", on stdout.  Exits 1 if any file has a problem.
    """
    registry = default_registry()
    status = ExitCode.OK
    for path in files:
        try:
            with reading_rules(path):
                ruleset = load_ruleset_file(path, registry)
        except RuleFileError as exc:
            for problem in exc.problems:
                click.echo(clip(str(problem)))
            status = ExitCode.RULE_FILE
        else:
            catalogue = ruleset.catalogue
            click.echo(
                f"{path}: ok ({len(ruleset.verbs)} verbs, {len(ruleset.rules)} rules, "
                f"{len(catalogue.badges)} badges, {len(catalogue.levels)} levels, "
                f"{len(catalogue.challenges)} challenges)"
            )
    ctx.exit(status)


@click.command()
def schema() -> None:
    """Print the rule file's JSON Schema (for editors)."""
    click.echo(json.dumps(ruleset_json_schema(default_registry()), indent=2))


@click.command()
@click.argument("file", metavar="FILE")
@db_option
@pass_state
def activate(state: State, file: str, db: str) -> None:
    """Validate FILE and make it the active ruleset, as a new version.

    A file with problems exits 1 and changes nothing; the same text as the active
    version changes nothing either.  Points already awarded stay: preview a rescoring
    with 'engagement replay --db URL' (or, before activating, '--rules FILE').
    """
    with state.engine(db) as engine:
        try:
            before: int | None = engine.active_rules().version
        except NotConfiguredError:
            before = None
        with reading_rules(file):
            stored = engine.activate_rules(file)
    if stored.version == before:
        click.echo(f"{file}: already active as version {stored.version}")
    else:
        was = f" (was {before})" if before is not None else ""
        click.echo(f"{file}: activated as version {stored.version}{was}")
