"""Programme analytics: the KPIs HR reports on, per period and team.

Importing this package registers its table (``engagement_metric_reports``) on the
engine's MetaData, so :meth:`engagement.Engagement.create_schema` creates it.
"""

from __future__ import annotations

from engagement.analytics.metrics import MetricsReport
from engagement.analytics.model import (
    ChannelFigures,
    ContentMix,
    Contributor,
    ProgrammeReport,
    ReachFigures,
    Section,
    Tally,
    TopContent,
)
from engagement.analytics.periods import ReportPeriod
from engagement.analytics.tables import metric_reports

__all__ = [
    "ChannelFigures",
    "ContentMix",
    "Contributor",
    "MetricsReport",
    "ProgrammeReport",
    "ReachFigures",
    "ReportPeriod",
    "Section",
    "Tally",
    "TopContent",
    "metric_reports",
]
