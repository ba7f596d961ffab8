"""Leaderboards by period, scope and metric, read from maintained score rows."""

from __future__ import annotations
