"""The weekly reputation report (see weekly.py); KPIs themselves are defined in reputation.kpi."""

from reputation.report.weekly import ReportError, Week, WeeklyReport, build_weekly, queue_weekly

__all__ = ["ReportError", "Week", "WeeklyReport", "build_weekly", "queue_weekly"]
