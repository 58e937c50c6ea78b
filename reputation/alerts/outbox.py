"""The alert outbox: queued in the flagging transaction, then sent over SMTP with retries.

A row of `alert_outbox` is one message with its Message-ID fixed when queued.
Its state, from its columns:
- pending: `sent_at` empty, `next_attempt_at` set (due once that time passes);
- held: a scoring run's new alerts, pending at the run's end plus HOLD until
  `release_held` makes them due now, or replaces them by one digest;
- failing: pending with a `last_error` (retried with exponential backoff, never dropped);
- sent: `sent_at` set;
- cancelled: neither set (an escalation whose review was answered, or an alert whose
  review stopped being negative, before it went out).

Sending a row first claims it: one write transaction counts the attempt, pushes
`next_attempt_at` past the send (twice the SMTP timeout) and stores the text as
rendered now, so the time left is current. Then the message goes out, then a
second transaction marks it sent. Two senders never send one row at once; a
sender that dies after the server took the message leaves the row to be sent
again once the claim runs out, with the same Message-ID.

The weekly report goes through the same outbox (kind `report`): one row per ISO
week, built from the store when it is sent.

`review_alerts` holds one row per announced review: which message announced it
(so no review is announced twice, whatever rescoring does) and when it
escalates if still unanswered.
"""

from __future__ import annotations

import json
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Callable, Iterable

from sqlalchemy import Connection, case, delete, exists, func, insert, select, update

from reputation import schema
from reputation.alerts.content import KIND_TITLES, AlertReview, Content, render
from reputation.config import Config
from reputation.database import writing
from reputation.mailer import MailError, connect, new_message, send_with
from reputation.store import Store, utcnow

DUE_BATCH = 1000
# How long a scoring run's alerts wait for the run to end (see release_held).
HOLD = timedelta(minutes=10)


def _load_reviews(db: Connection, *where) -> list[AlertReview]:
    """The reviews matching `where` as alerts show them, most urgent first."""
    reviews, sources, scores = schema.reviews, schema.sources, schema.sentiment_scores
    query = (
        select(
            reviews.c.id, reviews.c.source_id, sources.c.channel, reviews.c.url, reviews.c.author, reviews.c.title,
            reviews.c.text, reviews.c.rating, reviews.c.published_at, reviews.c.first_seen_at, reviews.c.due_at,
            reviews.c.replied_at, reviews.c.status, reviews.c.flagged, scores.c.label, scores.c.score,
        )
        .join(sources, sources.c.id == reviews.c.source_id)
        .outerjoin(scores, scores.c.id == reviews.c.sentiment_id)
        .where(*where)
    )
    found = [AlertReview(**row._mapping) for row in db.execute(query)]
    return sorted(found, key=lambda r: (r.due_at is None, r.due_at or r.first_seen_at, r.id))


def _recipients(config: Config, kind: str) -> list[str]:
    if kind == "escalation":
        return config.alerts.escalate_to or config.alerts.to
    return config.alerts.to


def _message_id(config: Config) -> str:
    return make_msgid(domain=parseaddr(config.alerts.smtp.sender)[1].rpartition("@")[2] or "localhost")


def _queue(
    db: Connection, config: Config, kind: str, reviews: list[AlertReview], now: datetime, *, due: datetime | None = None
) -> int:
    content = render(kind, reviews, config, now)
    return db.execute(
        insert(schema.alert_outbox).values(
            kind=kind,
            review_id=reviews[0].id if kind != "digest" else None,
            recipients=json.dumps(_recipients(config, kind)),
            subject=content.subject,
            body_text=content.text,
            body_html=content.html,
            message_id=_message_id(config),
            created_at=now,
            attempts=0,
            next_attempt_at=due or now,
        )
    ).inserted_primary_key[0]


def _escalate_at(review: AlertReview, config: Config, now: datetime) -> datetime | None:
    """The moment `escalate_at` of the reply time has passed; none for a review flagged after its deadline."""
    if review.due_at is None or review.due_at <= now:
        return None
    start = review.published_at or review.first_seen_at
    return start + (review.due_at - start) * config.alerts.escalate_at


def enqueue_flagged(
    db: Connection, config: Config, review_ids: Iterable[int], now: datetime, *, hold_until: datetime | None = None
) -> None:
    """Queue one alert per review just flagged, inside the transaction that flags them.

    Reviews announced before are left out, so a rescore never alerts twice. With
    `hold_until` the alerts wait for `release_held` to decide, once the whole
    scoring run is known, between single messages and one digest. With alerts
    disabled nothing is queued.
    """
    review_ids = set(review_ids)
    if not config.alerts.enabled or not review_ids:
        return
    reviews, announced = schema.reviews, schema.review_alerts
    fresh = _load_reviews(
        db,
        reviews.c.id.in_(review_ids),
        reviews.c.flagged.is_(True),
        ~exists().where(announced.c.review_id == reviews.c.id),
    )
    for review in fresh:
        alert_id = _queue(db, config, "new_negative", [review], now, due=hold_until or now)
        db.execute(
            insert(announced).values(review_id=review.id, alert_id=alert_id, escalate_at=_escalate_at(review, config, now))
        )


