"""`reputation run` end to end: a live Telegram-shaped channel, a tiny model, a real SMTP server.

The service runs as a real process (stopped by SIGTERM, killed by SIGKILL) or,
where a test needs to look at the job store in between, in this process.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from reputation import schema
from reputation.alerts.outbox import deliver_pending, outbox_counts
from reputation.cli import cli
from reputation.config import load_config
from reputation.records import Review
from reputation.store import Store, open_store, utcnow
from scheduler import jobs
from scheduler.lease import Lease, LeaseLost, current_holder
from scheduler.plan import apply, planned_jobs
from scheduler.service import Service, make_scheduler
from sentiment.loading import Models
from tests.live_channel import LiveChannel
from tests.tiny_model import build_tiny_model

NEGATIVE = ["Кофемания: ужасный сервис, больше не придём", "в Кофемании ужасно долго ждали, грубый официант",
            "Кофемания холодный кофе и грязно"]
POSITIVE = ["Кофемания — отличный кофе, спасибо", "Кофемания прекрасный сервис, рекомендую"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


class Setup:
    """A config with one social source (the live channel) and alerts to the test's SMTP server."""

    def __init__(self, folder, channel, smtp_server, model):
        self.folder, self.channel, self.smtp, self.model = folder, channel, smtp_server, model
        self.path = folder / "reputation.yaml"
        self.process: subprocess.Popen | None = None

    def configure(self, every="5s", **overrides) -> None:
        config = {
            "company": {"name": "Кофемания", "timezone": "Europe/Moscow"},
            "database_url": "sqlite:///reputation.db",
            "sources": [{"id": "city", "type": "telegram", "url": self.channel.url, "every": every, "crawl_delay": 0}],
            # Timeout 2s: a message claimed by a killed sender is sent again 4s later.
            "alerts": {"enabled": True, "to": ["team@example.com"], "smtp": self.smtp.smtp_config(timeout="2s")},
            "sentiment": {"model": str(self.model)},
            **overrides,
        }
        self.path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def reputation(self, *args):
        """A `reputation` command in this process, beside the service's."""
        return CliRunner().invoke(cli, ["--config", str(self.path), *args])

    def start(self) -> subprocess.Popen:
        with open(self.folder / "service.log", "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reputation", "--config", str(self.path), "run"],
                stdout=log, stderr=subprocess.STDOUT, text=True,
            )
        return self.process

    def output(self) -> str:
        return (self.folder / "service.log").read_text(encoding="utf-8")

    def store(self) -> Store:
        return Store.open(f"sqlite:///{self.folder / 'reputation.db'}", migrate=False)

    def scalar(self, query):
        store = self.store()
        try:
            with store.engine.connect() as db:
                return db.scalar(query)
        finally:
            store.close()

    def rows(self, query):
        store = self.store()
        try:
            with store.engine.connect() as db:
                return db.execute(query).all()
        finally:
            store.close()


@pytest.fixture
def setup(tmp_path, smtp_server, tiny_model):
    channel = LiveChannel().start()
    setup = Setup(tmp_path, channel, smtp_server, tiny_model)
    yield setup
    if setup.process and setup.process.poll() is None:
        setup.process.kill()
        setup.process.wait()
    channel.stop()


