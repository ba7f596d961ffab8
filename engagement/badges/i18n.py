"""Texts in several languages, as HR writes them in the rule file.

A text is either a plain string (one language for everybody) or a mapping from
language tag to string.  Members see the text in their own locale when the file has
it, else in the programme's default locale, else in whatever language comes first:
a member never sees an empty badge name because a translation is missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import PlainValidator, StringConstraints, WithJsonSchema

_TAG = re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")
LocaleTag = Annotated[str, StringConstraints(pattern=_TAG.pattern)]


def _check_text(value: object) -> str | dict[str, str]:
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping) or not value:
        raise ValueError("expected a text, or a mapping of language tag (en, fr…) to text")
    for tag, text in value.items():
        if not isinstance(tag, str) or not _TAG.match(tag):
            raise ValueError(f"{tag!r} is not a language tag such as en, fr or fr-CA")
        if not isinstance(text, str) or not text:
            raise ValueError(f"{tag}: expected a non-empty text")
    return dict(value)


Text = Annotated[
    str | dict[str, str],
    PlainValidator(_check_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "propertyNames": {"pattern": _TAG.pattern},
                    "additionalProperties": {"type": "string", "minLength": 1},
                    "minProperties": 1,
                },
            ],
            "description": "A text, or a mapping of language tag (en, fr, fr-CA…) to text.",
        }
    ),
]


def pick(text: str | Mapping[str, str], locale: str | None, default: str) -> str:
    """``text`` in ``locale`` (``fr-CA`` falls back to ``fr``), else in ``default``."""
    if isinstance(text, str):
        return text
    for wanted in _candidates(locale) + _candidates(default):
        if wanted in text:
            return text[wanted]
    return next(iter(text.values()), "")


def language(locale: str | None, default: str) -> str:
    """The bare language (``fr``) that ``locale`` speaks, for built-in sentences."""
    return (locale or default).replace("_", "-").split("-")[0].lower()


def _candidates(locale: str | None) -> list[str]:
    if not locale:
        return []
    tag = locale.replace("_", "-")
    base = tag.split("-")[0]
    return [tag, tag.lower(), base.lower()] if base != tag else [tag.lower()]
