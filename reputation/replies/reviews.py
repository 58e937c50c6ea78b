"""What the reply assistant reads from the store: the review answered, and the replies given before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from reputation import schema
from reputation.config import Config
from reputation.records import full_text
from reputation.replies.rules import LANGUAGES
from reputation.store import Store

# Earlier replies compared with a new one: the newest this many.
RECENT_REPLIES = 5000


@dataclass(frozen=True)
class ReviewFacts:
    id: int
    author: str | None
    text: str  # title and text
    language: str | None
    polarity: str | None  # negative, neutral, positive; None when unscored and unrated
    source_id: str
    source_type: str
    channel: str


def _polarity(flagged: bool, label: str | None, rating: float | None) -> str | None:
    if flagged or label == "negative" or (rating is not None and rating <= 2):
        return "negative"
    if label == "positive" or (rating is not None and rating >= 4):
        return "positive"
    return label


def load_review(store: Store, review_id: int) -> ReviewFacts:
    reviews, sources, scores = schema.reviews, schema.sources, schema.sentiment_scores
    with store.engine.connect() as db:
        row = db.execute(
            select(
                reviews.c.id, reviews.c.author, reviews.c.title, reviews.c.text, reviews.c.language, reviews.c.rating,
                reviews.c.flagged, reviews.c.source_id, sources.c.type, sources.c.channel, scores.c.label,
            )
            .join(sources, sources.c.id == reviews.c.source_id)
            .outerjoin(scores, scores.c.id == reviews.c.sentiment_id)
            .where(reviews.c.id == review_id)
        ).first()
    if row is None:
        raise LookupError(f"there is no review {review_id}")
    return ReviewFacts(
        id=row.id,
        author=row.author,
        text=full_text(row.title, row.text),
        language=row.language,
        polarity=_polarity(row.flagged, row.label, row.rating),
        source_id=row.source_id,
        source_type=row.type,
        channel=row.channel,
    )


def reply_language(review: ReviewFacts, config: Config) -> str:
    """The review's language when it has rules; else the detected one; else replies.default_language."""
    if review.language in LANGUAGES:
        return review.language
    from sentiment.language import detect_language

    detected = detect_language(review.text)
    return detected if detected in LANGUAGES else config.replies.default_language


def earlier_replies(store: Store, exclude_review: int | None = None) -> list[str]:
    """The texts of the newest replies recorded, except those answering `exclude_review`."""
    replies = schema.replies
    query = select(replies.c.text).order_by(replies.c.id.desc()).limit(RECENT_REPLIES)
    if exclude_review is not None:
        query = query.where(replies.c.review_id != exclude_review)
    with store.engine.connect() as db:
        return list(db.scalars(query))
