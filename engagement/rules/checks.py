"""Whether an action fits the active rules: a verb the ruleset knows, with what it needs.

The shape of an action (types, sizes) is checked once when it is parsed
(:mod:`engagement.core.actions`); what depends on the rule file HR activated is
checked here, before anything is written.
"""

from __future__ import annotations

from engagement.core.actions import Action
from engagement.exceptions import InvalidActionError
from engagement.rules.ruleset import Ruleset


def check_action(action: Action, ruleset: Ruleset) -> None:
    """Refuse what the ruleset cannot score: unknown verbs, missing targets, long texts."""

    def refuse(message: str) -> InvalidActionError:
        return InvalidActionError(message, key=action.key)

    verb = ruleset.verbs.get(action.verb)
    if verb is None:
        known = ", ".join(sorted(ruleset.verbs))
        raise refuse(f"verb: unknown verb {action.verb!r}; known: {known}")
    if verb.target == "required" and action.target is None:
        raise refuse(f"target: a {action.verb!r} action names a colleague")
    if verb.target == "none" and action.target is not None:
        raise refuse(f"target: a {action.verb!r} action has no target")
    if verb.content == "required" and action.content is None:
        raise refuse(f"content: a {action.verb!r} action needs content")
    if verb.content == "or_text" and action.content is None and not (action.text or "").strip():
        raise refuse(
            f"text: a {action.verb!r} action without content needs a text: say in your own "
            "words what colleagues could share"
        )
    if verb.content == "none" and action.content is not None:
        raise refuse(f"content: a {action.verb!r} action has no content")
    limit = ruleset.file.max_text_length
    for field, text in (
        ("text", action.text),
        ("content.suggested_text", action.content.suggested_text if action.content else None),
    ):
        if text is not None and len(text) > limit:
            raise refuse(f"{field}: {len(text)} characters, more than the limit of {limit}")
