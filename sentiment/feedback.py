"""Label corrections by the team: applied to the review at once and kept for training.

A correction is the team's verdict: the review takes the corrected label (a
negative one is flagged with its deadline, any other leaves the reply queue),
`reputation sentiment rescore --all` keeps it, and `reputation sentiment train
--feedback` learns from it. A later edit of the text by its author is scored
again, since the correction was about the old text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from reputation import schema
from reputation.alerts import enqueue_flagged
from reputation.config import Config
from reputation.database import writing
from reputation.records import full_text
from reputation.store import Store, utcnow
from sentiment.model import LABELS
from sentiment.policy import reply_due

TEAM_MODEL_ID = "team"
TEAM_MODEL_VERSION = "correction"
_LABEL_SCORE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


@dataclass(frozen=True)
class Correction:
    text: str
    label: str
    language: str | None


def record_correction(
    store: Store, config: Config, review_id: int, label: str, user_name: str, now: datetime | None = None
) -> None:
    """Set the review's label to `label`, keep the correction and write it to the audit log."""
    if label not in LABELS:
        raise ValueError(f"label must be one of {', '.join(LABELS)}, not {label!r}")
    now = now or utcnow()
    reviews, sources, scores = schema.reviews, schema.sources, schema.sentiment_scores
    with writing(store.engine) as db:
        row = db.execute(
            select(
                reviews.c.title, reviews.c.text, reviews.c.language, reviews.c.content_hash,
                reviews.c.published_at, reviews.c.first_seen_at, reviews.c.due_at, reviews.c.flagged, sources.c.channel,
                scores.c.label,
            )
            .join(sources, sources.c.id == reviews.c.source_id)
            .outerjoin(scores, scores.c.id == reviews.c.sentiment_id)
            .where(reviews.c.id == review_id)
        ).first()
        if row is None:
            raise LookupError(f"there is no review {review_id}")
        text = full_text(row.title, row.text)
        db.execute(
            insert(schema.sentiment_feedback).values(
                review_id=review_id, text=text, language=row.language, label=label,
                previous_label=row.label, user_name=user_name, created_at=now,
            )
        )
        score_id = db.execute(
            insert(scores).values(
                review_id=review_id, label=label, score=_LABEL_SCORE[label], language=row.language,
                model_id=TEAM_MODEL_ID, model_version=TEAM_MODEL_VERSION, content_hash=row.content_hash, scored_at=now,
            )
        ).inserted_primary_key[0]
        negative = label == "negative"
        due = row.due_at or reply_due(row.published_at, row.first_seen_at, config.sla.for_channel(row.channel))
        db.execute(
            update(reviews)
            .where(reviews.c.id == review_id)
            .values(sentiment_id=score_id, flagged=negative, due_at=due if negative else None, needs_scoring=False)
        )
        if negative and not row.flagged:
            enqueue_flagged(db, config, [review_id], now)
        db.execute(
            insert(schema.audit_log).values(
                at=now, user_name=user_name, action="label", review_id=review_id,
                detail=f"{row.label or 'unscored'} -> {label}",
            )
        )


def corrections(store: Store) -> list[Correction]:
    """Every correction, the latest one per review winning."""
    feedback = schema.sentiment_feedback
    with store.engine.connect() as db:
        rows = db.execute(
            select(feedback.c.review_id, feedback.c.text, feedback.c.label, feedback.c.language).order_by(feedback.c.id)
        ).all()
    latest: dict = {}
    for row in rows:
        # Corrections of deleted reviews have no id left: each counts on its own.
        latest[row.review_id if row.review_id is not None else ("gone", len(latest))] = row
    return [Correction(row.text, row.label, row.language) for row in latest.values()]
