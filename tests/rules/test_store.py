"""Stored rulesets load again, whatever limit was raised to activate them."""

from __future__ import annotations

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.rules.limits import MAX_BYTES
from engagement.rules.loader import load_ruleset_file


def test_a_ruleset_activated_over_the_default_size_limit_loads_again(
    database_url: str, tmp_path
) -> None:
    big = tmp_path / "big.yaml"
    padding = ("# " + "x" * 98 + "\n") * (MAX_BYTES // 100 + 10)
    big.write_text(DEFAULT_RULES_PATH.read_text(encoding="utf-8") + padding, encoding="utf-8")
    with Engagement(database_url) as engine:
        engine.create_schema()
        ruleset = load_ruleset_file(big, engine.rule_kinds, max_bytes=2 * MAX_BYTES)
        version = engine.activate_rules(ruleset).version
    with Engagement(database_url) as other:  # another process: nothing cached
        assert other.active_rules().version == version
