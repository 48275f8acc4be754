"""One slow agency never slows the others on the same transport: each agency has its own cap within it."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from providers.outcome import Delivered
from delivery.worker import OutboxWorker

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py


def agency_states(outbox, agency: str) -> Counter:
    return Counter(r.state for r in outbox.all().values() if r.agency == agency)


async def test_a_slow_agency_does_not_hold_back_a_fast_one_on_the_same_transport(db, outbox):
    """The slow agency's older rows take their share of webhook slots; the fast agency's 20 rows all go out meanwhile."""
    start = datetime.now(timezone.utc)
    outbox.add(40, agency="slow-agency", target="https://slow.test/hook", at=start - timedelta(minutes=5))
    outbox.add(20, agency="fast-agency", target="https://fast.test/hook", at=start - timedelta(seconds=1))
    slow_done: list[float] = []
    slow_started = asyncio.Event()
    slow_sends = 0
    slow_sends_seen_by_fast: list[int] = []

    async def deliver(delivery, session):
        nonlocal slow_sends
        if delivery.agency == "slow-agency":
            slow_sends += 1
            slow_started.set()
            await asyncio.sleep(3.0)
            slow_done.append(time.monotonic())
        else:
            slow_sends_seen_by_fast.append(slow_sends)
        return Delivered()

    worker = OutboxWorker(db, {"webhook": deliver}, concurrency=16, batch=16, poll=0.05,
                          rng=random.Random(1))
    assert worker.per_transport == 12 and worker.per_agency == 3
    await worker.start()
    try:
        await asyncio.wait_for(slow_started.wait(), 2.0)
        await outbox.wait_for(lambda: agency_states(outbox, "fast-agency") == Counter(delivered=20), timeout=2.5)
        finished = time.monotonic()
        assert not slow_done, "the fast agency waited for the slow one"
        # While the fast agency was sending, the slow one kept to its share (three slots); its other rows stayed
        # in the store, not leased.
        assert len(slow_sends_seen_by_fast) == 20 and max(slow_sends_seen_by_fast) == 3
    finally:
        await worker.stop(timeout=0.1)
    assert not slow_done or slow_done[0] > finished


async def test_an_agency_alone_on_its_transport_may_use_the_whole_transport(db, outbox, fake):
    """With no other agency waiting, one agency's rows fill the transport's cap, not just the agency's share."""
    outbox.add(10, agency="slow-agency")
    worker = OutboxWorker(db, {"webhook": fake(Delivered())}, concurrency=8, batch=8, rng=random.Random(1))
    assert await worker.run_once(T0) == 6
    assert agency_states(outbox, "slow-agency") == Counter(delivered=6, pending=4)


async def test_in_one_claim_each_agency_keeps_to_its_share_while_others_wait(db, outbox, fake):
    """Older rows of one agency do not crowd out the others: each of three agencies gets its share of the claim."""
    outbox.add(10, agency="a", at=T0 - timedelta(hours=2))
    outbox.add(10, agency="b", at=T0 - timedelta(hours=1))
    outbox.add(10, agency="c", at=T0)
    outbox.add(2, transport="telegram", audience="citizen", agency=None, target="555000111")
    worker = OutboxWorker(db, {"webhook": fake(Delivered()), "telegram": fake(Delivered())}, concurrency=16, batch=16,
                          per_transport=12, per_agency=3, rng=random.Random(1))
    assert await worker.run_once(T0) == 11
    assert [agency_states(outbox, a)["delivered"] for a in ("a", "b", "c")] == [3, 3, 3]
    assert outbox.states("telegram") == Counter(delivered=2)
