"""Alerts end to end: a real store, a real SMTP server (aiosmtpd), the real flagging paths."""

import os
import signal
import subprocess
import sys
from email import message_from_bytes, policy
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from reputation import schema
from reputation.alerts import HOLD, check_escalations, deliver_pending
from reputation.alerts.content import AlertReview, render
from reputation.alerts.outbox import queue_report
from reputation.cli import cli
from reputation.config import Config
from reputation.records import Review
from reputation.store import Store, utcnow
from sentiment.feedback import record_correction
from sentiment.loading import Models
from sentiment.scoring import score_reviews
from tests.tiny_model import build_tiny_model

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow
HOSTILE_AUTHOR = "Злой <script>alert(1)</script>\r\nBcc: victim@evil.example"
HOSTILE_TEXT = 'Ужасно! <img src=x onerror=alert(1)> [жми](javascript:alert(2)) =HYPERLINK("http://evil")'


def alert_config(server, *, model=None, **alerts):
    settings = {
        "company": {"name": "Кофемания", "timezone": "Europe/Moscow"},
        "sources": [
            {"id": "otzovik", "type": "otzovik", "url": "https://otzovik.com/reviews/kofemaniya/"},
            {"id": "vk", "type": "vk", "query": "Кофемания"},
        ],
        "alerts": {
            "enabled": True,
            "to": ["team@example.com"],
            "escalate_to": ["head@example.com"],
            "smtp": server.smtp_config(),
            **alerts,
        },
        "dashboard": {"base_url": "https://dash.example.com/"},
    }
    if model:
        settings["sentiment"] = {"model": str(model)}
    return Config.model_validate(settings)


def add_reviews(store, config, *reviews, now=T0):
    store.sync_sources(config.sources, now=now)
    store.ingest(list(reviews), now=now)


def review_id(store, external_id):
    with store.engine.connect() as db:
        return db.scalar(select(schema.reviews.c.id).where(schema.reviews.c.external_id == external_id))


def flag(store, config, external_id, now):
    record_correction(store, config, review_id(store, external_id), "negative", "tester", now=now)


def outbox(store):
    with store.engine.connect() as db:
        return db.execute(select(schema.alert_outbox).order_by(schema.alert_outbox.c.id)).all()


def parts(received):
    message = received.message
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.mark.store
def test_a_flagged_review_alerts_once_with_its_content_escaped(store, smtp_server):
    config = alert_config(smtp_server)
    add_reviews(
        store,
        config,
        Review(source_id="otzovik", external_id="evil", author=HOSTILE_AUTHOR, title="Никогда\r\nX-Evil: 1",
               text=HOSTILE_TEXT, rating=1, url="javascript:alert(3)", published_at=T0),
        Review(source_id="otzovik", external_id="fine", author="Анна", rating=2,
               title="Рестораторы, объясните, почему стоимость воды", text="Вода из-под крана за 350 рублей",
               url="https://otzovik.com/review_2.html", published_at=T0),
    )
    flag(store, config, "evil", T0 + timedelta(minutes=10))
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=11)) == 1

    [received] = smtp_server.messages
    message = received.message
    assert received.rcpt_tos == ["team@example.com"]
    assert message["To"] == "team@example.com" and "Bcc" not in message and "X-Evil" not in message
    assert message["Subject"] == "Negative review · otzovik · 1★ · Никогда X-Evil: 1"
    assert message["Message-ID"] == outbox(store)[0].message_id
    text, html = parts(received)
    assert "Author: Злой <script>alert(1)</script> Bcc: victim@evil.example" in text
    assert "Reply by: 2026-11-24 12:00 MSK, 23 h 49 min left" in text  # review sites: 24 h, shown in Moscow time
    assert "On the source: no web address" in text
    assert f"In the dashboard: https://dash.example.com/?review={review_id(store, 'evil')}" in text
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html
    assert html.count("<a href=") == 1  # the dashboard only: the review's own address is no web link
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f'href="https://dash.example.com/?review={review_id(store, "evil")}"' in html

    # Delivered once: nothing more to send, and flagging it again (even after a detour) queues nothing.
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=12)) == 0
    record_correction(store, config, review_id(store, "evil"), "positive", "tester", now=T0 + timedelta(minutes=13))
    flag(store, config, "evil", T0 + timedelta(minutes=14))
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=15)) == 0

    flag(store, config, "fine", T0 + timedelta(minutes=20))
    deliver_pending(store, config, now=T0 + timedelta(minutes=20))
    # A long non-ASCII subject is folded into encoded words without losing a space.
    subject = message_from_bytes(smtp_server.messages[1].raw, policy=policy.default)["Subject"]
    assert subject == "Negative review · otzovik · 2★ · Рестораторы, объясните, почему стоимость воды"
    _, html = parts(smtp_server.messages[1])
    assert '<a href="https://otzovik.com/review_2.html">Open on otzovik</a>' in html
    assert len(smtp_server.messages) == 2
    assert len({m.message["Message-ID"] for m in smtp_server.messages}) == 2


