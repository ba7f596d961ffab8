"""The extension's settings: ``ENGAGEMENT_*`` keys of the host's ``app.config``.

Read once, in ``init_app``, and checked there, so a typo fails when the application
starts rather than on the first request.  Every key and its default is listed in
:data:`DEFAULTS` and documented in docs/flask.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engagement.exceptions import EngagementError

PREFIX = "ENGAGEMENT_"

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,
    "SQLALCHEMY_ENGINE": None,
    "ENGINE_OPTIONS": {},
    "CREATE_SCHEMA": False,
    "RULES": None,
    "URL_PREFIX": "/engagement",
    "LOCALE": None,
    "MAX_BODY_BYTES": 64 * 1024,
    "MAX_RULES_BYTES": 1024 * 1024,
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 200,
    "TRUSTED_ORIGINS": (),
    "RATE_LIMIT": 0,
    "API_TITLE": "engagement",
}
"""Every setting (without its ``ENGAGEMENT_`` prefix) and its default."""


class ConfigurationError(EngagementError, ValueError):
    """The host's ``ENGAGEMENT_*`` settings, or its use of the extension, are wrong."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The checked settings of one application."""

    database_url: str | None
    sqlalchemy_engine: Any
    engine_options: Mapping[str, Any]
    create_schema: bool
    rules: Path | None
    url_prefix: str
    locale: str | None
    max_body_bytes: int
    max_rules_bytes: int
    page_size: int
    max_page_size: int
    trusted_origins: frozenset[str]
    rate_limit: int
    api_title: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        unknown = sorted(
            key[len(PREFIX) :]
            for key in config
            if key.startswith(PREFIX) and key[len(PREFIX) :] not in DEFAULTS
        )
        if unknown:
            raise ConfigurationError(
                f"unknown setting(s) {', '.join(PREFIX + k for k in unknown)}; "
                f"the known ones are {', '.join(PREFIX + k for k in DEFAULTS)}"
            )
        values = {key: config.get(PREFIX + key, default) for key, default in DEFAULTS.items()}
        prefix = values["URL_PREFIX"]
        if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/"):
            raise ConfigurationError(
                f"{PREFIX}URL_PREFIX: a path starting with '/' and not ending with one, "
                f"such as '/engagement', not {prefix!r}"
            )
        for key in ("MAX_BODY_BYTES", "MAX_RULES_BYTES", "PAGE_SIZE", "MAX_PAGE_SIZE"):
            _positive(key, values[key])
        if values["PAGE_SIZE"] > values["MAX_PAGE_SIZE"]:
            raise ConfigurationError(
                f"{PREFIX}PAGE_SIZE ({values['PAGE_SIZE']}) is above "
                f"{PREFIX}MAX_PAGE_SIZE ({values['MAX_PAGE_SIZE']}): lower it or raise the maximum"
            )
        rate = values["RATE_LIMIT"]
        if not isinstance(rate, int) or isinstance(rate, bool) or rate < 0:
            raise ConfigurationError(
                f"{PREFIX}RATE_LIMIT: requests a minute per caller, 0 for none, not {rate!r}"
            )
        origins = values["TRUSTED_ORIGINS"]
        if isinstance(origins, str) or not all(isinstance(o, str) for o in origins):
            raise ConfigurationError(
                f"{PREFIX}TRUSTED_ORIGINS: a list of origins such as "
                f"['https://intranet.example.com'], not {origins!r}"
            )
        if not isinstance(values["ENGINE_OPTIONS"], Mapping):
            raise ConfigurationError(
                f"{PREFIX}ENGINE_OPTIONS: a dict of Engagement() keyword arguments, "
                f"not {values['ENGINE_OPTIONS']!r}"
            )
        rules = values["RULES"]
        return cls(
            database_url=values["DATABASE_URL"],
            sqlalchemy_engine=values["SQLALCHEMY_ENGINE"],
            engine_options=dict(values["ENGINE_OPTIONS"]),
            create_schema=bool(values["CREATE_SCHEMA"]),
            rules=Path(rules) if rules is not None else None,
            url_prefix=prefix,
            locale=values["LOCALE"],
            max_body_bytes=values["MAX_BODY_BYTES"],
            max_rules_bytes=values["MAX_RULES_BYTES"],
            page_size=values["PAGE_SIZE"],
            max_page_size=values["MAX_PAGE_SIZE"],
            trusted_origins=frozenset(o.rstrip("/").lower() for o in origins),
            rate_limit=rate,
            api_title=str(values["API_TITLE"]),
        )


def _positive(key: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigurationError(f"{PREFIX}{key}: a whole number above 0, not {value!r}")