def release_held(store: Store, config: Config, hold_until: datetime, now: datetime) -> None:
    """End a scoring run's hold: more than `alerts.digest_over` alerts become one digest, fewer go out alone.

    The run's alerts are those still untried and due exactly at its `hold_until`.
    If the run dies before this, they go out one by one when the hold runs out.
    """
    outbox, announced = schema.alert_outbox, schema.review_alerts
    held = (
        outbox.c.kind == "new_negative", outbox.c.next_attempt_at == hold_until,
        outbox.c.attempts == 0, outbox.c.sent_at.is_(None),
    )
    with writing(store.engine) as db:
        count = db.scalar(select(func.count()).select_from(outbox).where(*held))
        if count <= config.alerts.digest_over:
            db.execute(update(outbox).where(*held).values(next_attempt_at=now))
            return
        # Subqueries, not id lists: a rescore of everything may flag more reviews than a statement takes parameters.
        review_ids = select(outbox.c.review_id).where(*held).scalar_subquery()
        digest_id = _queue(db, config, "digest", _load_reviews(db, schema.reviews.c.id.in_(review_ids)), now, due=now)
        db.execute(update(announced).where(announced.c.review_id.in_(review_ids)).values(alert_id=digest_id))
        db.execute(delete(outbox).where(*held))


def queue_report(store: Store, config: Config, week: str, recipients: list[str], now: datetime | None = None) -> bool:
    """Queue the weekly report of ISO week `week`, built when it is sent; False when that week's is queued already."""
    now = now or utcnow()
    outbox = schema.alert_outbox
    with writing(store.engine) as db:
        if db.scalar(select(outbox.c.id).where(outbox.c.week == week)) is not None:
            return False
        db.execute(
            insert(outbox).values(
                kind="report", week=week, recipients=json.dumps(recipients),
                subject=f"Weekly report {week} (built when sent)", body_text="", message_id=_message_id(config),
                created_at=now, attempts=0, next_attempt_at=now,
            )
        )
    return True


def check_escalations(store: Store, config: Config, now: datetime | None = None) -> int:
    """Queue one escalation for each announced review still unanswered at its escalation moment."""
    if not config.alerts.enabled:
        return 0
    now = now or utcnow()
    reviews, announced, outbox = schema.reviews, schema.review_alerts, schema.alert_outbox
    with writing(store.engine) as db:
        due = db.scalars(select(announced.c.review_id).where(announced.c.escalate_at <= now)).all()
        if not due:
            return 0
        waiting = [review for review in _load_reviews(db, reviews.c.id.in_(due)) if review.awaits_reply]
        escalated = set(
            db.scalars(
                select(outbox.c.review_id).where(outbox.c.kind == "escalation", outbox.c.review_id.in_(due))
            )
        )
        queued = [review for review in waiting if review.id not in escalated]
        for review in queued:
            _queue(db, config, "escalation", [review], now)
        # Settled either way: escalated now, or answered before its moment came.
        db.execute(update(announced).where(announced.c.review_id.in_(due)).values(escalate_at=None))
    return len(queued)


def _message(config: Config, row, content: Content, now: datetime) -> EmailMessage:
    message = new_message()
    message["Subject"] = content.subject
    message["From"] = config.alerts.smtp.sender
    message["To"] = ", ".join(json.loads(row.recipients))
    message["Date"] = format_datetime(now)
    message["Message-ID"] = row.message_id
    # Keeps out-of-office replies away from an automatic message (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(content.text)
    if content.html:
        message.add_alternative(content.html, subtype="html")
    return message


def _subjects(db: Connection, row) -> list[AlertReview]:
    reviews, announced = schema.reviews, schema.review_alerts
    if row.review_id is not None:
        return _load_reviews(db, reviews.c.id == row.review_id)
    return _load_reviews(db, reviews.c.id.in_(select(announced.c.review_id).where(announced.c.alert_id == row.id)))


def _obsolete(kind: str, about: list[AlertReview]) -> str | None:
    """Why a message about one review should no longer go out, if it should not."""
    if kind == "escalation" and about and not about[0].awaits_reply:
        return "cancelled: the review was answered or closed before the escalation went out"
    if kind == "new_negative" and about and not about[0].flagged:
        return "cancelled: the review's label was corrected before the alert went out"
    return None


