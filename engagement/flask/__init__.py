"""The Flask extension: the engine and its JSON API inside a host's application.

``FlaskEngagement(app)`` or, in an application factory, ``ext.init_app(app)``; the
host tells the extension who is asking through three callbacks.  See docs/flask.md.
"""

from __future__ import annotations

from engagement.flask._extension import FlaskEngagement, State, state
from engagement.flask._settings import DEFAULTS, ConfigurationError

__all__ = ["DEFAULTS", "ConfigurationError", "FlaskEngagement", "State", "state"]