def wait_until(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        time.sleep(0.2)


def crawl_runs(setup, *statuses) -> int:
    runs = schema.crawl_runs
    query = select(func.count()).select_from(runs)
    return setup.scalar(query.where(runs.c.status.in_(statuses)) if statuses else query)


def test_reputation_run_killed_mid_crawl_and_mid_send_loses_and_doubles_nothing_and_stops_on_sigterm(setup):
    for text in (NEGATIVE[0], POSITIVE[0], NEGATIVE[1], POSITIVE[1]):
        setup.channel.publish(text)
    setup.configure()

    # 1. SIGKILL while the first crawl is under way (its run recorded, the channel asked).
    service = setup.start()
    wait_until(lambda: setup.channel.requests > 0 and crawl_runs(setup, "running") == 1, "the first crawl")
    service.kill()
    service.wait()
    # The crawl's child process outlives it and records how its run ended.
    wait_until(lambda: crawl_runs(setup, "running") == 0, "the orphaned crawl to end", timeout=90)

    # 2. Restarted at once (the lease of a dead process on this host is free): it crawls, scores
    #    and sends; SIGKILL once the SMTP server has taken the first message, before the service
    #    hears that it did.
    killed_during = []

    def kill_the_sender(received):
        if not killed_during:
            killed_during.append(received.message["Message-ID"])
            os.kill(setup.process.pid, signal.SIGKILL)

    setup.smtp.on_message = kill_the_sender
    service = setup.start()
    service.wait(timeout=120)
    assert service.returncode == -signal.SIGKILL and killed_during

    # 3. Restarted again: every alert goes out, the one the server took as the sender died again
    #    with the same Message-ID; a post published while it runs is found by the next crawl.
    setup.smtp.on_message = None
    service = setup.start()
    setup.smtp.wait_for(3, timeout=90)
    setup.channel.publish(NEGATIVE[2])
    assert NEGATIVE[2] in setup.smtp.wait_for(4, timeout=90)[3].message.get_body(("plain",)).get_content()

    refused = setup.reputation("run")
    assert refused.exit_code == 1
    assert f"another `reputation run` is already running on this database (pid {service.pid} on " in refused.output
    listing = setup.reputation("jobs").output.splitlines()
    assert listing[0].startswith(f"service: running (pid {service.pid} on ")
    assert {line.split()[0]: line.split()[1:3] for line in listing[2:]} == {
        "crawl:city": ["every", "5s"],
        "alerts": ["every", "1m"],
    }

    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=60) == 0
    output = setup.output()
    assert "SIGTERM: stopping once the running jobs finish" in output and output.rstrip().endswith("INFO stopped")
    store = setup.store()
    assert current_holder(store.engine) is None  # the lease went back
    store.close()

    reviews = setup.rows(select(schema.reviews.c.id, schema.reviews.c.external_id, schema.reviews.c.flagged))
    assert sorted(r.external_id for r in reviews) == sorted(f"moscow_eats/{i}" for i in setup.channel.posts)
    scores = Counter(setup.rows(select(schema.sentiment_scores.c.review_id)))
    assert set(scores.values()) == {1} and len(scores) == len(reviews)  # each scored once
    assert sum(r.flagged for r in reviews) == len(NEGATIVE)

    outbox = setup.rows(select(schema.alert_outbox.c.message_id, schema.alert_outbox.c.sent_at))
    assert len(outbox) == len(NEGATIVE) and all(row.sent_at for row in outbox)
    received = Counter(m.message["Message-ID"] for m in setup.smtp.messages)
    assert received == Counter({**{row.message_id: 1 for row in outbox}, killed_during[0]: 2})


def test_a_model_that_cannot_load_stops_reputation_run_with_its_error(setup, tmp_path):
    setup.configure(sentiment={"model": str(tmp_path / "no-model-here")})
    done = setup.reputation("run")
    assert done.exit_code == 1
    assert str(tmp_path / "no-model-here") in done.output
    store = setup.store()
    assert current_holder(store.engine) is None  # the lease went back with it
    store.close()


class InProcess:
    """The service as `reputation run` runs it, in a thread of this process."""

    def __init__(self, setup):
        config, path = load_config(setup.path)
        self.store = open_store(config, path)
        self.lease = Lease(self.store.engine)
        self.lease.acquire()
        self.stop = threading.Event()
        self.error: Exception | None = None
        service = Service(config, path, self.store, Models(config.sentiment), self.lease)
        self.thread = threading.Thread(target=self._run, args=(service,))
        self.thread.start()

    def _run(self, service) -> None:
        try:
            service.run(self.stop)
        except Exception as exc:
            self.error = exc

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()
        self.lease.release()
        self.store.close()


def store_jobs(setup, **next_runs) -> None:
    """The config's jobs in the job store, as a start would leave them, with the given next runs."""
    config, path = load_config(setup.path)
    store = open_store(config, path)
    scheduler = make_scheduler(store)
    scheduler.start(paused=True)
    apply(scheduler, planned_jobs(config), utcnow())
    for job_id, when in next_runs.items():
        scheduler.modify_job(job_id.replace("_", ":"), next_run_time=when)
    scheduler.shutdown()
    store.close()


def test_a_crawl_missed_for_many_intervals_runs_once_at_start(setup):
    setup.channel.publish(POSITIVE[0])
    setup.configure(every="1h")
    ten_hours_ago = utcnow() - timedelta(hours=10)
    store_jobs(setup, crawl_city=ten_hours_ago)

    service = InProcess(setup)
    wait_until(lambda: crawl_runs(setup, "ok") == 1, "the catch-up crawl")
    time.sleep(2)  # room for a second catch-up run, had the missed ones not been coalesced
    service.close()
    assert crawl_runs(setup) == 1
    [(next_run,)] = setup.rows(select(schema.apscheduler_jobs.c.next_run_time).where(schema.apscheduler_jobs.c.id == "crawl:city"))
    # The next run stays on the job's hourly grid, within the coming hour.
    assert 0 < next_run - time.time() <= 3600
    assert round((next_run - ten_hours_ago.timestamp()) / 3600, 6) == 11


