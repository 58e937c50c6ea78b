"""The unanswered queue and what the team does with it.

The inbox holds the flagged reviews still `open`, the one due first on top. A
review leaves it only through one of the actions here (a reply recorded, resolved,
spam, not ours, a label corrected to non-negative) or by a business reply that a
later crawl finds on the source (the store's ingest records it). Every action
checks the acting user's role in the same transaction as the change, and writes
the audit log with who and when.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select, update

from reputation import schema
from reputation.config import Config
from reputation.database import writing
from reputation.store import Store, _answer, utcnow
from reputation.users import require

# Where a reply recorded by the team was given ("source" and "imported" are the crawl's and the import's).
REPLY_CHANNELS = ("public", "private", "email", "phone")
MAX_REPLY_CHARS = 10_000
# A reply time a little ahead of the server's clock is a clock difference, not a mistake.
CLOCK_SKEW = timedelta(minutes=5)
_STILL_OPEN = ("open", "answered")


class InboxError(ValueError):
    """An action that cannot be done as asked; the message says why."""


_r, _s, _src = schema.reviews, schema.sentiment_scores, schema.sources
_COLUMNS = (
    _r.c.id, _r.c.source_id, _src.c.channel, _r.c.url, _r.c.author, _r.c.title, _r.c.text, _r.c.rating,
    _r.c.language, _r.c.published_at, _r.c.first_seen_at, _r.c.due_at, _r.c.replied_at, _r.c.resolved_at,
    _r.c.status, _r.c.assigned_to, _s.c.label.label("sentiment_label"), _s.c.score.label("sentiment_score"),
)
_FROM = _r.join(_src, _src.c.id == _r.c.source_id).outerjoin(_s, _s.c.id == _r.c.sentiment_id)
_WAITING = (_r.c.flagged.is_(True), _r.c.status == "open")


def unanswered(engine: Engine, *, limit: int = 50, offset: int = 0, assigned_to: str | None = None) -> list:
    """Flagged reviews waiting for a reply, the earliest deadline first (then the oldest review)."""
    query = select(*_COLUMNS).select_from(_FROM).where(*_WAITING).order_by(_r.c.due_at, _r.c.id).limit(limit).offset(offset)
    if assigned_to is not None:
        query = query.where(_r.c.assigned_to == assigned_to)
    with engine.connect() as db:
        return db.execute(query).all()


def unanswered_count(engine: Engine, *, assigned_to: str | None = None) -> int:
    query = select(func.count()).select_from(_r).where(*_WAITING)
    if assigned_to is not None:
        query = query.where(_r.c.assigned_to == assigned_to)
    with engine.connect() as db:
        return db.scalar(query)


def answered_on_source(engine: Engine, since: datetime, *, limit: int = 20) -> list:
    """Flagged reviews closed by a business reply a crawl found on the source since `since`, newest first."""
    replies = schema.replies
    query = (
        select(*_COLUMNS, replies.c.text.label("reply_text"), replies.c.recorded_at.label("reply_seen_at"))
        .select_from(_FROM.join(replies, replies.c.review_id == _r.c.id))
        .where(_r.c.flagged.is_(True), replies.c.channel == "source", replies.c.recorded_at >= since)
        .order_by(replies.c.recorded_at.desc(), _r.c.id)
        .limit(limit)
    )
    with engine.connect() as db:
        return db.execute(query).all()


def review(engine: Engine, review_id: int):
    """One review with its state, or None."""
    with engine.connect() as db:
        return db.execute(select(*_COLUMNS).select_from(_FROM).where(_r.c.id == review_id)).first()


def history(engine: Engine, review_id: int) -> tuple[list, list]:
    """A review's replies (oldest first) and its audit log entries (oldest first)."""
    replies, audit = schema.replies, schema.audit_log
    with engine.connect() as db:
        given = db.execute(select(replies).where(replies.c.review_id == review_id).order_by(replies.c.replied_at)).all()
        log = db.execute(select(audit).where(audit.c.review_id == review_id).order_by(audit.c.at, audit.c.id)).all()
    return given, log


