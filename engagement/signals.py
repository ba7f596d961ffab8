"""Signals the engine sends, always after the transaction that caused them commits.

Receivers never hear about work that was rolled back.  A receiver that raises is
logged and does not break recording.  Test with ``signal.connected_to(receiver)``.

Each signal is sent with ``sender=None`` and one keyword argument, its payload, a
frozen dataclass.  Imports (``record_many``) and backfills
(``engine.badges.award_pending``) only send them with ``notify=True``; ``replay`` never
does.  The same events go to the outbox of an engine made with ``outbox=True``
(see :mod:`engagement.outbox`), named as the signals are (``badge-awarded``…).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

action_recorded = _signals.signal("action-recorded")
"""An action was logged. Keyword ``award``: the :class:`engagement.Award` it earned."""

points_awarded = _signals.signal("points-awarded")
"""An action earned more than zero points. Keyword ``award``: the :class:`engagement.Award`."""

kudos_given = _signals.signal("kudos-given")
"""A member named a colleague in an action whose verb takes a ``target`` (kudos, a
referral). Keyword ``kudos``: a :class:`engagement.KudosGiven`."""

action_revoked = _signals.signal("action-revoked")
"""An action was revoked. Keyword ``revocation``: the :class:`engagement.Revocation`."""

points_adjusted = _signals.signal("points-adjusted")
"""An administrator adjusted a member's points by hand (``engine.ledger.adjust``).
Keyword ``adjustment``: the :class:`engagement.Adjustment` (a retry sends nothing)."""

badge_awarded = _signals.signal("badge-awarded")
"""A member earned a badge or a tier. Keyword ``badge``: a :class:`engagement.BadgeAwarded`."""

badge_revoked = _signals.signal("badge-revoked")
"""A badge award was revoked. Keyword ``badge``: a :class:`engagement.BadgeRevoked`."""

level_reached = _signals.signal("level-reached")
"""A member reached a new level. Keyword ``level``: a :class:`engagement.LevelReached`."""

challenge_completed = _signals.signal("challenge-completed")
"""A member completed a challenge. Keyword ``completion``: a
:class:`engagement.ChallengeCompleted`."""
