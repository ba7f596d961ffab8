"""A validated rule file, compiled for scoring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engagement.badges.catalogue import EMPTY_CATALOGUE, Catalogue
from engagement.core.facts import Fact
from engagement.core.periods import Clock
from engagement.rules.board_clock import BoardClock
from engagement.rules.kinds import PHASES, RuleKind
from engagement.rules.model import RuleFile, VerbSpec


class Ruleset:
    """Verbs and rules ready to score, with each verb's pipeline precomputed.

    ``version`` is set once the ruleset is stored; ``content_hash`` identifies the
    exact text it came from, so activating the same file twice is a no-op.
    """

    def __init__(
        self,
        file: RuleFile,
        rules: Sequence[RuleKind[Any]],
        *,
        text: str,
        content_hash: str,
        version: int | None = None,
        catalogue: Catalogue = EMPTY_CATALOGUE,
    ) -> None:
        self.file = file
        self.rules = tuple(rules)
        self.text = text
        self.content_hash = content_hash
        self.version = version
        self.catalogue = catalogue
        """Badges, challenges and levels (see :mod:`engagement.badges`)."""
        self.clock = Clock(week_start=file.week_start_index)
        self.boards = BoardClock(file)
        """The periods of the leaderboards (see :mod:`engagement.leaderboards`)."""
        ordered = sorted(self.rules, key=lambda rule: PHASES.index(rule.phase))
        self._pipelines = {
            verb: tuple(rule for rule in ordered if rule.applies_to(verb)) for verb in file.verbs
        }
        self._remembering = {
            verb: tuple(rule for rule in self.rules if rule.remembers(verb)) for verb in file.verbs
        }

    @property
    def verbs(self) -> dict[str, VerbSpec]:
        return self.file.verbs

    def with_version(self, version: int) -> Ruleset:
        return Ruleset(
            self.file,
            self.rules,
            text=self.text,
            content_hash=self.content_hash,
            version=version,
            catalogue=self.catalogue,
        )

    def pipeline(self, verb: str) -> tuple[RuleKind[Any], ...]:
        """Rules that score ``verb``: bonuses, then modifiers, then caps."""
        return self._pipelines[verb]

    def rules_remembering(self, verb: str) -> tuple[RuleKind[Any], ...]:
        return self._remembering.get(verb, ())

    def lookback(self, fact: Fact) -> float | None:
        """Earliest instant of history that scoring ``fact`` reads (``None``: none)."""
        starts = [s for rule in self.pipeline(fact.verb) if (s := rule.lookback(fact)) is not None]
        return min(starts) if starts else None
