from datetime import timedelta

import pytest
from sqlalchemy import select

from reputation import inbox, schema
from reputation.config import Config
from reputation.records import Review
from tests.dashboard_data import NOW, seed_inbox, seed_users

pytestmark = pytest.mark.store


@pytest.fixture
def seeded(store):
    seed_users(store)
    return seed_inbox(store)


def audit(store, review_id):
    log = schema.audit_log
    with store.engine.connect() as db:
        return [(r.user_name, r.action, r.detail) for r in db.execute(select(log).where(log.c.review_id == review_id).order_by(log.c.id))]


def test_the_inbox_holds_flagged_open_reviews_the_earliest_deadline_first(store, seeded):
    rows = inbox.unanswered(store.engine)
    assert [r.id for r in rows] == [seeded["overdue"], seeded["hostile"], seeded["later"]]
    assert rows[0].channel == "social" and rows[0].sentiment_label == "negative"
    assert inbox.unanswered_count(store.engine) == 3
    assert [r.id for r in inbox.unanswered(store.engine, limit=1, offset=1)] == [seeded["hostile"]]


def test_a_recorded_reply_answers_the_review_with_who_where_and_when(store, seeded):
    when = NOW - timedelta(minutes=10)
    inbox.record_reply(store, seeded["overdue"], "  Простите, разберёмся!  ", "public", when, by="resp", now=NOW)
    assert seeded["overdue"] not in [r.id for r in inbox.unanswered(store.engine)]
    row = inbox.review(store.engine, seeded["overdue"])
    assert (row.status, row.replied_at) == ("answered", when)
    replies, log = inbox.history(store.engine, seeded["overdue"])
    assert [(r.text, r.channel, r.recorded_by, r.replied_at) for r in replies] == [("Простите, разберёмся!", "public", "resp", when)]
    assert [(e.user_name, e.action, e.at) for e in log] == [("resp", "reply", NOW)]


def test_a_viewer_changes_nothing(store, seeded):
    review_id = seeded["overdue"]
    for action in (
        lambda: inbox.record_reply(store, review_id, "ok", "public", NOW, by="viewer", now=NOW),
        lambda: inbox.assign(store, review_id, "resp", by="viewer"),
        lambda: inbox.resolve(store, review_id, by="viewer"),
        lambda: inbox.mark_spam(store, review_id, "bot", by="viewer"),
        lambda: inbox.mark_not_ours(store, review_id, "other cafe", by="viewer"),
        lambda: inbox.correct_label(store, Config(company={"name": "K"}), review_id, "neutral", by="viewer"),
        lambda: inbox.resolve(store, review_id, by="stranger"),
    ):
        with pytest.raises(PermissionError):
            action()
    row = inbox.review(store.engine, review_id)
    assert (row.status, row.assigned_to, row.sentiment_label) == ("open", None, "negative")
    assert audit(store, review_id) == []


def test_assign_resolve_spam_and_not_ours_leave_an_audit_trail(store, seeded):
    inbox.assign(store, seeded["later"], "resp", by="admin", now=NOW)
    assert [r.id for r in inbox.unanswered(store.engine, assigned_to="resp")] == [seeded["later"]]
    with pytest.raises(inbox.InboxError, match="not an enabled responder"):
        inbox.assign(store, seeded["later"], "viewer", by="admin", now=NOW)
    inbox.resolve(store, seeded["later"], by="resp", note="called the guest", now=NOW)
    inbox.mark_spam(store, seeded["hostile"], "script injection, a bot", by="resp", now=NOW)
    with pytest.raises(inbox.InboxError, match="give a reason"):
        inbox.mark_not_ours(store, seeded["overdue"], "   ", by="resp", now=NOW)
    inbox.mark_not_ours(store, seeded["overdue"], "the café next door", by="resp", now=NOW)
    assert inbox.unanswered(store.engine) == []
    assert inbox.review(store.engine, seeded["later"]).resolved_at == NOW
    assert audit(store, seeded["later"]) == [("admin", "assign", "resp"), ("resp", "resolved", "called the guest")]
    assert audit(store, seeded["hostile"]) == [("resp", "spam", "script injection, a bot")]
    assert audit(store, seeded["overdue"]) == [("resp", "not_ours", "the café next door")]
    with pytest.raises(inbox.InboxError, match="already spam"):
        inbox.resolve(store, seeded["hostile"], by="resp", now=NOW)


def test_bad_replies_are_refused_and_lose_nothing(store, seeded):
    review_id = seeded["later"]
    cases = [
        ("", "public", NOW, "empty"),
        ("ok", "twitter", NOW, "must be one of"),
        ("ok", "public", NOW + timedelta(hours=1), "future"),
        ("ok", "public", NOW - timedelta(days=3), "before the review was published"),
        ("x" * 10_001, "public", NOW, "at most"),
    ]
    for text, where, when, message in cases:
        with pytest.raises(inbox.InboxError, match=message):
            inbox.record_reply(store, review_id, text, where, when, by="resp", now=NOW)
    with pytest.raises(inbox.InboxError, match="no review 999"):
        inbox.record_reply(store, 999, "ok", "public", NOW, by="resp", now=NOW)
    assert inbox.review(store.engine, review_id).status == "open"
    assert inbox.history(store.engine, review_id) == ([], [])


def test_a_label_correction_is_feedback_and_takes_the_review_out_of_the_inbox(store, seeded):
    config = Config(company={"name": "Кофемания"})
    inbox.correct_label(store, config, seeded["later"], "neutral", by="resp", now=NOW)
    assert seeded["later"] not in [r.id for r in inbox.unanswered(store.engine)]
    with store.engine.connect() as db:
        feedback = db.execute(select(schema.sentiment_feedback)).one()
    assert (feedback.label, feedback.previous_label, feedback.user_name) == ("neutral", "negative", "resp")
    assert audit(store, seeded["later"]) == [("resp", "label", "negative -> neutral")]
    with pytest.raises(inbox.InboxError, match="label must be one of"):
        inbox.correct_label(store, config, seeded["later"], "angry", by="resp", now=NOW)


def test_a_business_reply_found_by_a_later_crawl_closes_the_item_and_is_shown(store, seeded):
    again = Review("otzovik", "o1", "Холодный кофе и грубый официант", rating=2, language="ru",
                   url="https://otzovik.com/review_1.html", author="Анна", published_at=NOW - timedelta(hours=2),
                   reply_text="Анна, простите нас", reply_at=NOW + timedelta(minutes=5))
    store.ingest([again], now=NOW + timedelta(minutes=10))
    assert seeded["later"] not in [r.id for r in inbox.unanswered(store.engine)]
    [closed] = inbox.answered_on_source(store.engine, since=NOW)
    assert (closed.id, closed.reply_text, closed.status) == (seeded["later"], "Анна, простите нас", "answered")
    assert inbox.answered_on_source(store.engine, since=NOW + timedelta(hours=1)) == []
