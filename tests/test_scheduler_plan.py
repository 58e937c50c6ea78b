"""The jobs rebuilt from the config at each start, with APScheduler's job store in the store's database."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from reputation.cli import cli
from reputation.config import Config
from reputation.store import utcnow
from scheduler.lease import Lease
from scheduler.plan import apply, planned_jobs
from scheduler.service import make_scheduler

pytestmark = pytest.mark.store

MOSCOW = ZoneInfo("Europe/Moscow")


def config(*sources, alerts=True, report=("monday", "09:00")):
    return Config.model_validate(
        {
            "company": {"name": "Кофемания", "timezone": "Europe/Moscow"},
            "sources": [{"type": "2gis", "url": f"http://127.0.0.1:9/{s['id']}", **s} for s in sources],
            "alerts": {"enabled": alerts, "to": ["team@example.com"]},
            "reports": {"enabled": report is not None, **(dict(zip(("weekday", "time"), report)) if report else {})},
        }
    )


def restart(store, wanted: Config, now: datetime) -> dict:
    """One start of the service, paused: apply the config's jobs; returns the stored jobs by id."""
    scheduler = make_scheduler(store)
    scheduler.start(paused=True)
    try:
        apply(scheduler, planned_jobs(wanted), now)
        return {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)


def set_next_run(store, job_id: str, when: datetime) -> None:
    scheduler = make_scheduler(store)
    scheduler.start(paused=True)
    scheduler.modify_job(job_id, next_run_time=when)
    scheduler.shutdown(wait=False)


def test_each_start_rebuilds_the_jobs_from_the_config_and_keeps_what_still_applies(store):
    first = config({"id": "main", "every": "5m"}, {"id": "city", "every": "1h"}, {"id": "old", "enabled": False})
    t0 = utcnow()
    jobs = restart(store, first, t0)
    assert set(jobs) == {"crawl:main", "crawl:city", "alerts", "weekly-report"}
    # New crawl and alert jobs run at once; the report at the next Monday 09:00 in Moscow.
    assert jobs["crawl:main"].next_run_time == jobs["crawl:city"].next_run_time == jobs["alerts"].next_run_time == t0
    report = jobs["weekly-report"].next_run_time.astimezone(MOSCOW)
    assert (report.weekday(), report.hour, report.minute) == (0, 9, 0) and t0 < report <= t0 + timedelta(days=7)
    assert all(job.max_instances == 1 and job.coalesce and job.misfire_grace_time is None for job in jobs.values())

    set_next_run(store, "crawl:main", t0 + timedelta(minutes=3))
    set_next_run(store, "crawl:city", t0 + timedelta(minutes=50))
    second = config(
        {"id": "main", "every": "5m"}, {"id": "city", "every": "10m"}, {"id": "new"}, alerts=False, report=("friday", "18:30")
    )
    t1 = utcnow()
    jobs = restart(store, second, t1)
    # Alerts off: the minute job stays, to send the weekly report (and retry it).
    assert set(jobs) == {"crawl:main", "crawl:city", "crawl:new", "alerts", "weekly-report"}
    assert jobs["crawl:main"].next_run_time == t0 + timedelta(minutes=3)  # unchanged: keeps its time
    assert t1 + timedelta(minutes=9) < jobs["crawl:city"].next_run_time <= utcnow() + timedelta(minutes=10)
    assert jobs["crawl:city"].trigger.interval == timedelta(minutes=10)
    assert jobs["crawl:new"].next_run_time == t1
    report = jobs["weekly-report"].next_run_time.astimezone(MOSCOW)
    assert (report.weekday(), report.hour, report.minute) == (4, 18, 30)
    jobs = restart(store, config({"id": "main", "every": "5m"}, alerts=False, report=None), utcnow())
    assert set(jobs) == {"crawl:main"}


def test_a_run_missed_while_the_service_was_down_is_kept_due_whatever_changed(store):
    t0 = utcnow()
    restart(store, config({"id": "main", "every": "5m"}, report=None), t0)
    ten_hours_ago = t0 - timedelta(hours=10)
    set_next_run(store, "crawl:main", ten_hours_ago)
    jobs = restart(store, config({"id": "main", "every": "15m"}, report=None), t0)
    assert jobs["crawl:main"].next_run_time == ten_hours_ago
    assert jobs["crawl:main"].trigger.interval == timedelta(minutes=15)


def test_reputation_jobs_lists_the_jobs_and_whether_the_service_runs(tmp_path, database_url, monkeypatch):
    path = tmp_path / "reputation.yaml"
    path.write_text(
        "company: {name: Кофемания, timezone: Europe/Moscow}\n"
        "sources:\n"
        "  - {id: main, type: 2gis, url: 'http://127.0.0.1:9/main', every: 5m}\n"
        "  - {id: city, type: telegram, url: 'http://127.0.0.1:9/s/city'}\n"
        "reports: {enabled: true, weekday: monday, time: '09:00'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("REPUTATION_DATABASE_URL", database_url)

    def jobs_listing() -> list[str]:
        done = CliRunner().invoke(cli, ["--config", str(path), "jobs"])
        assert done.exit_code == 0, done.output
        return done.output.splitlines()

    listing = jobs_listing()
    assert listing[0] == "service: not running; start it with `reputation run`"
    assert listing[1].split() == ["job", "schedule", "next", "run", "(Europe/Moscow)"]
    rows = {line.split()[0]: line for line in listing[2:]}
    assert rows["crawl:main"].split()[1:] == ["every", "5m", "at", "the", "next", "start"]
    assert rows["crawl:city"].split()[1:3] == ["every", "5m"]  # social's default interval
    assert "mon 09:00 Europe/Moscow" in rows["weekly-report"] and "(once the service runs)" in rows["weekly-report"]

    from reputation.store import Store

    store = Store.open(database_url)
    restart(store, config({"id": "main", "every": "5m"}, {"id": "gone"}, alerts=False), utcnow())
    set_next_run(store, "crawl:main", datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc))
    lease = Lease(store.engine, host="node-a", pid=4242)
    lease.acquire()
    try:
        listing = jobs_listing()
    finally:
        lease.release()
        store.close()
    assert listing[0].startswith("service: running (pid 4242 on node-a, running since ")
    rows = {line.split()[0]: line for line in listing[2:]}
    assert rows["crawl:main"].split()[1:] == ["every", "5m", "2026-03-02", "09:00:00", "(due", "now)"]
    assert rows["crawl:gone"].split()[1:] == ["-", "dropped", "at", "the", "next", "start", "(no", "longer", "in", "the", "config)"]
