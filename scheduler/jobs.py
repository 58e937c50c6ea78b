"""The scheduled jobs: crawl a source (then score and alert), send alerts and escalations, the weekly report.

APScheduler stores each job as a reference to a module-level function and its
arguments, so the jobs are plain functions here that find the running
service's parts (config, store, models loaded once) in the installed `Runtime`.
Scoring and sending each take a lock: crawls of several sources run at once,
and one review must be scored once and one message sent by one thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from reputation.config import Config
from reputation.store import HEALTHY, Store

log = logging.getLogger("scheduler")
# Each page a crawl reads; shown with `reputation run --verbose`.
progress_log = logging.getLogger("scheduler.crawl")


@dataclass
class Runtime:
    config: Config
    config_path: Path
    store: Store
    models: object  # sentiment.loading.Models
    # Set when the service stops: a job queued behind the running ones then does nothing,
    # and its id goes to `skipped`, so that the next start runs it.
    stopping: threading.Event = field(default_factory=threading.Event)
    skipped: set[str] = field(default_factory=set)
    scoring: threading.Lock = field(default_factory=threading.Lock)
    sending: threading.Lock = field(default_factory=threading.Lock)


_runtime: Runtime | None = None

ALERTS_JOB = "alerts"
REPORT_JOB = "weekly-report"
CATCH_UP_JOB = "catch-up"


def crawl_job_id(source_id: str) -> str:
    return f"crawl:{source_id}"


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def _current(job_id: str) -> Runtime | None:
    """The running service's parts; None once it is stopping."""
    if _runtime is None:
        raise RuntimeError("scheduler jobs run inside `reputation run` only")
    if _runtime.stopping.is_set():
        _runtime.skipped.add(job_id)
        return None
    return _runtime


def crawl_source(source_id: str) -> None:
    """Crawl one source, then score what is new or changed and send the alerts that brings."""
    from scrapers import crawl

    runtime = _current(crawl_job_id(source_id))
    if runtime is None:
        return
    run = crawl(runtime.config, runtime.config_path, runtime.store, source_id, echo=progress_log.debug)
    unchanged = run.items_seen - run.items_new - run.items_updated
    summary = (
        f"crawl {source_id}: {run.status}; {run.items_new} new, {run.items_updated} updated, {unchanged} unchanged"
        + (f" ({run.error_detail})" if run.error_detail else "")
    )
    log.log(logging.INFO if run.status in HEALTHY else logging.WARNING, summary)
    _score_and_send(runtime)


def catch_up() -> None:
    """At start: score what an interrupted run left unscored and send what it left unsent."""
    runtime = _current(CATCH_UP_JOB)
    if runtime is not None:
        _score_and_send(runtime)


def send_alerts() -> None:
    """Queue the escalations now due, then send every due message of the outbox."""
    from reputation.alerts import check_escalations

    runtime = _current(ALERTS_JOB)
    if runtime is None:
        return
    with runtime.sending:
        escalations = check_escalations(runtime.store, runtime.config)
    if escalations:
        log.info(f"escalations queued: {escalations}")
    _send(runtime)


def send_weekly_report() -> None:
    """Queue the last week's report in the outbox and send it; the outbox retries it like an alert until it is out."""
    from reputation.report import ReportError, queue_weekly

    runtime = _current(REPORT_JOB)
    if runtime is None:
        return
    try:
        week = queue_weekly(runtime.store, runtime.config)
    except ReportError as exc:  # the config's to fix: trying again would not help
        log.error(f"weekly report not queued: {exc}")
        return
    log.info(f"weekly report of {week.label} queued" if week else "weekly report of last week queued before")
    _send(runtime)


def _score_and_send(runtime: Runtime) -> None:
    from sentiment.scoring import score_reviews

    with runtime.scoring:
        scored = score_reviews(runtime.store, runtime.config, runtime.models)
    if scored:
        log.info(f"scored {scored} new or changed reviews")
    # Alerts go out at once rather than at the next minute: social media gives an hour to answer.
    _send(runtime)


def _send(runtime: Runtime) -> None:
    from reputation.alerts import deliver_pending

    if not (runtime.config.alerts.enabled or runtime.config.reports.enabled):
        return
    with runtime.sending:
        sent = deliver_pending(runtime.store, runtime.config)
    if sent:
        log.info(f"messages sent: {sent}")
