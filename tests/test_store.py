import multiprocessing
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from reputation import schema
from reputation.config import Source
from reputation.database import make_engine, upgrade, writing
from reputation.records import MAX_TEXT_CHARS, Review
from reputation.store import Store

pytestmark = pytest.mark.store

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)
MSK = timezone(timedelta(hours=3))


def make_source(store, source_id="otzovik", type_="otzovik"):
    store.sync_sources([Source(id=source_id, type=type_, url="http://127.0.0.1/reviews")], now=T0)


def review(n, text=None, rating=4.0, **extra):
    return Review(
        source_id="otzovik",
        external_id=f"r{n}",
        text=text or f"Отзыв номер {n}: всё хорошо 👍",
        rating=rating,
        author=f"Автор {n}",
        published_at=T0 - timedelta(hours=n),
        **extra,
    )


def count(store, table):
    with store.engine.connect() as db:
        return db.scalar(select(func.count()).select_from(table))


def test_migrations_create_every_table_on_an_empty_database(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "sources",
        "reviews",
        "review_versions",
        "crawl_runs",
        "sentiment_scores",
        "replies",
        "alert_outbox",
        "users",
        "audit_log",
    } <= tables
    engine.dispose()


def test_migrations_match_the_schema_module(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as db:
        diff = compare_metadata(MigrationContext.configure(db), schema.metadata)
    engine.dispose()
    assert diff == []


def test_upgrading_an_existing_database_keeps_its_data(database_url):
    store = Store.open(database_url)
    make_source(store)
    store.ingest([review(1), review(2)])
    store.close()

    again = Store.open(database_url)
    upgrade(again.engine)
    assert count(again, schema.reviews) == 2
    again.close()


def test_ingesting_the_same_reviews_again_changes_nothing(store):
    make_source(store)
    first = store.ingest([review(n) for n in range(1200)], now=T0)
    assert (first.new, first.updated, first.unchanged) == (1200, 0, 0)

    with store.engine.connect() as db:
        before = db.execute(select(schema.reviews).order_by(schema.reviews.c.id)).all()
    second = store.ingest([review(n) for n in range(1200)], now=T0 + timedelta(hours=1))
    assert (second.new, second.updated, second.unchanged) == (0, 0, 1200)
    with store.engine.connect() as db:
        after = db.execute(select(schema.reviews).order_by(schema.reviews.c.id)).all()
    assert after == before
    assert count(store, schema.review_versions) == 0


def test_a_review_listed_twice_in_one_batch_is_stored_once(store):
    make_source(store)
    result = store.ingest([review(1, text="первый"), review(1, text="второй")], now=T0)
    assert (result.new, result.unchanged) == (1, 0)
    with store.engine.connect() as db:
        assert db.scalar(select(schema.reviews.c.text)) == "второй"


def test_an_edited_review_is_updated_keeps_its_history_and_is_rescored(store):
    make_source(store)
    store.ingest([review(1, text="Кофе был холодный", rating=2.0)], now=T0)
    with writing(store.engine) as db:
        db.execute(schema.reviews.update().values(needs_scoring=False))

    edited_at = T0 + timedelta(days=1)
    result = store.ingest([review(1, text="Кофе был холодный, но потом извинились", rating=4.0)], now=edited_at)
    assert (result.new, result.updated) == (0, 1)

    with store.engine.connect() as db:
        row = db.execute(select(schema.reviews)).one()
        versions = db.execute(select(schema.review_versions)).all()
    assert row.text == "Кофе был холодный, но потом извинились"
    assert row.rating == 4.0
    assert row.needs_scoring is True
    assert row.updated_at == edited_at
    assert row.first_seen_at == T0
    assert [(v.text, v.rating, v.replaced_at) for v in versions] == [("Кофе был холодный", 2.0, edited_at)]


def test_a_changed_rating_alone_is_an_edit(store):
    make_source(store)
    store.ingest([review(1, rating=5.0)], now=T0)
    assert store.ingest([review(1, rating=1.0)], now=T0).updated == 1


def test_times_are_stored_in_utc_and_come_back_aware(store):
    make_source(store)
    published = datetime(2026, 3, 14, 12, 0, tzinfo=MSK)
    store.ingest([Review(source_id="otzovik", external_id="x", text="т", published_at=published)], now=T0)
    with store.engine.connect() as db:
        value = db.scalar(select(schema.reviews.c.published_at))
    assert value == published
    assert value.utcoffset() == timedelta(0)
    assert value.hour == 9


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        Review(source_id="s", external_id="x", text="t", published_at=datetime(2026, 1, 1))


def test_a_huge_text_is_cut_with_a_visible_mark_and_an_empty_text_is_kept(store):
    make_source(store)
    huge = "а" * (MAX_TEXT_CHARS * 3)
    store.ingest([review(1, text=huge), Review(source_id="otzovik", external_id="stars-only", text="", rating=1)])
    with store.engine.connect() as db:
        texts = dict(db.execute(select(schema.reviews.c.external_id, schema.reviews.c.text)).all())
    assert len(texts["r1"]) == MAX_TEXT_CHARS
    assert texts["r1"].endswith("[…]")
    assert texts["stars-only"] == ""


def test_a_business_reply_seen_on_the_source_answers_the_review_once(store):
    make_source(store)
    store.ingest([review(1)], now=T0)
    replied = T0 + timedelta(minutes=42)
    with_reply = review(1, reply_text="Спасибо за отзыв!", reply_at=replied)
    assert store.ingest([with_reply], now=T0 + timedelta(hours=1)).replies_seen == 1
    assert store.ingest([with_reply], now=T0 + timedelta(hours=2)).replies_seen == 0

    with store.engine.connect() as db:
        row = db.execute(select(schema.reviews)).one()
        replies = db.execute(select(schema.replies)).all()
    assert row.replied_at == replied
    assert row.status == "answered"
    assert [(r.text, r.channel, r.replied_at) for r in replies] == [("Спасибо за отзыв!", "source", replied)]


def test_sources_follow_the_config(store):
    store.sync_sources([Source(id="tg", type="telegram", url="http://x/s/c")], now=T0)
    store.sync_sources([Source(id="tg", type="telegram", url="http://x/s/c", channel="feed", enabled=False)], now=T0)
    with store.engine.connect() as db:
        row = db.execute(select(schema.sources)).one()
    assert (row.id, row.type, row.channel, row.enabled) == ("tg", "telegram", "feed", False)


def _write_reviews(url, start, count_):
    store = Store.open(url, migrate=False)
    for n in range(start, start + count_, 10):
        store.ingest([review(i) for i in range(n, n + 10)])
    store.close()


def _read_reviews(url, rounds, results):
    store = Store.open(url, migrate=False)
    seen = []
    for _ in range(rounds):
        with store.engine.connect() as db:
            seen.append(db.scalar(select(func.count()).select_from(schema.reviews)))
    store.close()
    results.put(seen)


def test_processes_writing_and_reading_one_sqlite_file_never_hit_a_lock(sqlite_url):
    store = Store.open(sqlite_url)
    make_source(store)
    store.close()

    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    writers = [spawn.Process(target=_write_reviews, args=(sqlite_url, start, 1000)) for start in (0, 1000)]
    reader = spawn.Process(target=_read_reviews, args=(sqlite_url, 400, results))
    for process in (*writers, reader):
        process.start()
    seen = results.get(timeout=120)
    for process in (*writers, reader):
        process.join(timeout=120)

    assert [p.exitcode for p in (*writers, reader)] == [0, 0, 0]
    assert seen == sorted(seen)  # the reader only ever saw whole, growing batches
    assert all(n % 10 == 0 for n in seen)
    final = Store.open(sqlite_url, migrate=False)
    assert count(final, schema.reviews) == 2000
    final.close()


def test_line_endings_are_stored_as_newlines():
    assert Review(source_id="s", external_id="x", text="a\r\nb\rc\n").text == "a\nb\nc\n"


def test_a_page_counts_as_already_crawled_only_when_a_successful_crawl_stored_it(store):
    from reputation.store import CrawlOutcome

    make_source(store)
    old = [review(n) for n in range(1, 4)]
    store.ingest(old, now=T0)
    assert not store.all_unchanged(old)  # no crawl has finished yet: keep paging
    store.finish_run(store.start_run("otzovik", now=T0), CrawlOutcome("ok"), now=T0 + timedelta(minutes=1))
    assert store.all_unchanged(old)
    assert not store.all_unchanged([review(1, text="Отзыв исправлен автором")])
    # A later crawl died after storing its newest page: the next one must page on past it.
    newest = [review(n) for n in range(10, 13)]
    store.ingest(newest, now=T0 + timedelta(hours=1))
    store.finish_run(store.start_run("otzovik", now=T0), CrawlOutcome("failing"), now=T0 + timedelta(hours=1))
    assert not store.all_unchanged(newest)
    assert store.all_unchanged(old)


def test_a_search_ignores_case_in_every_alphabet(store):
    from dashboard.queries import Filters
    from reputation.exports import export_rows

    make_source(store)
    store.ingest(
        [review(1, "ДОСТАВКА опоздала на час"), review(2, "Kahvi oli KYLMÄÄ"), review(3, "Great COFFEE"), review(4)],
        now=T0,
    )
    for words, found in [("доставка", "r1"), ("Опоздала", "r1"), ("kylmää", "r2"), ("coffee", "r3")]:
        assert [row["external_id"] for row in export_rows(store, where=Filters(search=words).conditions())] == [found]
