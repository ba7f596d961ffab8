"""Signals the engine sends, always after the transaction that caused them commits.

Receivers never hear about work that was rolled back.  A receiver that raises is
logged and does not break recording.  Test with ``signal.connected_to(receiver)``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

action_recorded = _signals.signal("action-recorded")
"""An action was logged. Keyword ``award``: the :class:`engagement.Award` it earned."""

points_awarded = _signals.signal("points-awarded")
"""An action earned more than zero points. Keyword ``award``: the :class:`engagement.Award`."""

action_revoked = _signals.signal("action-revoked")
"""An action was revoked. Keyword ``revocation``: the :class:`engagement.Revocation`."""

badge_awarded = _signals.signal("badge-awarded")
"""A member earned a badge or a tier. Keyword ``badge``: a :class:`engagement.BadgeAwarded`."""

badge_revoked = _signals.signal("badge-revoked")
"""A badge award was revoked. Keyword ``badge``: a :class:`engagement.BadgeRevoked`."""

level_reached = _signals.signal("level-reached")
"""A member reached a new level. Keyword ``level``: a :class:`engagement.LevelReached`."""

challenge_completed = _signals.signal("challenge-completed")
"""A member completed a challenge. Keyword ``completion``: a
:class:`engagement.ChallengeCompleted`."""
