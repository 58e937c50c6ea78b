"""Engines for the store and its migrations.

SQLite runs in WAL mode so the dashboard can read while the scheduler writes.
Write transactions start with BEGIN IMMEDIATE: they take the write lock first
and wait for it (busy_timeout) instead of failing half-way with "database is
locked" when two processes write at once.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, text

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so it can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
        # SQLite's own lower() folds ASCII only, so a case-blind search (ILIKE) missed
        # "Доставка" for "доставка"; Python's folds every alphabet, as PostgreSQL's does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection):
        mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed at the end, rolled back on any error."""
    with engine.connect().execution_options(write=True) as connection, connection.begin():
        yield connection


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply the migrations up to `revision` (idempotent); "heads" takes every branch."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def drop_postgres_database(admin: Connection, name: str) -> None:
    """Drop a scratch database (tests, benchmarks) on an AUTOCOMMIT connection.

    Not `WITH (FORCE)`: that also terminates autovacuum workers, which a role
    without pg_signal_backend may not do. This role's own leftover sessions are
    ended first; for a plain DROP the server stops autovacuum itself.
    """
    admin.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND usename = current_user AND pid <> pg_backend_pid()"
        ),
        {"name": name},
    )
    admin.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
