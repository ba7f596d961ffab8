"""The extension object: ``init_app``, the host's callbacks, the state per application."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import flask_smorest
import sqlalchemy as sa
from flask import Flask, current_app

from engagement.engine import Engagement
from engagement.flask._errors import ErrorSchema
from engagement.flask._settings import ConfigurationError, Settings

MemberLoader = Callable[[], "str | None"]
"""Returns the current user's member id, or ``None`` (anonymous, or not a member)."""
AdministratorCheck = Callable[[], bool]
"""Returns whether the current user administers the programme."""
MemberDisplay = Callable[[str], "str | None"]
"""Returns how to show a member (a name), or ``None`` for the engine's display name."""
CsrfCheck = Callable[[], bool]
"""Returns whether a state-changing request passes the host's CSRF protection."""

F = TypeVar("F", bound=Callable[..., object])


class _Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's ``Api`` without its application-wide error handlers (the
    extension scopes its own to its blueprints) and without a docs blueprint."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        return None


@dataclass(slots=True)
class State:
    """What the extension keeps for one application, in ``app.extensions["engagement"]``."""

    extension: FlaskEngagement
    engine: Engagement
    settings: Settings
    api: flask_smorest.Api
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Rate limiting: caller -> (minute, requests in it)."""
    lock: threading.Lock = field(default_factory=threading.Lock)


class FlaskEngagement:
    """Embed the engine and its JSON API in a Flask application.

    ``FlaskEngagement(app)``, or ``ext = FlaskEngagement()`` then ``ext.init_app(app)``
    in an application factory.  Settings are read from ``ENGAGEMENT_*`` keys of
    ``app.config``; pass ``engine=`` to share an :class:`~engagement.Engagement` the
    host already built.  The host keeps its users and login, and tells the extension
    who is asking through three callbacks: :meth:`member_loader`,
    :meth:`administrator_check` and :meth:`member_display`.
    """

    def __init__(self, app: Flask | None = None, *, engine: Engagement | None = None) -> None:
        self._engine = engine
        self._member_loader: MemberLoader | None = None
        self._administrator_check: AdministratorCheck | None = None
        self._member_display: MemberDisplay | None = None
        self._csrf_check: CsrfCheck | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the settings, build (or take) the engine, register the API blueprints."""
        if "engagement" in app.extensions:
            raise ConfigurationError(
                "engagement is already initialised on this application: call init_app "
                "once per application (a second extension object is not needed)"
            )
        from engagement.flask import views_admin, views_member
        from engagement.flask._fallback import blp as fallback
        from engagement.flask.cli import flask_cli

        settings = Settings.from_config(app.config)
        engine = self._engine if self._engine is not None else _build_engine(settings)
        if settings.create_schema:
            engine.create_schema()
        if settings.rules is not None:
            engine.activate_rules(settings.rules)
        api = _Api(
            app,
            spec_kwargs={
                "title": settings.api_title,
                "version": "1",
                "openapi_version": "3.0.3",
            },
            config_prefix="ENGAGEMENT_SMOREST",
        )
        app.extensions["engagement"] = State(self, engine, settings, api)
        prefix = settings.url_prefix
        api.register_blueprint(views_member.blp.blueprint, url_prefix=prefix)
        api.register_blueprint(views_admin.blp.blueprint, url_prefix=f"{prefix}/admin")
        app.register_blueprint(fallback, url_prefix=settings.url_prefix)
        app.cli.add_command(flask_cli)

    # -- the host's callbacks ------------------------------------------------------

    def member_loader(self, callback: F) -> F:
        """Decorate the function returning the current user's member id (or ``None``)."""
        self.set_member_loader(callback)  # type: ignore[arg-type]
        return callback

    def set_member_loader(self, callback: MemberLoader) -> None:
        self._member_loader = callback

    def administrator_check(self, callback: F) -> F:
        """Decorate the function telling whether the current user administers the
        programme (HR); without one, nobody does."""
        self.set_administrator_check(callback)  # type: ignore[arg-type]
        return callback

    def set_administrator_check(self, callback: AdministratorCheck) -> None:
        self._administrator_check = callback

    def member_display(self, callback: F) -> F:
        """Decorate the function returning how to show a member id to others (a name);
        without one, or where it returns ``None``, the engine's display name is used."""
        self.set_member_display(callback)  # type: ignore[arg-type]
        return callback

    def set_member_display(self, callback: MemberDisplay) -> None:
        self._member_display = callback

    def csrf_check(self, callback: F) -> F:
        """Decorate the host's own CSRF check, used instead of the Origin/Referer check
        on state-changing requests (it returns whether the request passes)."""
        self.set_csrf_check(callback)  # type: ignore[arg-type]
        return callback

    def set_csrf_check(self, callback: CsrfCheck) -> None:
        self._csrf_check = callback

    # -- what the host and the views read ------------------------------------------

    @property
    def engine(self) -> Engagement:
        """The current application's engine (inside an application context)."""
        return state().engine

    def current_member(self) -> str | None:
        if self._member_loader is None:
            raise ConfigurationError(
                "no member loader: register one with @ext.member_loader returning the "
                "current user's member id or None (the extension has no login of its own)"
            )
        member = self._member_loader()
        if member is not None and not isinstance(member, str):
            raise ConfigurationError(
                f"the member loader returned {member!r}: return the member id as a str, or None"
            )
        return member

    def is_administrator(self) -> bool:
        return bool(self._administrator_check()) if self._administrator_check else False

    def display(self, member_id: str, fallback: str | None) -> str | None:
        if self._member_display is None:
            return fallback
        shown = self._member_display(member_id)
        return fallback if shown is None else str(shown)

    def passes_csrf(self) -> bool | None:
        """The host's verdict, or ``None`` where it registered no check."""
        return None if self._csrf_check is None else bool(self._csrf_check())


def state() -> State:
    """The extension's state for the current application, with an error saying the fix."""
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        raise ConfigurationError(
            "no application context: use the engagement extension inside a request or "
            "'with app.app_context():'"
        ) from None
    found = app.extensions.get("engagement")
    if not isinstance(found, State):
        raise ConfigurationError(
            "engagement is not initialised on this application: did you call "
            "ext.init_app(app) (or FlaskEngagement(app))?"
        )
    return found


def _build_engine(settings: Settings) -> Engagement:
    database = settings.sqlalchemy_engine or settings.database_url
    if database is None:
        raise ConfigurationError(
            "no database: set ENGAGEMENT_DATABASE_URL (such as 'sqlite:///engagement.db') "
            "or ENGAGEMENT_SQLALCHEMY_ENGINE (your SQLAlchemy Engine), or pass "
            "FlaskEngagement(engine=Engagement(...))"
        )
    if not isinstance(database, str | sa.Engine | sa.URL):
        raise ConfigurationError(
            f"ENGAGEMENT_SQLALCHEMY_ENGINE: a SQLAlchemy Engine, not {database!r}"
        )
    return Engagement(database, **settings.engine_options)
