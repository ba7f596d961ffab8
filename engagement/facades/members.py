"""``engine.members``: enrolment, consent and the rights members hold over their data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engagement.core.limits import member_id as checked_id
from engagement.exceptions import InvalidInputError
from engagement.pipeline import privacy
from engagement.pipeline.membership import upsert_member
from engagement.pipeline.privacy import Erasure
from engagement.pipeline.runtime import Runtime
from engagement.rules.store import active_version
from engagement.storage.members import Member, get_member

MEMBER_FIELDS = frozenset({"display_name", "team", "opted_in", "timezone", "locale"})
"""What :meth:`Members.upsert` accepts besides the member's id."""


class Members:
    """The programme's members, referred to by the host's own id strings."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def upsert(self, member_id: str, *, session: Session | None = None, **fields: Any) -> Member:
        """Create or update a member: ``display_name``, ``team``, ``opted_in``,
        ``timezone`` (IANA name) and ``locale``; fields not passed are kept."""
        unknown = set(fields) - MEMBER_FIELDS
        if unknown:
            raise InvalidInputError(f"unknown member field(s): {', '.join(sorted(unknown))}")
        with self._runtime.unit(session) as (connection, _):
            return upsert_member(connection, member_id, **fields)

    def get(self, member_id: str, *, session: Session | None = None) -> Member | None:
        """The member, or ``None`` if the id was never enrolled."""
        member_id = checked_id(member_id)
        with self._runtime.unit(session) as (connection, _):
            return get_member(connection, member_id)

    def opt_in(self, member_id: str, *, session: Session | None = None) -> Member:
        """The member agrees to appear on public boards (from now, on all of them)."""
        member_id = checked_id(member_id)
        with self._runtime.unit(session) as (connection, _):
            return privacy.set_consent(connection, member_id, True)

    def opt_out(self, member_id: str, *, session: Session | None = None) -> Member:
        """The member leaves every public board at once; they keep their points and
        badges, and still see privately where they would stand."""
        member_id = checked_id(member_id)
        with self._runtime.unit(session) as (connection, _):
            return privacy.set_consent(connection, member_id, False)

    def erase(self, member_id: str, *, session: Session | None = None) -> Erasure:
        """Erase a member's personal data (right to erasure): their id becomes a random
        pseudonym, their name, time zone, locale, texts and HR's reasons about them go,
        and colleagues' actions naming them name the pseudonym.  Points, badges and
        aggregates stay, anonymous.  With the active rule file's ``privacy:
        {erase_keys: true}``, the keys of actions by or aimed at the member are
        replaced by random ones.  Irreversible; the old id can join again as new."""
        member_id = checked_id(member_id)
        runtime = self._runtime
        with runtime.unit(session) as (connection, _):
            version = active_version(connection)
            ruleset = runtime.rulesets.get(connection, version) if version is not None else None
            erase_keys = ruleset is not None and ruleset.file.privacy.erase_keys
            return privacy.erase(connection, member_id, erase_keys=erase_keys)

    def export(self, member_id: str, *, session: Session | None = None) -> dict[str, Any]:
        """Everything held on one member, as JSON-ready data (right of access)."""
        member_id = checked_id(member_id)
        with self._runtime.unit(session) as (connection, _):
            return privacy.export(connection, member_id)
