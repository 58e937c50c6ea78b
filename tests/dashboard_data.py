"""Reviews already scored and flagged, for the inbox and dashboard tests (no model needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, update

from reputation import schema
from reputation.config import Source
from reputation.database import writing
from reputation.records import Review
from reputation.users import add_user

NOW = datetime(2026, 3, 16, 12, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"
HOSTILE_TEXT = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script> [click](javascript:alert(1)) ![i](http://127.0.0.1:9/x.png)"
SOURCES = [
    Source(id="otzovik", type="otzovik", url="http://127.0.0.1:9/otzovik"),
    Source(id="vk", type="vk", query="Кофемания", token_env=None),
]


def seed_users(store) -> None:
    for name, role in (("viewer", "viewer"), ("resp", "responder"), ("admin", "admin")):
        add_user(store, name, PASSWORD, role, now=NOW)


def scored(store, review: Review, label: str, *, flagged: bool, due_at=None, now=NOW) -> int:
    """Ingest a review and give it a score and a flag, as sentiment scoring would."""
    store.ingest([review], now=now)
    reviews = schema.reviews
    with writing(store.engine) as db:
        review_id = db.scalar(
            reviews.select().with_only_columns(reviews.c.id).where(
                reviews.c.source_id == review.source_id, reviews.c.external_id == review.external_id
            )
        )
        score_id = db.execute(
            insert(schema.sentiment_scores).values(
                review_id=review_id, label=label, score=-0.8 if label == "negative" else 0.5, language=review.language,
                model_id="test", model_version="1", content_hash=review.content_hash, scored_at=now,
            )
        ).inserted_primary_key[0]
        db.execute(
            update(reviews).where(reviews.c.id == review_id).values(
                sentiment_id=score_id, flagged=flagged, due_at=due_at, needs_scoring=False
            )
        )
    return review_id


def seed_inbox(store, now=NOW) -> dict[str, int]:
    """Three flagged reviews due at different times (inserted out of order; the hostile one has a twelfth of
    its hour left), and one positive review."""
    store.sync_sources(SOURCES, now=now)
    ids = {}
    ids["later"] = scored(
        store,
        Review("otzovik", "o1", "Холодный кофе и грубый официант", url="https://otzovik.com/review_1.html",
               author="Анна", rating=2, language="ru", published_at=now - timedelta(hours=2)),
        "negative", flagged=True, due_at=now + timedelta(hours=22), now=now,
    )
    ids["overdue"] = scored(
        store,
        Review("vk", "v1", "Ждали заказ час, никто не извинился", url="javascript:alert(1)",
               author="Пётр\r\nInjected: header", language="ru", published_at=now - timedelta(hours=2)),
        "negative", flagged=True, due_at=now - timedelta(hours=1), now=now,
    )
    ids["hostile"] = scored(
        store,
        Review("otzovik", "o2", HOSTILE_TEXT, url="https://otzovik.com/review_2.html", author="=HYPERLINK(\"http://x\")",
               rating=1, language="en", published_at=now - timedelta(minutes=55)),
        "negative", flagged=True, due_at=now + timedelta(minutes=5), now=now,
    )
    ids["happy"] = scored(
        store,
        Review("otzovik", "o3", "Прекрасный сырник", author="Ира", rating=5, language="ru",
               published_at=now - timedelta(days=1)),
        "positive", flagged=False, now=now,
    )
    return ids