def test_at_start_the_service_scores_and_sends_what_a_stopped_one_left(setup):
    setup.configure(every="1h")
    # The crawl job is not due for an hour: only the start's catch-up can score and alert.
    store_jobs(setup, crawl_city=utcnow() + timedelta(hours=1))
    store = setup.store()
    now = utcnow()
    store.ingest([Review(source_id="city", external_id="moscow_eats/77", text=NEGATIVE[2], published_at=now)], now=now)
    store.close()

    service = InProcess(setup)
    [alert] = setup.smtp.wait_for(1, timeout=60)
    service.close()
    assert NEGATIVE[2] in alert.message.get_body(("plain",)).get_content()
    assert crawl_runs(setup) == 0


def test_a_service_whose_lease_was_taken_over_stops(setup, monkeypatch):
    monkeypatch.setattr("scheduler.service.RENEW_EVERY", timedelta(seconds=0.2))
    setup.configure(every="1h")
    store_jobs(setup, crawl_city=utcnow() + timedelta(hours=1))
    service = InProcess(setup)
    # As if it had been suspended past its lease's life, and another host's service had started.
    store = setup.store()
    with store.engine.begin() as db:
        db.execute(schema.scheduler_lease.update().values(expires_at=utcnow()))
    Lease(store.engine, host="node-b", pid=4242).acquire()
    store.close()
    service.thread.join(timeout=30)
    assert not service.thread.is_alive()
    assert isinstance(service.error, LeaseLost) and "taken over by pid 4242 on node-b" in str(service.error)
    service.close()


def test_the_weekly_report_job_queues_the_week_once_and_the_outbox_retries_it(setup, caplog, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # no charts: test_report draws them
    setup.configure(alerts={"enabled": False, "smtp": setup.smtp.smtp_config()}, reports={"enabled": True, "to": ["boss@example.com"]})
    config, path = load_config(setup.path)
    store = open_store(config, path)
    jobs.install(jobs.Runtime(config, path, store, models=None))
    setup.smtp.reply = "451 4.3.0 Try again later"
    caplog.set_level(logging.INFO, logger="scheduler")
    try:
        jobs.send_weekly_report()
        with store.engine.connect() as db:
            queued = db.execute(select(schema.alert_outbox)).one()
        assert (queued.kind, queued.week, queued.attempts, queued.sent_at) == ("report", "2026-W47", 1, None)
        assert "451" in queued.last_error and "queued" in caplog.text
        # A second run of the job (a restart, a catch-up) queues nothing more.
        jobs.send_weekly_report()
        assert "queued before" in caplog.text and outbox_counts(store)["failing"] == 1
        setup.smtp.reply = None
        # With alerts off the minute job still runs, for the report.
        assert jobs.ALERTS_JOB in {job.id for job in planned_jobs(config)}
        assert deliver_pending(store, config, now=utcnow() + config.alerts.retry_after) == 1
    finally:
        jobs.install(None)
        store.close()
    [report] = setup.smtp.messages
    assert report.rcpt_tos == ["boss@example.com"] and report.message["Message-ID"] == queued.message_id
    assert report.message["Subject"].startswith("Reputation report Кофемания: ")


def test_a_job_whose_turn_comes_as_the_service_stops_runs_at_the_next_start(setup):
    setup.configure(every="1h")
    in_an_hour = utcnow() + timedelta(hours=1)
    store_jobs(setup, crawl_city=in_an_hour)
    config, path = load_config(setup.path)
    store = open_store(config, path)
    runtime = jobs.Runtime(config, path, store, models=None)
    runtime.stopping.set()
    jobs.install(runtime)
    try:
        jobs.crawl_source("city")  # handed over just as the service stopped: does nothing
    finally:
        jobs.install(None)
    assert runtime.skipped == {"crawl:city"} and crawl_runs(setup) == 0

    before = time.time()
    Service(config, path, store, None, Lease(store.engine))._due_at_next_start(runtime.skipped)
    store.close()
    stored = dict(setup.rows(select(schema.apscheduler_jobs.c.id, schema.apscheduler_jobs.c.next_run_time)))
    assert before <= stored["crawl:city"] <= time.time()  # due: the next start runs it
    assert stored["alerts"] < before  # not skipped: left as it was