@pytest.mark.store
def test_scoring_alerts_new_negatives_once_and_a_big_batch_as_one_digest(store, smtp_server, tiny_model):
    config = alert_config(smtp_server, model=tiny_model, digest_over=2)
    models = Models(config.sentiment)
    add_reviews(store, config, Review(source_id="vk", external_id="1", text="ужасный сервис", rating=1, published_at=T0))
    score_reviews(store, config, models, now=T0)
    assert [row.kind for row in outbox(store)] == ["new_negative"]

    # A rescore, an edit that stays negative and rescore --all announce nothing again.
    add_reviews(store, config, Review(source_id="vk", external_id="1", text="ужасно долго ждали", rating=1, published_at=T0))
    score_reviews(store, config, models, now=T0)
    score_reviews(store, config, models, everything=True, now=T0)
    assert len(outbox(store)) == 1

    add_reviews(
        store,
        config,
        *[
            Review(source_id="vk", external_id=f"d{n}", author=f"Автор {n}", text=f"грубый официант {n}", rating=1,
                   published_at=T0 - timedelta(minutes=n))
            for n in range(3)
        ],
        Review(source_id="vk", external_id="ok", text="отличный кофе, спасибо", rating=5, published_at=T0),
    )
    score_reviews(store, config, models, now=T0)
    assert [row.kind for row in outbox(store)] == ["new_negative", "digest"]
    assert deliver_pending(store, config, now=T0) == 2
    digest = smtp_server.messages[1].message
    assert digest["Subject"] == "3 new negative reviews · vk"
    text, _ = parts(smtp_server.messages[1])
    # Most urgent first: the oldest post's deadline comes first.
    assert text.index("Автор 2") < text.index("Автор 1") < text.index("Автор 0")
    assert "отличный кофе" not in text


def negatives(count, prefix="n"):
    return [
        Review(source_id="vk", external_id=f"{prefix}{n}", author=f"Автор {n}", text=f"грубый официант {n}", rating=1,
               published_at=T0 - timedelta(minutes=n))
        for n in range(count)
    ]


@pytest.mark.store
def test_a_crawls_negatives_make_one_digest_across_scoring_chunks(store, smtp_server, tiny_model, monkeypatch):
    monkeypatch.setattr("sentiment.scoring.CHUNK", 2)
    config = alert_config(smtp_server, model=tiny_model, digest_over=2)
    add_reviews(store, config, *negatives(3), Review(source_id="vk", external_id="ok", text="отличный кофе", rating=5))
    score_reviews(store, config, Models(config.sentiment), now=T0)

    [digest] = outbox(store)
    assert (digest.kind, digest.next_attempt_at) == ("digest", T0)
    with store.engine.connect() as db:
        announced = db.execute(select(schema.review_alerts.c.alert_id)).scalars().all()
    assert announced == [digest.id] * 3
    assert deliver_pending(store, config, now=T0) == 1
    assert smtp_server.messages[0].message["Subject"] == "3 new negative reviews · vk"


