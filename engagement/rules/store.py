"""Storing rulesets: every activation is a new version, activated atomically."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError

from engagement.badges.criteria import CriterionKindRegistry
from engagement.exceptions import NotConfiguredError
from engagement.rules.kinds import RuleKindRegistry
from engagement.rules.limits import MAX_BYTES
from engagement.rules.loader import load_ruleset
from engagement.rules.ruleset import Ruleset
from engagement.storage.tables import rulesets

ACTIVE_VERSION = select(rulesets.c.version).where(rulesets.c.active.is_(True)).scalar_subquery()


def activate(connection: Connection, ruleset: Ruleset, source: str) -> Ruleset:
    """Store ``ruleset`` as a new active version, inside the caller's transaction.

    The previous version is deactivated in the same transaction, so readers see
    either the old ruleset or the new one, never none or both.  Activating the text
    that is already active changes nothing and returns the active version.
    """
    current = connection.execute(
        select(rulesets.c.version, rulesets.c.content_hash).where(rulesets.c.active.is_(True))
    ).first()
    if current is not None and current.content_hash == ruleset.content_hash:
        return ruleset.with_version(current.version)
    latest = connection.execute(select(func.max(rulesets.c.version))).scalar_one()
    version = (latest or 0) + 1
    connection.execute(update(rulesets).where(rulesets.c.active.is_(True)).values(active=False))
    connection.execute(
        insert(rulesets).values(
            version=version,
            content_hash=ruleset.content_hash,
            source=source[:512],
            text=ruleset.text,
            active=True,
            created_at=datetime.now(UTC),
        )
    )
    return ruleset.with_version(version)


def active_version(connection: Connection) -> int | None:
    try:
        return connection.execute(select(ACTIVE_VERSION)).scalar_one_or_none()
    except DBAPIError as exc:
        if inspect(connection).has_table(rulesets.name):
            raise
        raise NotConfiguredError(
            "this database has no engagement tables: call Engagement.create_schema() first"
        ) from exc


def load_version(
    connection: Connection,
    version: int,
    registry: RuleKindRegistry,
    criteria: CriterionKindRegistry | None = None,
) -> Ruleset:
    row = connection.execute(
        select(rulesets.c.text, rulesets.c.source).where(rulesets.c.version == version)
    ).first()
    if row is None:
        raise NotConfiguredError(f"ruleset version {version} does not exist")
    # A host may have raised the size limit to activate this text: what was once
    # accepted and stored must always load again.
    stored_bytes = len(row.text.encode("utf-8", "surrogatepass"))
    ruleset = load_ruleset(
        row.text,
        registry,
        source=row.source,
        criteria=criteria,
        max_bytes=max(MAX_BYTES, stored_bytes),
    )
    return ruleset.with_version(version)


class RulesetCache:
    """Compiled rulesets by version: compiling a rule file is far slower than scoring."""

    def __init__(
        self, registry: RuleKindRegistry, criteria: CriterionKindRegistry | None = None
    ) -> None:
        self.registry = registry
        self.criteria = criteria
        self._by_version: dict[int, Ruleset] = {}

    def remember(self, ruleset: Ruleset) -> None:
        if ruleset.version is not None:
            self._by_version[ruleset.version] = ruleset

    def get(self, connection: Connection, version: int | None) -> Ruleset:
        if version is None:
            raise NotConfiguredError(
                "no active ruleset: call Engagement.activate_rules(path) first "
                "(engagement.DEFAULT_RULES_PATH is the shipped default)"
            )
        ruleset = self._by_version.get(version)
        if ruleset is None:
            ruleset = load_version(connection, version, self.registry, self.criteria)
            self._by_version[version] = ruleset
        return ruleset

    def active(self, connection: Connection) -> Ruleset:
        return self.get(connection, active_version(connection))
