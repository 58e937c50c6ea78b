"""The store's tables (SQLAlchemy Core). Migrations under `migrations/` build them.

Every time is stored in UTC with its time zone: `UtcDateTime` refuses naive
values and hands back aware ones, also on SQLite, which keeps no zone itself.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps times with their zone")
        value = value.astimezone(timezone.utc)
        # SQLite stores text: keep it zone-free and uniform so that it sorts and compares.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sources = Table(
    "sources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("url", Text),
    Column("query", Text),
    Column("enabled", Boolean, nullable=False, default=True),
    # Health, kept up to date by the crawls: ok, blocked, markup_changed, failing, capped.
    Column("status", String(16)),
    Column("status_detail", Text),
    Column("last_run_at", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", String(64), ForeignKey("sources.id"), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("url", Text),
    Column("author", Text),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("rating", Float),
    Column("language", String(8)),
    Column("published_at", UtcDateTime),
    # True when the source gave only a relative or date-only time ("2 часа назад").
    Column("published_approx", Boolean, nullable=False, default=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Hash of text and rating: a re-crawl with the same hash changes nothing.
    Column("content_hash", String(40), nullable=False),
    Column("needs_scoring", Boolean, nullable=False, default=True),
    # The current score: the newest row of sentiment_scores for this review (no FK,
    # which would make the two tables depend on each other).
    Column("sentiment_id", Integer),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("due_at", UtcDateTime),
    # First response, from a reply recorded by the team or seen on the source.
    Column("replied_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    # open, answered, resolved, spam, not_ours
    Column("status", String(16), nullable=False, default="open"),
    Column("assigned_to", String(64)),
    UniqueConstraint("source_id", "external_id"),
    Index(None, "flagged", "replied_at", "due_at"),
    Index(None, "published_at"),
    Index(None, "needs_scoring"),
)

review_versions = Table(
    "review_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("rating", Float),
    Column("content_hash", String(40), nullable=False),
    # When this version was replaced by a newer one.
    Column("replaced_at", UtcDateTime, nullable=False),
)

sentiment_scores = Table(
    "sentiment_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("language", String(8)),
    Column("model_id", Text, nullable=False),
    Column("model_version", String(64), nullable=False),
    # The content hash of the version scored, so a changed text is seen as unscored.
    Column("content_hash", String(40), nullable=False),
    Column("scored_at", UtcDateTime, nullable=False),
)

replies = Table(
    "replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    # Where the reply was given: source (seen on the review's page), public, private, email, phone, imported.
    Column("channel", String(16), nullable=False),
    Column("author", Text),
    Column("replied_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(64)),
    Column("recorded_at", UtcDateTime, nullable=False),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", String(64), ForeignKey("sources.id"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # running, ok, blocked, markup_changed, failing, capped
    Column("status", String(16), nullable=False),
    Column("pages", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("items_new", Integer, nullable=False, default=0),
    Column("items_updated", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("error_detail", Text),
    Index(None, "source_id", "started_at"),
)

alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # new_negative, digest, escalation, report
    Column("kind", String(16), nullable=False),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="SET NULL")),
    Column("recipients", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    # Fixed when queued, so a message sent again after a crash carries the same id.
    Column("message_id", String(255), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    # The weekly report's ISO week (kind report): queued once per week, built when it is sent.
    Column("week", String(10)),
    UniqueConstraint("review_id", "kind"),
    Index(None, "sent_at", "next_attempt_at"),
    Index(None, "week", unique=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    # viewer, responder, admin
    Column("role", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("user_name", String(64)),
    Column("action", String(32), nullable=False),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="SET NULL")),
    Column("detail", Text),
)

# A label corrected by the team: the text is kept as it was, so the correction
# stays usable for training after the review is edited or deleted.
sentiment_feedback = Table(
    "sentiment_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="SET NULL"), index=True),
    Column("text", Text, nullable=False),
    Column("language", String(8)),
    Column("label", String(8), nullable=False),
    Column("previous_label", String(8)),
    Column("user_name", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
)

# Dashboard: failed logins per user name (known or not), so that guessing is throttled
# across restarts and across the dashboard's processes.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("user_name", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", UtcDateTime),
    Column("locked_until", UtcDateTime),
)

# Dashboard: logins that survive a reload of the page. Only a hash of the token (kept in the
# browser's cookie) is stored, so the table cannot be used to log in.
dashboard_sessions = Table(
    "dashboard_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# Dashboard: the inbox (flagged, open, by deadline) and the time to resolve (KPI MTTR) on a million reviews.
Index("ix_reviews_flagged_status_due_at", reviews.c.flagged, reviews.c.status, reviews.c.due_at)
Index("ix_reviews_resolved_at", reviews.c.resolved_at)

# Alerts: each flagged review is announced once (alone or in a digest) and escalated at most once.
review_alerts = Table(
    "review_alerts",
    metadata,
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    # The new_negative or digest message of alert_outbox that announced the review.
    Column("alert_id", Integer, ForeignKey("alert_outbox.id", ondelete="CASCADE"), nullable=False, index=True),
    # When the review escalates if still unanswered; NULL once settled (escalation queued, or none due).
    Column("escalate_at", UtcDateTime, index=True),
)

# Scheduler: APScheduler's job store, in the shape its SQLAlchemyJobStore creates, so that
# the migrations describe the whole database (the job store then finds its table there).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

# Scheduler: the lease that keeps a second `reputation run` off the same database.
scheduler_lease = Table(
    "scheduler_lease",
    metadata,
    Column("name", String(32), primary_key=True),
    # A random token of the holding process: only the holder renews or releases.
    Column("holder", String(32), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("renewed_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Replies: the last draft proposed per source, so that the next one for that source reads differently.
reply_drafts = Table(
    "reply_drafts",
    metadata,
    Column("source_id", String(64), ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="SET NULL")),
    Column("situation", String(32), nullable=False),
    # Index of the template among the situation's templates (the rule file's order).
    Column("template", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