@pytest.mark.store
def test_alerts_of_a_scoring_run_that_died_go_out_alone_when_the_hold_ends(store, smtp_server, tiny_model, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("killed at the end of the run")

    monkeypatch.setattr("sentiment.scoring.release_held", crash)
    config = alert_config(smtp_server, model=tiny_model, digest_over=2)
    add_reviews(store, config, *negatives(3))
    with pytest.raises(RuntimeError):
        score_reviews(store, config, Models(config.sentiment), now=T0)

    assert deliver_pending(store, config, now=T0 + HOLD - timedelta(seconds=1)) == 0
    assert deliver_pending(store, config, now=T0 + HOLD) == 3
    assert [row.kind for row in outbox(store)] == ["new_negative"] * 3


def test_a_digest_lists_the_most_urgent_fifty_and_counts_the_rest():
    config = alert_config(SimpleNamespace(smtp_config=lambda: {"host": "localhost"}))
    reviews = [
        AlertReview(
            id=n, source_id="vk", channel="social", url=None, author=f"Автор {n}", title=None, text=f"плохо {n}",
            rating=1, published_at=T0, first_seen_at=T0, due_at=T0 + timedelta(minutes=n), replied_at=None,
            status="open", flagged=True, label="negative", score=-0.9,
        )
        for n in range(1, 61)
    ]
    content = render("digest", reviews, config, T0)
    assert content.subject == "60 new negative reviews · vk"
    assert "Автор 50\n" in content.text and "Автор 51" not in content.text
    assert content.text.endswith("… and 10 more, in the dashboard's inbox: https://dash.example.com/")
    assert content.html.count("<blockquote") == 50
    assert "… and 10 more, in the <a href=\"https://dash.example.com/\">dashboard's inbox</a>." in content.html


@pytest.mark.store
def test_a_report_that_cannot_be_built_backs_off_without_holding_up_the_alerts(store, smtp_server):
    config = alert_config(smtp_server)
    assert queue_report(store, config, "2026-W99", ["boss@example.com"], now=T0)  # no such ISO week
    add_reviews(store, config, Review(source_id="vk", external_id="1", text="плохо", published_at=T0))
    flag(store, config, "1", T0)
    assert deliver_pending(store, config, now=T0) == 1
    report, alert = outbox(store)
    assert (report.attempts, report.next_attempt_at, report.sent_at) == (1, T0 + config.alerts.retry_after, None)
    assert report.last_error.startswith("report not built: week '2026-W99' is not an ISO week")
    assert alert.sent_at == T0


@pytest.mark.store
def test_smtp_down_then_up_every_pending_alert_arrives_once(store, smtp_server):
    config = alert_config(smtp_server, retry_after="30s", retry_max="5m")
    add_reviews(
        store, config, *[Review(source_id="vk", external_id=str(n), text=f"плохо {n}", published_at=T0) for n in range(3)]
    )
    for n in range(3):
        flag(store, config, str(n), T0)
    smtp_server.stop()
    assert deliver_pending(store, config, now=T0) == 0
    rows = outbox(store)
    assert [(r.attempts, r.next_attempt_at, r.sent_at) for r in rows] == [(1, T0 + timedelta(seconds=30), None)] * 3
    assert all("refused" in r.last_error.lower() for r in rows)
    # Not due yet: untouched. Due and still down: the wait doubles.
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=10)) == 0
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=30)) == 0
    assert {(r.attempts, r.next_attempt_at) for r in outbox(store)} == {(2, T0 + timedelta(seconds=90))}

    # Up again, but refusing for a while: retried, not lost.
    smtp_server.start()
    smtp_server.reply = "451 4.3.0 Try again later"
    assert deliver_pending(store, config, now=T0 + timedelta(seconds=90)) == 0
    assert {r.last_error.split(": ", 1)[1] for r in outbox(store)} == {"451 4.3.0 Try again later"}
    smtp_server.reply = None
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=70)) == 3
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=80)) == 0
    received = sorted(m.message["Message-ID"] for m in smtp_server.messages)
    assert received == sorted(r.message_id for r in outbox(store))
    assert all(r.sent_at == T0 + timedelta(minutes=70) for r in outbox(store))
    # The text is as of sending: the deadline (T0 + 60 min) has passed by then.
    assert "overdue by 10 min" in parts(smtp_server.messages[0])[0]


