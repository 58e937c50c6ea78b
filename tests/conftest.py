"""Shared fixtures: a real store on a SQLite file, and on PostgreSQL when the run provides one.

Set REPUTATION_TEST_DATABASE_URL to a PostgreSQL server URL (a role that may
create databases); each test then also runs on a fresh database of its own.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reputation.database import drop_postgres_database
from reputation.store import Store

POSTGRES_URL = os.environ.get("REPUTATION_TEST_DATABASE_URL")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'reputation.db'}"


def _fresh_postgres_database():
    server = make_url(POSTGRES_URL)
    name = f"reputation_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as db:
            drop_postgres_database(db, name)
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, sqlite_url):
    if request.param == "sqlite":
        yield sqlite_url
    elif POSTGRES_URL:
        yield from _fresh_postgres_database()
    else:
        pytest.skip("no PostgreSQL: set REPUTATION_TEST_DATABASE_URL")


@pytest.fixture
def store(database_url):
    store = Store.open(database_url)
    yield store
    store.close()


@pytest.fixture
def lookalike():
    from tests.lookalike import LookalikeServer

    server = LookalikeServer().start()
    yield server
    server.stop()


class CrawlSetup:
    """A config with the given sources pointing at the look-alike server, its store, and real crawls."""

    def __init__(self, folder, server):
        self.folder = folder
        self.server = server
        self.lines: list[str] = []

    def configure(self, *sources: dict, aliases=("Kofemania", "Кофемания кафе")) -> None:
        import yaml

        config = {
            "company": {"name": "Кофемания", "timezone": "Europe/Moscow", "aliases": list(aliases)},
            "database_url": "sqlite:///reputation.db",
            "sources": [{"crawl_delay": 0, **source} for source in sources],
        }
        self.path = self.folder / "reputation.yaml"
        self.path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def crawl(self, source_id: str):
        from reputation.config import load_config
        from reputation.store import open_store
        from scrapers import crawl

        config, path = load_config(self.path)
        store = open_store(config, path)
        try:
            return crawl(config, path, store, source_id, echo=self.lines.append, timeout_s=120)
        finally:
            store.close()

    def rows(self, table, **where):
        from sqlalchemy import select

        store = Store.open(f"sqlite:///{self.folder / 'reputation.db'}", migrate=False)
        query = select(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        with store.engine.connect() as db:
            rows = db.execute(query).all()
        store.close()
        return rows


@pytest.fixture
def crawls(tmp_path, lookalike):
    return CrawlSetup(tmp_path, lookalike)


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (plain, no login); see tests/smtp_server.py for TLS, outages and refusals."""
    from tests.smtp_server import SmtpServer

    server = SmtpServer().start()
    yield server
    server.close()
