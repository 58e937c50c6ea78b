"""Store ingest speed: the batched `Store.ingest` against a naive one-row-per-transaction loop.

Three phases, each run by both ways on a database of its own in the same process:
100,000 new reviews, the same 100,000 again (nothing changes), 10,000 of them
edited. Prints reviews/second for each phase and way, and the ratio.

    python bench/store.py                       # SQLite file in a temporary folder
    python bench/store.py --postgres URL        # and PostgreSQL (a role that may create databases)
    python bench/store.py --count 20000         # a smaller run
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import make_url

from reputation import schema
from reputation.config import Source
from reputation.database import drop_postgres_database, writing
from reputation.records import Review
from reputation.store import Store

WORDS = "кофе обслуживание доставка курьер опоздал вкусно ужасно спасибо palvelu hyvä huono delivery late great".split()


def make_reviews(count: int, edited: bool = False) -> list[Review]:
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return [
        Review(
            source_id="bench",
            external_id=f"r{n}",
            text=" ".join(rng.choices(WORDS, k=rng.randint(5, 60))) + (" (edited)" if edited else ""),
            author=f"author {n}",
            rating=float(rng.randint(1, 5)),
            url=f"https://example.com/review/{n}",
            published_at=start + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def naive_ingest(store: Store, items: list[Review]) -> None:
    """The obvious loop: look the review up, then insert or update it, one transaction each."""
    reviews = schema.reviews
    now = datetime.now(timezone.utc)
    for item in items:
        with writing(store.engine) as db:
            old = db.execute(
                select(reviews.c.id, reviews.c.content_hash, reviews.c.text, reviews.c.rating).where(
                    reviews.c.source_id == item.source_id, reviews.c.external_id == item.external_id
                )
            ).first()
            if old is None:
                db.execute(insert(reviews).values(Store._new_row(item, now)))
            elif old.content_hash != item.content_hash:
                db.execute(
                    insert(schema.review_versions).values(
                        review_id=old.id, text=old.text, rating=old.rating, content_hash=old.content_hash, replaced_at=now
                    )
                )
                db.execute(
                    update(reviews)
                    .where(reviews.c.id == old.id)
                    .values(text=item.text, rating=item.rating, content_hash=item.content_hash, updated_at=now, needs_scoring=True)
                )


def batched_ingest(store: Store, items: list[Review]) -> None:
    store.ingest(items)


def run_phases(url: str, ingest, count: int) -> list[float]:
    """Reviews/second of each phase on a fresh store at `url`."""
    store = Store.open(url)
    store.sync_sources([Source(id="bench", type="manual", url="https://example.com")])
    phases = [make_reviews(count), make_reviews(count), make_reviews(count // 10, edited=True)]
    rates = []
    for items in phases:
        started = time.perf_counter()
        ingest(store, items)
        rates.append(len(items) / (time.perf_counter() - started))
    store.close()
    return rates


class PostgresDatabases:
    """Fresh databases on a PostgreSQL server, dropped at the end."""

    def __init__(self, server_url: str):
        self.server = make_url(server_url)
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def new(self) -> str:
        name = f"reputation_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as db:
            db.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as db:
            for name in self.names:
                drop_postgres_database(db, name)
        self.admin.dispose()


def report(backend: str, count: int, batched: list[float], naive: list[float]) -> None:
    names = [f"{count:,} new", f"{count:,} again (unchanged)", f"{count // 10:,} edited"]
    print(f"\n{backend}: reviews/second")
    print(f"{'phase':<28}{'batched':>12}{'naive':>12}{'ratio':>9}")
    for name, fast, slow in zip(names, batched, naive):
        print(f"{name:<28}{fast:>12,.0f}{slow:>12,.0f}{fast / slow:>8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        urls = iter(f"sqlite:///{Path(folder) / name}.db" for name in ("batched", "naive"))
        batched = run_phases(next(urls), batched_ingest, args.count)
        naive = run_phases(next(urls), naive_ingest, args.count)
        report("SQLite (WAL, file)", args.count, batched, naive)

    if args.postgres:
        databases = PostgresDatabases(args.postgres)
        try:
            batched = run_phases(databases.new(), batched_ingest, args.count)
            naive = run_phases(databases.new(), naive_ingest, args.count)
        finally:
            databases.drop_all()
        report("PostgreSQL", args.count, batched, naive)


if __name__ == "__main__":
    main()
