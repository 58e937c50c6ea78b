"""Shared fixtures: a real store on a SQLite file, and on PostgreSQL when the run provides one.

Set REPUTATION_TEST_DATABASE_URL to a PostgreSQL server URL (a role that may
create databases); each test then also runs on a fresh database of its own.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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