def _current(db, review_id: int):
    row = db.execute(select(_r.c.status, _r.c.published_at).where(_r.c.id == review_id)).first()
    if row is None:
        raise InboxError(f"there is no review {review_id}")
    return row


def _audit(db, now: datetime, by: str, action: str, review_id: int, detail: str | None) -> None:
    db.execute(insert(schema.audit_log).values(at=now, user_name=by, action=action, review_id=review_id, detail=detail))


def assign(store: Store, review_id: int, assignee: str | None, *, by: str, now: datetime | None = None) -> None:
    """Give the review to a responder (None: to nobody)."""
    now = now or utcnow()
    with writing(store.engine) as db:
        require(db, by, "responder")
        _current(db, review_id)
        if assignee is not None:
            try:
                require(db, assignee, "responder")
            except PermissionError:
                raise InboxError(f"{assignee!r} is not an enabled responder or admin") from None
        db.execute(update(_r).where(_r.c.id == review_id).values(assigned_to=assignee))
        _audit(db, now, by, "assign", review_id, assignee or "nobody")


def record_reply(
    store: Store, review_id: int, text: str, where: str, when: datetime, *, by: str, now: datetime | None = None
) -> None:
    """Record a reply the team gave (`where`: public, private, email or phone) at `when`; it answers an open review."""
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise InboxError("the reply text is empty; paste what was answered")
    if len(text) > MAX_REPLY_CHARS:
        raise InboxError(f"the reply has {len(text)} characters; at most {MAX_REPLY_CHARS} are kept")
    if where not in REPLY_CHANNELS:
        raise InboxError(f"where the reply was given must be one of {', '.join(REPLY_CHANNELS)}, not {where!r}")
    if when.tzinfo is None:
        raise InboxError("the reply time has no time zone")
    if when > now + CLOCK_SKEW:
        raise InboxError("the reply time is in the future")
    with writing(store.engine) as db:
        require(db, by, "responder")
        current = _current(db, review_id)
        if current.published_at and when < current.published_at:
            raise InboxError("the reply time is before the review was published")
        _answer(db, review_id, now, text=text, channel=where, author=by, replied_at=when, recorded_by=by)
        _audit(db, now, by, "reply", review_id, f"{where} at {when.isoformat()}")


def _close(store: Store, review_id: int, status: str, reason: str | None, by: str, now: datetime | None) -> None:
    now = now or utcnow()
    with writing(store.engine) as db:
        require(db, by, "responder")
        current = _current(db, review_id)
        if current.status not in _STILL_OPEN:
            raise InboxError(f"review {review_id} is already {current.status.replace('_', ' ')}")
        values = dict(status=status, resolved_at=now) if status == "resolved" else dict(status=status)
        db.execute(update(_r).where(_r.c.id == review_id).values(**values))
        _audit(db, now, by, status, review_id, reason)


def resolve(store: Store, review_id: int, *, by: str, note: str | None = None, now: datetime | None = None) -> None:
    """The customer's matter is settled."""
    _close(store, review_id, "resolved", (note or "").strip() or None, by, now)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InboxError("give a reason, so that the team can see why it left the inbox")
    return reason[:1000]


def mark_spam(store: Store, review_id: int, reason: str, *, by: str, now: datetime | None = None) -> None:
    _close(store, review_id, "spam", _reason(reason), by, now)


def mark_not_ours(store: Store, review_id: int, reason: str, *, by: str, now: datetime | None = None) -> None:
    """About another company or place (a namesake, a neighbour)."""
    _close(store, review_id, "not_ours", _reason(reason), by, now)


def correct_label(store: Store, config: Config, review_id: int, label: str, *, by: str, now: datetime | None = None) -> None:
    """The team's sentiment label, kept as feedback for training (a non-negative one takes the review out of the inbox)."""
    from sentiment.feedback import record_correction

    with store.engine.connect() as db:
        require(db, by, "responder")
    try:
        record_correction(store, config, review_id, label, by, now=now)
    except (LookupError, ValueError) as exc:
        raise InboxError(str(exc)) from None