@pytest.mark.store
def test_escalation_fires_once_at_75_percent_of_the_deadline(store, smtp_server):
    config = alert_config(smtp_server)  # social: 60 minutes, escalate_at 0.75 → 45 minutes
    add_reviews(
        store,
        config,
        *[Review(source_id="vk", external_id=name, text=f"плохо: {name}", published_at=T0)
          for name in ("late", "answered", "seen-at-50", "seen-after-deadline")],
    )
    for name in ("late", "answered"):
        flag(store, config, name, T0 + timedelta(minutes=5))
    # The business answers one on the source; a later crawl sees it.
    store.ingest([Review(source_id="vk", external_id="answered", text="плохо: answered", published_at=T0,
                         reply_text="Извините!", reply_at=T0 + timedelta(minutes=20))], now=T0 + timedelta(minutes=21))

    assert check_escalations(store, config, now=T0 + timedelta(minutes=44)) == 0
    assert check_escalations(store, config, now=T0 + timedelta(minutes=45)) == 1  # late
    assert check_escalations(store, config, now=T0 + timedelta(minutes=46)) == 0
    escalations = [r for r in outbox(store) if r.kind == "escalation"]
    assert [r.review_id for r in escalations] == [review_id(store, "late")]
    flag(store, config, "seen-at-50", T0 + timedelta(minutes=50))
    assert check_escalations(store, config, now=T0 + timedelta(minutes=51)) == 1  # seen-at-50: at once
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=52)) == 5  # 3 alerts, 2 escalations
    flag(store, config, "seen-after-deadline", T0 + timedelta(minutes=70))
    assert check_escalations(store, config, now=T0 + timedelta(minutes=75)) == 0  # never twice, none after the deadline
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=75)) == 1

    escalated = [m for m in smtp_server.messages if m.message["Subject"].startswith("Escalation")]
    assert [m.rcpt_tos for m in escalated] == [["head@example.com"]] * 2
    text, _ = parts(escalated[0])
    assert "still unanswered at 75% of its reply time" in text and "8 min left" in text
    assert escalated[0].message["Subject"] == "Escalation · vk · 8 min left · плохо: late"


@pytest.mark.store
def test_an_escalation_answered_or_an_alert_relabelled_before_it_goes_out_is_cancelled(store, smtp_server):
    config = alert_config(smtp_server)
    add_reviews(store, config, *[Review(source_id="vk", external_id=n, text=f"плохо {n}", published_at=T0) for n in "12"])
    flag(store, config, "1", T0)
    flag(store, config, "2", T0)
    record_correction(store, config, review_id(store, "2"), "neutral", "tester", now=T0)
    assert deliver_pending(store, config, now=T0) == 1
    assert outbox(store)[1].last_error.startswith("cancelled: the review's label was corrected")
    assert check_escalations(store, config, now=T0 + timedelta(minutes=45)) == 1
    store.ingest([Review(source_id="vk", external_id="1", text="плохо", published_at=T0, reply_text="Извините")],
                 now=T0 + timedelta(minutes=46))
    assert deliver_pending(store, config, now=T0 + timedelta(minutes=47)) == 0
    escalation = outbox(store)[2]
    assert (escalation.kind, escalation.sent_at, escalation.next_attempt_at) == ("escalation", None, None)
    assert len(smtp_server.messages) == 1


