"""One `reputation run` per database: a lease row that the running service renews.

A row in the database rather than an OS file lock, because it works the same on
SQLite and PostgreSQL, across machines, and `reputation jobs` can say who holds
it. A holder that stops renewing loses the lease after `LEASE_TTL`; one that ran
on this host and whose process is gone (killed, crashed) loses it at once, so a
restart after a crash need not wait.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from reputation import schema
from reputation.database import writing
from reputation.store import utcnow

LEASE_TTL = timedelta(seconds=60)
# The service renews well within the lease's life, so one slow renewal does not lose it.
RENEW_EVERY = timedelta(seconds=15)
_NAME = "service"


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime

    def describe(self, zone: tzinfo = timezone.utc) -> str:
        since, renewed = self.acquired_at.astimezone(zone), self.renewed_at.astimezone(zone)
        return f"pid {self.pid} on {self.host}, running since {since:%Y-%m-%d %H:%M:%S %Z}, last heartbeat {renewed:%H:%M:%S}"


class LeaseHeld(Exception):
    """Another `reputation run` holds the database."""

    def __init__(self, holder: Holder | None):
        self.holder = holder
        who = holder.describe() if holder else "another process took it at the same moment"
        super().__init__(
            f"another `reputation run` is already running on this database ({who}); stop it first "
            f"(a stopped one gives the lease back, a crashed one's lease expires within {LEASE_TTL.seconds}s)"
        )


class LeaseLost(Exception):
    """The lease expired and another process took it: this one must stop."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _holder(row) -> Holder:
    return Holder(row.host, row.pid, row.acquired_at, row.renewed_at, row.expires_at)


def _stale(row, now: datetime) -> bool:
    return row.expires_at <= now or (row.host == socket.gethostname() and not _alive(row.pid))


def current_holder(engine: Engine, now: datetime | None = None) -> Holder | None:
    """The running service's lease, or None when no live service holds one."""
    lease = schema.scheduler_lease
    with engine.connect() as db:
        row = db.execute(select(lease).where(lease.c.name == _NAME)).first()
    return None if row is None or _stale(row, now or utcnow()) else _holder(row)


class Lease:
    def __init__(self, engine: Engine, *, host: str | None = None, pid: int | None = None, ttl: timedelta = LEASE_TTL):
        self.engine = engine
        self.host = host or socket.gethostname()
        self.pid = pid or os.getpid()
        self.ttl = ttl
        self.token = uuid.uuid4().hex
        self.expires_at: datetime | None = None

    def acquire(self, now: datetime | None = None) -> None:
        """Take the lease, or raise `LeaseHeld` naming the live holder."""
        now = now or utcnow()
        lease = schema.scheduler_lease
        values = dict(
            holder=self.token, host=self.host, pid=self.pid, acquired_at=now, renewed_at=now, expires_at=now + self.ttl
        )
        try:
            with writing(self.engine) as db:
                row = db.execute(select(lease).where(lease.c.name == _NAME)).first()
                if row is None:
                    db.execute(insert(lease).values(name=_NAME, **values))
                elif not _stale(row, now):
                    raise LeaseHeld(_holder(row))
                # Only if nobody renewed or took it since we read it (PostgreSQL does not lock on read).
                elif db.execute(
                    update(lease).where(lease.c.name == _NAME, lease.c.holder == row.holder).values(**values)
                ).rowcount != 1:
                    raise LeaseHeld(None)
        except IntegrityError:  # two first starts at once: the other one inserted first
            raise LeaseHeld(current_holder(self.engine, now)) from None
        self.expires_at = values["expires_at"]

    def renew(self, now: datetime | None = None) -> None:
        """Extend the lease; raises `LeaseLost` when another process holds it now."""
        now = now or utcnow()
        lease = schema.scheduler_lease
        with writing(self.engine) as db:
            renewed = db.execute(
                update(lease)
                .where(lease.c.name == _NAME, lease.c.holder == self.token)
                .values(renewed_at=now, expires_at=now + self.ttl)
            ).rowcount
        if renewed != 1:
            holder = current_holder(self.engine, now)
            raise LeaseLost(
                "the scheduler's lease on the database was taken over"
                + (f" by {holder.describe()}" if holder else "")
                + "; stopping so that two services never run at once"
            )
        self.expires_at = now + self.ttl

    def release(self) -> None:
        lease = schema.scheduler_lease
        with writing(self.engine) as db:
            db.execute(delete(lease).where(lease.c.name == _NAME, lease.c.holder == self.token))
        self.expires_at = None
