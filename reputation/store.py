"""The review store: where scrapers write, sentiment scores and the dashboard reads.

A review is identified by (source id, external id). Ingesting it again changes
nothing; a changed text or rating updates it, keeps the earlier version in
`review_versions` and marks it for rescoring. Ingest works in batches: one
query finds what is already stored, then inserts and updates go out as
executemany in one write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import Engine, and_, bindparam, case, func, insert, or_, select, update

from reputation import schema
from reputation.channels import SOURCE_TYPES
from reputation.config import Config, Source, database_url
from reputation.database import make_engine, upgrade, writing
from reputation.records import Review

INGEST_BATCH = 500
# Crawl statuses after which a source counts as working.
HEALTHY = ("ok", "capped")


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    # Replies of the business first seen on the source in this ingest.
    replies_seen: int = 0

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.replies_seen += other.replies_seen
        return self


@dataclass
class CrawlOutcome:
    # ok, blocked, markup_changed, failing, capped
    status: str
    pages: int = 0
    seen: int = 0
    new: int = 0
    updated: int = 0
    errors: int = 0
    detail: str | None = None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _keys_match(keys: Iterable[tuple[str, str]]):
    """WHERE (source_id, external_id) is one of `keys`, grouped by source so the unique index serves it
    (SQLite scans the table for a row-value IN list)."""
    by_source: dict[str, list[str]] = {}
    for source_id, external_id in keys:
        by_source.setdefault(source_id, []).append(external_id)
    reviews = schema.reviews
    return or_(*(and_(reviews.c.source_id == s, reviews.c.external_id.in_(ids)) for s, ids in by_source.items()))


# How many replies of the business were seen on the review's source page.
_SOURCE_REPLIES = (
    select(func.count())
    .where(schema.replies.c.review_id == schema.reviews.c.id, schema.replies.c.channel == "source")
    .scalar_subquery()
    .label("source_replies")
)


def _stored(db, keys: Iterable[tuple[str, str]], *columns) -> dict:
    """The stored reviews among `keys`, by key, with their id and the given columns."""
    reviews = schema.reviews
    query = select(reviews.c.id, reviews.c.source_id, reviews.c.external_id, *columns).where(_keys_match(keys))
    return {(row.source_id, row.external_id): row for row in db.execute(query)}


def _batches(items: Iterable[Review], size: int) -> Iterator[list[Review]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # Sources

    def sync_sources(self, configured: Iterable[Source], now: datetime | None = None) -> None:
        """Bring the sources table in line with the config (sources are never deleted: reviews point at them)."""
        now = now or utcnow()
        configured = list(configured)
        with writing(self.engine) as db:
            known = set(db.scalars(select(schema.sources.c.id)))
            for source in configured:
                values = dict(
                    type=source.type,
                    channel=source.channel_kind,
                    url=source.url,
                    query=source.query,
                    enabled=source.enabled,
                )
                if source.id in known:
                    db.execute(update(schema.sources).where(schema.sources.c.id == source.id).values(**values))
                else:
                    db.execute(insert(schema.sources).values(id=source.id, created_at=now, **values))

    def ensure_manual_source(self, source_id: str, now: datetime | None = None) -> None:
        """A source for reviews imported from a file, created on first use."""
        with writing(self.engine) as db:
            if db.scalar(select(schema.sources.c.id).where(schema.sources.c.id == source_id)) is None:
                db.execute(
                    insert(schema.sources).values(
                        id=source_id,
                        type="manual",
                        channel=SOURCE_TYPES["manual"],
                        enabled=True,
                        created_at=now or utcnow(),
                    )
                )

    def source_ids(self) -> set[str]:
        with self.engine.connect() as db:
            return set(db.scalars(select(schema.sources.c.id)))

    # Reviews

    def ingest(
        self, items: Iterable[Review], now: datetime | None = None, *, reply_channel: str = "source"
    ) -> IngestResult:
        """Store new reviews, update changed ones; a review's `reply_text` is recorded once per `reply_channel`."""
        now = now or utcnow()
        result = IngestResult()
        for batch in _batches(items, INGEST_BATCH):
            result += self._ingest_batch(batch, now, reply_channel)
        return result

    def _ingest_batch(self, batch: list[Review], now: datetime, reply_channel: str) -> IngestResult:
        reviews = schema.reviews
        # The last copy wins when a page lists the same review twice.
        by_key = {item.key: item for item in batch}
        result = IngestResult()
        with writing(self.engine) as db:
            stored = _stored(db, by_key, reviews.c.content_hash, reviews.c.text, reviews.c.rating)
            new = [item for key, item in by_key.items() if key not in stored]
            changed = [
                (stored[key], item)
                for key, item in by_key.items()
                if key in stored and stored[key].content_hash != item.content_hash
            ]
            if new:
                db.execute(insert(reviews), [self._new_row(item, now) for item in new])
            if changed:
                self._record_edits(db, changed, now)
            result.new, result.updated = len(new), len(changed)
            result.unchanged = len(by_key) - len(new) - len(changed)
            with_reply = [item for item in by_key.values() if item.reply_text]
            if with_reply:
                result.replies_seen = self._record_replies(db, with_reply, now, reply_channel)
        return result

    @staticmethod
    def _new_row(item: Review, now: datetime) -> dict:
        return dict(
            source_id=item.source_id,
            external_id=item.external_id,
            url=item.url,
            author=item.author,
            title=item.title,
            text=item.text,
            rating=item.rating,
            language=item.language,
            published_at=item.published_at,
            published_approx=item.published_approx,
            first_seen_at=now,
            updated_at=now,
            content_hash=item.content_hash,
            needs_scoring=True,
            flagged=False,
            status="open",
        )

    @staticmethod
    def _record_edits(db, changed: list, now: datetime) -> None:
        db.execute(
            insert(schema.review_versions),
            [
                dict(review_id=old.id, text=old.text, rating=old.rating, content_hash=old.content_hash, replaced_at=now)
                for old, _ in changed
            ],
        )
        reviews = schema.reviews
        db.execute(
            update(reviews)
            .where(reviews.c.id == bindparam("b_id"))
            .values(
                text=bindparam("b_text"),
                rating=bindparam("b_rating"),
                title=bindparam("b_title"),
                content_hash=bindparam("b_hash"),
                updated_at=now,
                needs_scoring=True,
            ),
            [
                dict(b_id=old.id, b_text=item.text, b_rating=item.rating, b_title=item.title, b_hash=item.content_hash)
                for old, item in changed
            ],
        )

    @staticmethod
    def _record_replies(db, items: list[Review], now: datetime, channel: str) -> int:
        """A business reply (seen on the source, or imported) answers the review at the reply's time."""
        replies = schema.replies
        ids = {key: row.id for key, row in _stored(db, [item.key for item in items]).items()}
        answered = set(
            db.scalars(
                select(replies.c.review_id).where(replies.c.review_id.in_(ids.values()), replies.c.channel == channel)
            )
        )
        fresh = [(ids[item.key], item) for item in items if ids[item.key] not in answered]
        for review_id, item in fresh:
            _answer(
                db,
                review_id,
                now,
                text=item.reply_text,
                channel=channel,
                author="business",
                replied_at=item.reply_at or now,
            )
        return len(fresh)

    def stored_reviews(self, source_id: str, external_ids: list[str]) -> dict:
        """The stored reviews of a source among `external_ids`, by external id: text, rating, source_replies."""
        with self.engine.connect() as db:
            rows = _stored(
                db, [(source_id, e) for e in external_ids], schema.reviews.c.text, schema.reviews.c.rating, _SOURCE_REPLIES
            )
        return {external_id: row for (_, external_id), row in rows.items()}

    def newest_published_at(self, source_id: str) -> datetime | None:
        reviews = schema.reviews
        with self.engine.connect() as db:
            return db.scalar(select(func.max(reviews.c.published_at)).where(reviews.c.source_id == source_id))

    def last_success_at(self, source_id: str) -> datetime | None:
        sources = schema.sources
        with self.engine.connect() as db:
            return db.scalar(select(sources.c.last_success_at).where(sources.c.id == source_id))

    def all_unchanged(self, items: list[Review]) -> bool:
        """Whether every review is stored with the same text and rating, and its source reply (if any) too,
        and was stored by a crawl before the source's last successful one ended.

        Spiders stop paging back at a page of which this holds. A crawl that died
        half-way has stored the newest pages only: their reviews are younger than the
        last success, so the next crawl pages on past them to the older ones it missed.
        """
        if not items:
            return False
        last_success = self.last_success_at(items[0].source_id)
        if last_success is None:
            return False
        reviews = schema.reviews
        with self.engine.connect() as db:
            stored = _stored(db, [item.key for item in items], reviews.c.content_hash, reviews.c.first_seen_at, _SOURCE_REPLIES)
        return all(
            item.key in stored
            and stored[item.key].content_hash == item.content_hash
            and stored[item.key].first_seen_at <= last_success
            and (not item.reply_text or stored[item.key].source_replies > 0)
            for item in items
        )

    # Crawl runs and the health of sources

    def start_run(self, source_id: str, now: datetime | None = None) -> int:
        with writing(self.engine) as db:
            return db.execute(
                insert(schema.crawl_runs).values(source_id=source_id, started_at=now or utcnow(), status="running")
            ).inserted_primary_key[0]

    def finish_run(self, run_id: int, outcome: CrawlOutcome, now: datetime | None = None) -> None:
        """Record how a crawl ended, and the source's health with it."""
        now = now or utcnow()
        runs, sources = schema.crawl_runs, schema.sources
        with writing(self.engine) as db:
            source_id = db.scalar(select(runs.c.source_id).where(runs.c.id == run_id))
            db.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=now,
                    status=outcome.status,
                    pages=outcome.pages,
                    items_seen=outcome.seen,
                    items_new=outcome.new,
                    items_updated=outcome.updated,
                    errors=outcome.errors,
                    error_detail=outcome.detail,
                )
            )
            health = dict(status=outcome.status, status_detail=outcome.detail, last_run_at=now)
            if outcome.status in HEALTHY:
                health["last_success_at"] = now
            db.execute(update(sources).where(sources.c.id == source_id).values(**health))

    def run(self, run_id: int):
        with self.engine.connect() as db:
            return db.execute(select(schema.crawl_runs).where(schema.crawl_runs.c.id == run_id)).one()

    def sources_health(self) -> list:
        """Each source with its health and how many reviews it has stored."""
        sources, reviews = schema.sources, schema.reviews
        stored = (
            select(func.count()).where(reviews.c.source_id == sources.c.id).scalar_subquery().label("reviews")
        )
        with self.engine.connect() as db:
            return db.execute(select(sources, stored).order_by(sources.c.id)).all()


def _answer(db, review_id: int, now: datetime, **reply) -> None:
    """Store a reply; the earliest reply of a review is its first response, and answers an open review."""
    reviews, replies = schema.reviews, schema.replies
    db.execute(insert(replies).values(review_id=review_id, recorded_at=now, **reply))
    first_reply = select(func.min(replies.c.replied_at)).where(replies.c.review_id == review_id).scalar_subquery()
    db.execute(
        update(reviews)
        .where(reviews.c.id == review_id)
        .values(
            replied_at=first_reply,
            status=case((reviews.c.status == "open", "answered"), else_=reviews.c.status),
        )
    )


def open_store(config: Config, config_path: Path) -> Store:
    """The store the config names, migrated to the newest schema, its sources in line with the config."""
    store = Store.open(database_url(config, config_path))
    store.sync_sources(config.sources)
    return store