def _claim(store: Store, config: Config, outbox_id: int, now: datetime) -> EmailMessage | None:
    """Take a due row for sending: the message to send, or None if another sender has it or it is cancelled."""
    outbox = schema.alert_outbox
    unsent_and_due = (outbox.c.id == outbox_id, outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
    with writing(store.engine) as db:
        row = db.execute(select(outbox).where(*unsent_and_due)).first()
        if row is None:
            return None
        claim = dict(attempts=row.attempts + 1, next_attempt_at=now + 2 * config.alerts.smtp.timeout)
        content = None  # the weekly report is built after the claim: its charts take seconds
        if row.kind != "report":
            about = _subjects(db, row) if row.kind in KIND_TITLES else []
            obsolete = _obsolete(row.kind, about)
            if obsolete:
                db.execute(update(outbox).where(*unsent_and_due).values(next_attempt_at=None, last_error=obsolete))
                return None
            content = render(row.kind, about, config, now) if about else Content(row.subject, row.body_text, row.body_html)
            claim.update(subject=content.subject, body_text=content.text, body_html=content.html)
        claimed = db.execute(update(outbox).where(*unsent_and_due).values(**claim)).rowcount
    if not claimed:
        return None
    if content is not None:
        return _message(config, row, content, now)
    try:
        return _report_message(store, config, row, now)
    except Exception as exc:  # a report that cannot be built must not hold up the alerts behind it
        _record_failure(store, config, f"report not built: {exc}", now, claimed=outbox_id)
        return None


def _report_message(store: Store, config: Config, row, now: datetime) -> EmailMessage:
    """The weekly report of a claimed `report` row, built now and kept in the row as sent."""
    from reputation.report.weekly import build_weekly  # the report module uses this package's content helpers

    report = build_weekly(store, config, row.week, now)
    outbox = schema.alert_outbox
    with writing(store.engine) as db:
        db.execute(
            update(outbox)
            .where(outbox.c.id == row.id)
            .values(subject=report.subject, body_text=report.text, body_html=report.html)
        )
    return report.email(json.loads(row.recipients), message_id=row.message_id)


def _backoff(config: Config, attempts: int) -> timedelta:
    return min(config.alerts.retry_max, config.alerts.retry_after * 2 ** max(attempts - 1, 0))


def _record_failure(store: Store, config: Config, reason: str, now: datetime, *, claimed: int | None) -> None:
    """Back off the claimed row, or (when no session could be opened) every due row, keeping the reason."""
    outbox = schema.alert_outbox
    if claimed is not None:
        which = (outbox.c.id == claimed,)
    else:
        which = (outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
    with writing(store.engine) as db:
        for row in db.execute(select(outbox.c.id, outbox.c.attempts).where(*which)).all():
            attempts = row.attempts if claimed is not None else row.attempts + 1
            db.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(attempts=attempts, next_attempt_at=now + _backoff(config, attempts), last_error=reason)
            )


def _mark_sent(store: Store, outbox_id: int, now: datetime) -> None:
    outbox = schema.alert_outbox
    with writing(store.engine) as db:
        db.execute(update(outbox).where(outbox.c.id == outbox_id).values(sent_at=now, next_attempt_at=None))


def _session_alive(client: smtplib.SMTP) -> bool:
    try:
        return client.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def deliver_pending(store: Store, config: Config, now: datetime | None = None) -> int:
    """Send every due outbox message over one SMTP session; returns how many were sent.

    A message the server refuses is retried later with backoff; when the server
    cannot be reached, every due message is. With alerts disabled only weekly
    reports are sent, with reports disabled too nothing is.
    """
    if not (config.alerts.enabled or config.reports.enabled):
        return 0
    clock: Callable[[], datetime] = (lambda: now) if now else utcnow
    outbox = schema.alert_outbox
    kinds = () if config.alerts.enabled else (outbox.c.kind == "report",)
    with store.engine.connect() as db:
        due = db.scalars(
            select(outbox.c.id)
            .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= clock(), *kinds)
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(DUE_BATCH)
        ).all()
    if not due:
        return 0
    smtp, sent = config.alerts.smtp, 0
    try:
        with connect(smtp) as client:
            for outbox_id in due:
                message = _claim(store, config, outbox_id, clock())
                if message is None:
                    continue
                try:
                    send_with(client, smtp, message)
                except MailError as exc:
                    _record_failure(store, config, str(exc), clock(), claimed=outbox_id)
                    if not _session_alive(client):
                        break
                    continue
                _mark_sent(store, outbox_id, clock())
                sent += 1
    except MailError as exc:
        _record_failure(store, config, str(exc), clock(), claimed=None)
    return sent


def _status():
    outbox = schema.alert_outbox
    return case(
        (outbox.c.sent_at.is_not(None), "sent"),
        (outbox.c.next_attempt_at.is_(None), "cancelled"),
        (outbox.c.last_error.is_not(None), "failing"),
        else_="pending",
    ).label("status")


def outbox_counts(store: Store) -> dict[str, int]:
    """How many messages are pending, failing, sent and cancelled."""
    status = _status()
    with store.engine.connect() as db:
        found = dict(db.execute(select(status, func.count()).group_by(status)).all())
    return {name: found.get(name, 0) for name in ("pending", "failing", "sent", "cancelled")}


def recent_messages(store: Store, limit: int) -> list:
    """The newest outbox rows with their status, newest first."""
    outbox = schema.alert_outbox
    query = (
        select(
            outbox.c.id, outbox.c.kind, outbox.c.review_id, outbox.c.subject, outbox.c.created_at,
            outbox.c.attempts, outbox.c.sent_at, outbox.c.next_attempt_at, outbox.c.last_error, _status(),
        )
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
    with store.engine.connect() as db:
        return db.execute(query).all()
