"""The service behind `reputation run`: APScheduler with its jobs stored in the store's database.

`run` holds the single-instance lease (renewing it while it waits for the stop
signal), rebuilds the jobs from the config, scores and sends what a previous
run left undone, and lets the jobs fire until `stop` is set. Stopping lets the
running jobs finish (a crawl, a scoring batch, an SMTP session) and starts no
new one.
"""

from __future__ import annotations

import logging
import threading
from datetime import timezone
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy.exc import SQLAlchemyError

from reputation.config import Config
from reputation.store import Store, utcnow
from scheduler import jobs
from scheduler.lease import RENEW_EVERY, Lease, LeaseLost
from scheduler.plan import CRAWLS_EXECUTOR, JOB_DEFAULTS, apply, planned_jobs, schedule_text

log = logging.getLogger("scheduler")

# Crawls are child processes, so a few run side by side; more wait their turn.
PARALLEL_CRAWLS = 4


class _Scheduler(BackgroundScheduler):
    def _process_jobs(self):
        # APScheduler 3 makes one more pass over the due jobs after shutdown() has stopped it; that
        # pass hands them to closed executors and moves their next run on, so a run would be lost.
        # Paused or stopped, it starts nothing.
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


def make_scheduler(store: Store) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=store.engine),
            # One-off work of this start only, not worth remembering.
            "this_start": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(2), CRAWLS_EXECUTOR: ThreadPoolExecutor(PARALLEL_CRAWLS)},
        job_defaults=JOB_DEFAULTS,
        timezone=timezone.utc,
    )


class Service:
    def __init__(self, config: Config, config_path: Path, store: Store, models, lease: Lease):
        self.config = config
        self.config_path = config_path
        self.store = store
        self.models = models
        self.lease = lease
        self.lost = False

    def run(self, stop: threading.Event) -> None:
        """Run the jobs until `stop` is set; raises `LeaseLost` if another service took the database over."""
        runtime = jobs.Runtime(self.config, self.config_path, self.store, self.models)
        scheduler = make_scheduler(self.store)
        jobs.install(runtime)
        scheduler.start(paused=True)
        try:
            apply(scheduler, planned_jobs(self.config), utcnow())
            scheduler.add_job(jobs.catch_up, "date", id=jobs.CATCH_UP_JOB, jobstore="this_start")
            self._announce(scheduler)
            scheduler.resume()
            while not stop.wait(RENEW_EVERY.total_seconds()):
                self._renew()
        finally:
            runtime.stopping.set()
            log.info("stopping: letting the running jobs finish")
            scheduler.pause()
            self._wait_for_shutdown(scheduler)
            jobs.install(None)
            self._due_at_next_start(runtime.skipped)

    def _announce(self, scheduler: BackgroundScheduler) -> None:
        zone = self.config.company.zone
        stored = scheduler.get_jobs(jobstore="default")
        log.info(f"service started (pid {self.lease.pid}); {len(stored)} jobs")
        for job in stored:
            when = job.next_run_time.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if job.next_run_time else "paused"
            log.info(f"  {job.id}: {schedule_text(job.trigger)}, next at {when}")

    def _wait_for_shutdown(self, scheduler: BackgroundScheduler) -> None:
        """Shut the scheduler down once its running jobs end, holding the lease meanwhile (a crawl may take minutes)."""
        stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-shutdown")
        stopper.start()
        stopper.join(RENEW_EVERY.total_seconds())
        while stopper.is_alive():
            if not self.lost:
                try:
                    self._renew()
                except LeaseLost as exc:  # nothing new starts anyway; let the running jobs end
                    log.error(str(exc))
            stopper.join(RENEW_EVERY.total_seconds())

    def _due_at_next_start(self, job_ids: set[str]) -> None:
        """Jobs handed over just as the service stopped did nothing: make them due, so the next start runs them."""
        if not job_ids:
            return
        scheduler = make_scheduler(self.store)
        scheduler.start(paused=True)
        try:
            now = utcnow()
            for job in scheduler.get_jobs(jobstore="default"):
                if job.id in job_ids:
                    job.modify(next_run_time=now)
                    log.info(f"{job.id} was due as the service stopped: it runs at the next start")
        finally:
            scheduler.shutdown(wait=False)

    def _renew(self) -> None:
        try:
            self.lease.renew()
        except LeaseLost:
            self.lost = True
            raise
        except SQLAlchemyError as exc:
            # The database may be back before the lease runs out; past that, another service may have started.
            if self.lease.expires_at is None or utcnow() >= self.lease.expires_at:
                self.lost = True
                raise LeaseLost(f"could not renew the scheduler's lease before it ran out: {exc}") from exc
            log.warning(f"could not renew the scheduler's lease, retrying: {exc}")