@pytest.mark.store
def test_disabled_alerts_queue_and_send_nothing(store, smtp_server):
    config = alert_config(smtp_server, enabled=False)
    add_reviews(store, config, Review(source_id="vk", external_id="1", text="плохо", published_at=T0))
    flag(store, config, "1", T0)
    assert outbox(store) == []
    assert check_escalations(store, config, now=T0 + timedelta(hours=1)) == 0
    assert deliver_pending(store, config, now=T0) == 0


def write_config(folder, server, enabled=True, **smtp):
    path = folder / "reputation.yaml"
    settings = {
        "company": {"name": "Кофемания", "timezone": "Europe/Moscow"},
        "database_url": "sqlite:///reputation.db",
        "sources": [{"id": "vk", "type": "vk", "query": "Кофемания"}],
        "alerts": {"enabled": enabled, "to": ["team@example.com"], "smtp": server.smtp_config(**smtp)},
    }
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


def test_a_sender_killed_after_the_server_took_the_message_repeats_it_with_the_same_message_id(tmp_path, smtp_server):
    path = write_config(tmp_path, smtp_server, timeout="30s")
    config = Config.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    store = Store.open(f"sqlite:///{tmp_path / 'reputation.db'}")
    try:
        now = utcnow()
        add_reviews(store, config, Review(source_id="vk", external_id="1", text="плохо", published_at=now), now=now)
        flag(store, config, "1", now)
        sender = subprocess.Popen(
            [sys.executable, "-m", "reputation", "--config", str(path), "alerts", "send"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        smtp_server.on_message = lambda _: os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=120)
        assert sender.returncode == -signal.SIGKILL, sender.stdout.read()
        smtp_server.on_message = None
        [row] = outbox(store)
        assert row.sent_at is None and row.attempts == 1

        # Held by the dead sender's claim (twice the 30 s timeout), then sent again, once.
        assert deliver_pending(store, config, now=utcnow()) == 0
        assert deliver_pending(store, config, now=utcnow() + timedelta(seconds=61)) == 1
        assert deliver_pending(store, config, now=utcnow() + timedelta(seconds=62)) == 0
    finally:
        store.close()
    first, again = smtp_server.messages
    assert first.message["Message-ID"] == again.message["Message-ID"] == row.message_id


def test_the_alerts_commands(tmp_path, smtp_server):
    path = write_config(tmp_path, smtp_server)
    config = Config.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    store = Store.open(f"sqlite:///{tmp_path / 'reputation.db'}")
    now = utcnow()
    add_reviews(store, config, *[Review(source_id="vk", external_id=str(n), text=f"плохо {n}", published_at=now)
                                 for n in range(2)], now=now)
    flag(store, config, "0", now)
    flag(store, config, "1", now)
    store.close()
    runner = CliRunner()

    smtp_server.reply = "550 5.1.1 No such mailbox"
    failing = runner.invoke(cli, ["--config", str(path), "alerts", "send"])
    assert failing.exit_code == 1
    assert "Sent 0 messages (0 new escalations); 0 pending, 2 failing" in failing.output
    listed = runner.invoke(cli, ["--config", str(path), "alerts", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0] == "pending: 0, failing: 2, sent: 0, cancelled: 0"
    assert "new_negative failing" in lines[2] and "Negative review · vk · no rating · плохо 1" in lines[2]
    assert lines[3].strip().endswith(": 550 5.1.1 No such mailbox")
    assert len(smtp_server.messages) == 0

    write_config(tmp_path, smtp_server, enabled=False)
    disabled = runner.invoke(cli, ["--config", str(path), "alerts", "send"])
    assert disabled.exit_code == 1 and "alerts are disabled" in disabled.output
