"""Leases: a crashed worker's row comes back under the same delivery id; a live claim is respected."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

import pytest
from structlog.testing import capture_logs

from providers.outcome import Delivered, RetryLater
from delivery.worker import OutboxWorker

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py


async def test_a_row_whose_lease_expired_is_claimed_again_under_the_same_delivery_id(db, outbox, fake):
    """A row left `sending` by a crashed worker is sent again once its lease is over, same id, next attempt."""
    [did] = outbox.add(1, state="sending", attempts=1, next_attempt_at=T0 - timedelta(minutes=3),
                       lease_until=T0 - timedelta(seconds=1))
    deliver = fake(Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(1))
    assert await worker.run_once(T0) == 1
    assert [(d.delivery_id, d.attempts) for d in deliver.seen] == [(did, 2)]
    row = outbox.get(did)
    assert (row.state, row.attempts, row.lease_until) == ("delivered", 2, None)


async def test_a_row_leased_by_a_live_worker_is_not_claimed(db, outbox, fake):
    """A row another worker is sending (lease still running) is neither sent nor changed."""
    [did] = outbox.add(1, state="sending", attempts=1, next_attempt_at=T0 - timedelta(minutes=1),
                       lease_until=T0 + timedelta(seconds=60))
    before = outbox.get(did)
    deliver = fake(Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(1))
    assert await worker.run_once(T0) == 0
    assert not deliver.calls and outbox.get(did) == before


async def test_a_claim_sets_a_lease_and_counts_the_attempt(db, outbox, fake):
    """While a row is out it is `sending`, leased for the worker's lease, its attempt counted."""
    [did] = outbox.add(1)
    gate = asyncio.Event()

    async def held(delivery, session):
        await gate.wait()
        return Delivered()

    worker = OutboxWorker(db, {"webhook": held}, lease=timedelta(seconds=90), rng=random.Random(1))
    round_ = asyncio.create_task(worker.run_once(T0))
    await outbox.wait_for(lambda: outbox.get(did).state == "sending")
    row = outbox.get(did)
    assert (row.attempts, row.lease_until) == (1, T0 + timedelta(seconds=90))
    gate.set()
    assert await round_ == 1


@pytest.mark.parametrize(
    ("late", "newer", "final"),
    [(RetryLater("HTTP 503"), Delivered(), "delivered"), (Delivered(), RetryLater("HTTP 503"), "failed")],
    ids=["late-failure", "late-success"],
)
async def test_a_stale_worker_cannot_overwrite_a_newer_claim(db, outbox, fake, late, newer, final):
    """Worker A outlives its lease and B claims the row again: B's outcome stands, A's late one is dropped."""
    [did] = outbox.add(1)
    gate = asyncio.Event()

    async def stuck(delivery, session):
        await gate.wait()
        return late

    worker_a = OutboxWorker(db, {"webhook": stuck}, lease=timedelta(seconds=120), rng=random.Random(1))
    worker_b = OutboxWorker(db, {"webhook": fake(newer)}, rng=random.Random(2))
    round_a = asyncio.create_task(worker_a.run_once(T0))
    await outbox.wait_for(lambda: outbox.get(did).state == "sending")
    assert await worker_b.run_once(T0 + timedelta(seconds=121)) == 1
    after_b = outbox.get(did)
    assert (after_b.state, after_b.attempts) == (final, 2)
    with capture_logs() as logs:
        gate.set()
        assert await round_a == 1
    assert outbox.get(did) == after_b
    assert [line["delivery_id"] for line in logs if line["event"] == "outbox.stale_outcome"] == [did]
