"""The jobs the config asks for, and how they replace the stored ones at each start.

The set of jobs is rebuilt from the config at every start: a source removed or
disabled loses its job, a changed `every` or report time takes effect. What
the job store remembers is kept where it still applies: an unchanged job keeps
its next run time, and a job that came due while the service was down runs
once at start (coalesced), however many runs it missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from reputation.config import Config
from scheduler import jobs

ALERTS_EVERY = timedelta(minutes=1)
CRAWLS_EXECUTOR = "crawls"

# Every job: never two runs of it at once; runs missed while the service was down (or
# busy) collapse into one, the latest, which then runs however late it is.
JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


@dataclass(frozen=True)
class PlannedJob:
    id: str
    title: str
    func: Callable[..., None]
    trigger: BaseTrigger
    kwargs: dict = field(default_factory=dict)
    executor: str = "default"
    # A job new to the store runs at once (a new source is crawled now), else at its trigger's first time.
    run_first_at_start: bool = False


def planned_jobs(config: Config) -> list[PlannedJob]:
    from scrapers.spiders import SPIDERS

    planned = [
        PlannedJob(
            id=jobs.crawl_job_id(source.id),
            title=f"crawl {source.id} ({source.type}), then score and alert",
            func=jobs.crawl_source,
            trigger=IntervalTrigger(seconds=int(source.interval.total_seconds()), timezone=timezone.utc),
            kwargs={"source_id": source.id},
            executor=CRAWLS_EXECUTOR,
            run_first_at_start=True,
        )
        # Imported (manual) sources have no spider.
        for source in config.sources
        if source.enabled and source.type in SPIDERS
    ]
    if config.alerts.enabled or config.reports.enabled:
        planned.append(
            PlannedJob(
                id=jobs.ALERTS_JOB,
                title="send due messages (alerts, the weekly report), queue escalations",
                func=jobs.send_alerts,
                trigger=IntervalTrigger(seconds=int(ALERTS_EVERY.total_seconds()), timezone=timezone.utc),
                run_first_at_start=True,
            )
        )
    if config.reports.enabled:
        at = config.reports.time
        planned.append(
            PlannedJob(
                id=jobs.REPORT_JOB,
                title="send the weekly report",
                func=jobs.send_weekly_report,
                trigger=CronTrigger(
                    day_of_week=config.reports.weekday[:3], hour=at.hour, minute=at.minute, timezone=config.company.zone
                ),
            )
        )
    return planned


def schedule_text(trigger: BaseTrigger) -> str:
    if isinstance(trigger, IntervalTrigger):
        return f"every {duration_text(trigger.interval)}"
    if isinstance(trigger, CronTrigger):
        fields = {f.name: str(f) for f in trigger.fields}
        return f"{fields['day_of_week']} {int(fields['hour']):02d}:{int(fields['minute']):02d} {trigger.timezone}"
    return str(trigger)


def duration_text(delta: timedelta) -> str:
    """5m, 1h30m, 90s: the config's own way of writing a duration."""
    seconds, text = int(delta.total_seconds()), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            text += f"{seconds // size}{unit}"
            seconds %= size
    return text or "0s"


def _same_schedule(stored: BaseTrigger, wanted: BaseTrigger) -> bool:
    return type(stored) is type(wanted) and schedule_text(stored) == schedule_text(wanted)


def _next_run(stored, planned: PlannedJob, now: datetime) -> datetime | None:
    """When the job runs next; None lets the trigger decide."""
    if stored is None or stored.next_run_time is None:
        return now if planned.run_first_at_start else None
    if stored.next_run_time <= now or _same_schedule(stored.trigger, planned.trigger):
        # Came due while the service was down: it runs once now. Unchanged: keeps its time.
        return stored.next_run_time
    return None  # schedule changed: its next time under the new schedule


def apply(scheduler, planned: list[PlannedJob], now: datetime) -> None:
    """Make the (started, paused) scheduler's stored jobs exactly `planned`."""
    stored = {job.id: job for job in scheduler.get_jobs()}
    wanted = {job.id for job in planned}
    for job_id in stored.keys() - wanted:
        scheduler.remove_job(job_id)
    for job in planned:
        next_run = _next_run(stored.get(job.id), job, now)
        scheduler.add_job(
            job.func,
            trigger=job.trigger,
            id=job.id,
            name=job.title,
            kwargs=job.kwargs,
            executor=job.executor,
            replace_existing=True,
            **({"next_run_time": next_run} if next_run else {}),
            **JOB_DEFAULTS,
        )
