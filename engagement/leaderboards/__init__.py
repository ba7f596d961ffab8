"""Leaderboards by period, scope and metric, read from maintained score rows.

Score rows per (member, period) are written in the transaction of every ledger
entry (:mod:`.book`), read by index range scans (:mod:`.ranking`) and can be
recomputed from the ledger at any time (:mod:`.rebuild`).
"""

from __future__ import annotations

from engagement.leaderboards.rebuild import RebuildReport
from engagement.leaderboards.standings import Leaderboard, Metric, Neighbourhood, Standing

__all__ = ["Leaderboard", "Metric", "Neighbourhood", "RebuildReport", "Standing"]
