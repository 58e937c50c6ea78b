"""A hand-seeded fortnight for the KPI and weekly report tests: ISO weeks 2026-W46 and W47 in Europe/Helsinki (UTC+2).

W47 runs from 2026-11-15 22:00Z to 2026-11-22 22:00Z. The expected KPIs are worked out by hand in tests/test_kpi.py
from the rows below; every row is written out so that the arithmetic can be checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, update

from reputation import schema
from reputation.config import Config, Source
from reputation.database import writing
from reputation.records import content_hash
from reputation.store import Store

ZONE = "Europe/Helsinki"
W47_START = datetime(2026, 11, 15, 22, tzinfo=timezone.utc)
W47_END = datetime(2026, 11, 22, 22, tzinfo=timezone.utc)
W46_START = datetime(2026, 11, 8, 22, tzinfo=timezone.utc)
# Monday 09:00 in Helsinki, when the weekly report goes out.
NOW = datetime(2026, 11, 23, 7, tzinfo=timezone.utc)

SOURCES = [
    Source(id="otzovik", type="otzovik", url="http://127.0.0.1/otzovik/"),
    Source(id="vk", type="vk", query="Кофемания"),
    Source(id="telegram", type="telegram", url="http://127.0.0.1/t/"),
    Source(id="2gis", type="2gis", url="http://127.0.0.1/2gis/"),
]

SCRIPT_TEXT = "Cold coffee again, the waiter was rude. <script>alert('xss')</script>"
IMG_TEXT = '<img src=x onerror="alert(1)"> Rude waiter and cold coffee, never again'


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


@dataclass
class Row:
    id: int
    source: str
    text: str
    published: datetime | None
    rating: float | None = None
    label: str | None = None
    flagged: bool = False
    due: datetime | None = None
    replied: datetime | None = None
    resolved: datetime | None = None
    status: str | None = None
    language: str = "ru"
    first_seen: datetime | None = None
    author: str = "Покупатель"
    url: str | None = None


ROWS = [
    # W47
    Row(1, "otzovik", "Холодный кофе и долгое ожидание", at(16, 8), 1, "negative", True, at(17, 8), at(16, 12),
        at(17, 8)),
    Row(2, "otzovik", "Отличный кофе и десерты, спасибо!", at(18, 9), 5, "positive"),
    Row(3, "otzovik", "Опять холодный кофе, официант грубил", at(19, 9), 2, "negative", True, at(20, 9), at(21, 9),
        at(21, 10), author="<b>Bold</b> [link](http://evil.example)"),
    Row(4, "vk", "Ждали заказ час, холодный кофе", at(20, 10), None, "negative", True, at(20, 11), at(20, 10, 30)),
    Row(5, "telegram", "Кофемания открыла новое кафе на Арбате", at(21, 15), None, "neutral"),
    # Sunday 23:30 in Helsinki: still W47, but its deadline falls in W48.
    Row(6, "vk", IMG_TEXT, at(22, 21, 30), None, "negative", True, at(22, 22, 30), language="en",
        author="<b>Bold</b>\r\nBcc: victim@example.com", url="javascript:alert(document.cookie)"),
    Row(7, "2gis", "Хорошее место", at(17, 12), 4, "positive"),
    Row(8, "2gis", SCRIPT_TEXT, at(21, 8), 3, "negative", True, at(22, 8), language="en",
        url="https://2gis.example/review/8?a=1&b=2"),
    # No publication time: counted from when we first saw it; no score yet.
    Row(9, "otzovik", "Пять звёзд", None, 5, first_seen=at(19, 12)),
    # Spam counts nowhere.
    Row(10, "otzovik", "Купите дешёвые часы", at(18, 10), 1, "negative", True, at(19, 10), status="spam"),
    # W46
    Row(11, "otzovik", "Нормально, но шумно", at(15, 21, 30), 4, "positive"),
    # Published in W46; its deadline and reply fall in W47.
    Row(12, "vk", "Где мой заказ?", at(15, 21, 50), None, "negative", True, at(15, 22, 50), at(15, 22, 20)),
    Row(13, "otzovik", "Ужасное обслуживание", at(10, 9), 1, "negative", True, at(11, 9), at(10, 11)),
    Row(14, "2gis", "Лучший кофе в городе", at(12, 12), 5, "positive"),
]


def config(**reports) -> Config:
    return Config.model_validate(
        {
            "company": {"name": "Кофемания", "timezone": ZONE},
            "sources": [source.model_dump(exclude_none=True) for source in SOURCES],
            "reports": {"to": ["marketing@example.com"], **reports},
        }
    )


def seed(store: Store, rows: list[Row] = ROWS) -> None:
    store.sync_sources(SOURCES, now=W46_START)
    with writing(store.engine) as db:
        for row in rows:
            seen = row.first_seen or row.published
            status = row.status or ("resolved" if row.resolved else "answered" if row.replied else "open")
            db.execute(
                insert(schema.reviews).values(
                    id=row.id, source_id=row.source, external_id=f"r{row.id}", url=row.url, author=row.author,
                    text=row.text, rating=row.rating, language=row.language, published_at=row.published,
                    first_seen_at=seen, updated_at=seen, content_hash=content_hash(row.text, row.rating),
                    needs_scoring=row.label is None, flagged=row.flagged, due_at=row.due, replied_at=row.replied,
                    resolved_at=row.resolved, status=status,
                )
            )
            if row.replied:
                db.execute(
                    insert(schema.replies).values(
                        review_id=row.id, text="Спасибо, разбираемся", channel="public", replied_at=row.replied,
                        recorded_at=row.replied,
                    )
                )
            if row.label:
                score_id = db.execute(
                    insert(schema.sentiment_scores).values(
                        review_id=row.id, label=row.label, score=-0.8 if row.label == "negative" else 0.5,
                        language=row.language, model_id="test", model_version="1",
                        content_hash=content_hash(row.text, row.rating), scored_at=seen + timedelta(minutes=1),
                    )
                ).inserted_primary_key[0]
                db.execute(update(schema.reviews).where(schema.reviews.c.id == row.id).values(sentiment_id=score_id))
