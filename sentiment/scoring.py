"""Score the reviews that are new or changed, flag negatives and set their reply deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select, update

from reputation import schema
from reputation.alerts import HOLD, enqueue_flagged, release_held
from reputation.config import Config
from reputation.database import writing
from reputation.records import full_text
from reputation.store import Store, utcnow
from sentiment.feedback import TEAM_MODEL_ID
from sentiment.loading import Models
from sentiment.language import detect_language
from sentiment.policy import combine, flagged, reply_due

CHUNK = 256


def score_reviews(store: Store, config: Config, models: Models, *, everything: bool = False, now: datetime | None = None) -> int:
    """Score reviews marked for scoring (or all of them); returns how many were scored."""
    reviews, sources = schema.reviews, schema.sources
    query = (
        select(
            reviews.c.id, reviews.c.title, reviews.c.text, reviews.c.rating, reviews.c.language,
            reviews.c.published_at, reviews.c.first_seen_at, reviews.c.content_hash, sources.c.channel,
        )
        .join(sources, sources.c.id == reviews.c.source_id)
        .order_by(reviews.c.id)
        .limit(CHUNK)
    )
    if everything:
        # A label the team corrected stays until the author edits the text.
        scores = schema.sentiment_scores
        corrected = exists().where(scores.c.id == reviews.c.sentiment_id, scores.c.model_id == TEAM_MODEL_ID)
        query = query.where(reviews.c.needs_scoring.is_(True) | ~corrected)
    else:
        query = query.where(reviews.c.needs_scoring.is_(True))
    # The run's alerts are held until its end, so that a crawl's many new negatives make one digest.
    hold_until = (now or utcnow()) + HOLD
    scored, after = 0, 0
    while True:
        with store.engine.connect() as db:
            rows = db.execute(query.where(reviews.c.id > after)).all()
        if not rows:
            release_held(store, config, hold_until, now or utcnow())
            return scored
        _score_chunk(store, config, models, rows, now or utcnow(), hold_until)
        scored += len(rows)
        after = rows[-1].id


def _score_chunk(store: Store, config: Config, models: Models, rows, now: datetime, hold_until: datetime) -> None:
    languages = [row.language or detect_language(row.text) for row in rows]
    # One batch per model: languages sharing a model are scored together.
    by_model: dict[int, tuple] = {}
    for index, language in enumerate(languages):
        model = models.for_language(language)
        by_model.setdefault(id(model), (model, []))[1].append(index)
    scores = [None] * len(rows)
    for model, indexes in by_model.values():
        texts = [full_text(rows[i].title, rows[i].text) for i in indexes]
        for index, score in zip(indexes, model.score(texts, config.sentiment.batch_size)):
            scores[index] = (model, score)

    score_rows, review_rows = [], []
    for row, language, (model, text_score) in zip(rows, languages, scores):
        label, value = combine(text_score, row.rating)
        is_flagged = flagged(text_score, label, config.sentiment.negative_threshold)
        score_rows.append(
            dict(review_id=row.id, label=label, score=value, language=language, model_id=model.model_id,
                 model_version=model.version, content_hash=row.content_hash, scored_at=now)
        )
        due = reply_due(row.published_at, row.first_seen_at, config.sla.for_channel(row.channel)) if is_flagged else None
        review_rows.append(dict(b_id=row.id, b_hash=row.content_hash, b_language=language, b_flagged=is_flagged, b_due=due))

    reviews = schema.reviews
    flagged_now = [row["b_id"] for row in review_rows if row["b_flagged"]]
    with writing(store.engine) as db:
        flagged_before = set(db.scalars(select(reviews.c.id).where(reviews.c.id.in_(flagged_now), reviews.c.flagged)))
        ids = db.scalars(
            insert(schema.sentiment_scores).returning(schema.sentiment_scores.c.id, sort_by_parameter_order=True),
            score_rows,
        ).all()
        for row, score_id in zip(review_rows, ids):
            row["b_score"] = score_id
        # A review edited since it was read keeps needs_scoring: its new text gets its own score.
        db.execute(
            update(reviews)
            .where(reviews.c.id == bindparam("b_id"), reviews.c.content_hash == bindparam("b_hash"))
            .values(
                sentiment_id=bindparam("b_score"),
                language=bindparam("b_language"),
                flagged=bindparam("b_flagged"),
                due_at=bindparam("b_due"),
                needs_scoring=False,
            ),
            review_rows,
        )
        enqueue_flagged(db, config, [i for i in flagged_now if i not in flagged_before], now, hold_until=hold_until)
