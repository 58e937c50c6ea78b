"""`reputation run` and `reputation jobs` (registered on the `reputation` command in reputation/cli.py)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import click
from sqlalchemy import select

from reputation import schema
from reputation.store import utcnow

log = logging.getLogger("scheduler")


class _ZoneFormatter(logging.Formatter):
    """Log times in the company's zone, as every time the team reads."""

    def __init__(self, zone):
        super().__init__("%(asctime)s %(levelname)s %(message)s")
        self.zone = zone

    def formatTime(self, record, datefmt=None):
        return datetime.fromtimestamp(record.created, self.zone).strftime("%Y-%m-%d %H:%M:%S %Z")


@contextmanager
def _logging(zone, verbose: bool) -> Iterator[None]:
    """The service's log on standard error while it runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ZoneFormatter(zone))
    levels = {
        "scheduler": logging.INFO,
        "scheduler.crawl": logging.DEBUG if verbose else logging.INFO,
        "apscheduler": logging.INFO if verbose else logging.WARNING,
    }
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for name in ("scheduler", "apscheduler"):
        logging.getLogger(name).addHandler(handler)
    try:
        yield
    finally:
        for name in ("scheduler", "apscheduler"):
            logging.getLogger(name).removeHandler(handler)


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first SIGINT or SIGTERM; a second one exits at once."""
    stop = threading.Event()

    def handle(signum, _frame):
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning(f"{name} again: exiting now, without waiting for the running jobs")
            os._exit(128 + signum)
        log.info(f"{name}: stopping once the running jobs finish (send it again to exit at once)")
        stop.set()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@click.command("run")
@click.option("-v", "--verbose", is_flag=True, help="Also print every page a crawl reads, and APScheduler's own log.")
@click.pass_obj
def run_command(context, verbose: bool) -> None:
    """Run the service until stopped: crawl each enabled source at its interval, score what is new
    or changed, send alerts and escalations, and the weekly report.

    Ctrl-C or SIGTERM lets the running step finish, then exits. One service runs per database.
    """
    from scheduler.lease import Lease, LeaseHeld, LeaseLost
    from scheduler.service import Service
    from sentiment.loading import Models
    from sentiment.model import ModelLoadError

    config, path, store = context.load()
    lease = Lease(store.engine)
    try:
        try:
            lease.acquire()
        except LeaseHeld as exc:
            raise click.ClickException(str(exc)) from None
        try:
            with _logging(config.company.zone, verbose), _stop_on_signals() as stop:
                try:
                    models = Models(config.sentiment)  # once, for every scoring of this run
                except ModelLoadError as exc:
                    raise click.ClickException(str(exc)) from None
                if not stop.is_set():
                    Service(config, path, store, models, lease).run(stop)
                log.info("stopped")
        except LeaseLost as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            lease.release()
    finally:
        store.close()


def _when(moment: datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


@click.command("jobs")
@click.pass_obj
def jobs_command(context) -> None:
    """List the service's jobs with their schedule and next run, and whether the service is running."""
    from scheduler.lease import current_holder
    from scheduler.plan import planned_jobs, schedule_text

    config, _, store = context.load()
    try:
        holder = current_holder(store.engine)
        table = schema.apscheduler_jobs
        with store.engine.connect() as db:
            stored = {row.id: row.next_run_time for row in db.execute(select(table.c.id, table.c.next_run_time))}
    finally:
        store.close()
    zone, now = config.company.zone, utcnow()
    if holder:
        click.echo(f"service: running ({holder.describe(zone)})")
    else:
        click.echo("service: not running; start it with `reputation run`")
    rows = []
    for job in planned_jobs(config):
        if job.id not in stored:
            if job.run_first_at_start:
                when = "at the next start"
            else:
                when = f"{_when(job.trigger.get_next_fire_time(None, now), zone)} (once the service runs)"
        elif stored[job.id] is None:
            when = "paused"
        else:
            moment = datetime.fromtimestamp(stored[job.id], timezone.utc)
            when = _when(moment, zone)
            if moment <= now:
                when += " (due now)" if holder else " (missed: runs once at the next start)"
        rows.append((job.id, schedule_text(job.trigger), when))
    planned = {row[0] for row in rows}
    rows += [(job_id, "-", "dropped at the next start (no longer in the config)") for job_id in stored if job_id not in planned]
    width = max([len("job")] + [len(row[0]) for row in rows])
    schedule_width = max([len("schedule")] + [len(row[1]) for row in rows])
    click.echo(f"{'job':<{width}}  {'schedule':<{schedule_width}}  next run ({zone.key})")
    for job_id, schedule, when in rows:
        click.echo(f"{job_id:<{width}}  {schedule:<{schedule_width}}  {when}")
