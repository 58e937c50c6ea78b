"""The single-instance lease of `reputation run`, on SQLite and PostgreSQL."""

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from scheduler.lease import LEASE_TTL, Lease, LeaseHeld, LeaseLost, current_holder

pytestmark = pytest.mark.store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_a_second_service_is_refused_until_the_first_gives_the_lease_back(store):
    first, second = Lease(store.engine, host="node-a", pid=101), Lease(store.engine, host="node-b", pid=202)
    first.acquire(T0)
    with pytest.raises(LeaseHeld, match=r"already running on this database \(pid 101 on node-a, running since 2026-03-02 09:00:00 UTC"):
        second.acquire(T0 + timedelta(seconds=5))
    first.renew(T0 + timedelta(seconds=50))
    with pytest.raises(LeaseHeld):  # renewed: still held after the first lease's lifetime
        second.acquire(T0 + LEASE_TTL + timedelta(seconds=5))
    assert current_holder(store.engine, T0 + timedelta(seconds=60)).pid == 101

    first.release()
    assert current_holder(store.engine, T0 + timedelta(seconds=61)) is None
    second.acquire(T0 + timedelta(seconds=61))
    assert current_holder(store.engine, T0 + timedelta(seconds=62)).host == "node-b"


def test_a_lease_not_renewed_expires_and_its_old_holder_is_told_to_stop(store):
    stalled, successor = Lease(store.engine, host="node-a", pid=101), Lease(store.engine, host="node-b", pid=202)
    stalled.acquire(T0)
    successor.acquire(T0 + LEASE_TTL)
    with pytest.raises(LeaseLost, match="taken over by pid 202 on node-b"):
        stalled.renew(T0 + LEASE_TTL + timedelta(seconds=1))
    stalled.release()  # gives back nothing that is not its own
    assert current_holder(store.engine, T0 + LEASE_TTL + timedelta(seconds=2)).pid == 202


def test_a_crashed_service_on_this_host_loses_its_lease_at_once(store):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    crashed = Lease(store.engine, pid=int(gone.stdout))
    crashed.acquire(T0)
    assert current_holder(store.engine, T0 + timedelta(seconds=1)) is None
    restarted = Lease(store.engine)
    restarted.acquire(T0 + timedelta(seconds=1))

    # A live process of this host keeps it, like one elsewhere.
    with pytest.raises(LeaseHeld):
        Lease(store.engine).acquire(T0 + timedelta(seconds=2))
