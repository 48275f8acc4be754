"""Sending: due rows go out once and are recorded; idle transports wait; crashes and slow transports stay contained."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from structlog.testing import capture_logs

from providers.outcome import Delivered
from delivery.worker import OutboxWorker
from store.db import open_database

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py


async def test_pending_rows_are_sent_once_and_marked_delivered(db, outbox, fake):
    """Each due row reaches its deliverer once and ends delivered, with no lease and no error left."""
    ids = outbox.add(3)
    deliver = fake(Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(1))
    assert await worker.run_once(T0) == 3
    assert await worker.run_once(T0 + timedelta(hours=1)) == 0
    assert deliver.calls == Counter({i: 1 for i in ids})
    assert {d.attempts for d in deliver.seen} == {1}
    for delivery_id in ids:
        row = outbox.get(delivery_id)
        assert (row.state, row.attempts, row.lease_until, row.last_error) == ("delivered", 1, None, None)


async def test_rows_of_a_transport_without_deliverer_stay_pending_untouched(db, outbox, fake):
    """SMS rows wait in the outbox, unchanged, while the webhook row goes out."""
    waiting = outbox.add(2, transport="sms", target="+6281234567890")
    [sent] = outbox.add(1)
    before = {i: outbox.get(i) for i in waiting}
    worker = OutboxWorker(db, {"webhook": fake(Delivered())}, rng=random.Random(1))
    assert await worker.run_once(T0 + timedelta(days=5)) == 1
    assert outbox.get(sent).state == "delivered"
    assert {i: outbox.get(i) for i in waiting} == before


async def test_rows_not_yet_due_are_left_alone(db, outbox, fake):
    """A row due in a minute is not claimed now."""
    [later] = outbox.add(1, next_attempt_at=T0 + timedelta(minutes=1))
    deliver = fake(Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(1))
    assert await worker.run_once(T0) == 0
    assert outbox.get(later).state == "pending" and not deliver.calls


async def test_a_deliverer_that_raises_is_retried_not_crashed(db, outbox, fake):
    """An exception becomes a scheduled retry, logged by type only; the next attempt delivers."""
    [did] = outbox.add(1, transport="telegram", audience="citizen", agency=None, target="555000111")
    boom = RuntimeError("POST https://api.telegram.org/bot123:SECRET-TOKEN/sendMessage failed for 555000111")
    deliver = fake(boom, Delivered())
    worker = OutboxWorker(db, {"telegram": deliver}, rng=random.Random(1))
    with capture_logs() as logs:
        assert await worker.run_once(T0) == 1
    row = outbox.get(did)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "deliverer crashed: RuntimeError")
    assert T0 + timedelta(seconds=1) <= row.next_attempt_at <= T0 + timedelta(seconds=30)
    crashed = [line for line in logs if line["event"] == "outbox.deliverer_crashed"]
    assert crashed and crashed[0]["delivery_id"] == did and crashed[0]["transport"] == "telegram"
    assert "SECRET-TOKEN" not in repr(logs) and "555000111" not in repr(logs)
    assert await worker.run_once(row.next_attempt_at) == 1
    assert outbox.get(did).state == "delivered" and outbox.get(did).attempts == 2


async def test_a_slow_transport_does_not_hold_back_another_in_the_same_round(db, outbox, fake):
    """E-mail taking 5 s per send leaves Telegram replies of the same round delivered at once."""
    outbox.add(20, transport="email", target="dinkes@ntb.test")
    outbox.add(3, transport="telegram", audience="citizen", agency=None, target="555000111")
    slow, quick = fake(Delivered(), delay=5.0), fake(Delivered())
    worker = OutboxWorker(db, {"email": slow, "telegram": quick}, concurrency=10, rng=random.Random(1))
    started = time.monotonic()
    round_ = asyncio.create_task(worker.run_once(T0))
    waited = await outbox.wait_for(lambda: outbox.states("telegram") == Counter(delivered=3), timeout=3.0)
    assert waited < 2.0
    # Seven of ten slots at most for one transport: the other rows of e-mail wait for the next round.
    assert outbox.states("email") == Counter(sending=7, pending=13)
    assert await round_ == 10
    assert time.monotonic() - started >= 5.0
    assert outbox.states("email") == Counter(delivered=7, pending=13)


async def test_a_transport_at_its_cap_does_not_crowd_others_out_of_a_claim(db, outbox, fake):
    """Older e-mail rows fill e-mail's share of the round; the later Telegram rows take the rest of it."""
    outbox.add(30, transport="email", at=T0 - timedelta(hours=1))
    telegram = outbox.add(5, transport="telegram", audience="citizen", agency=None)
    worker = OutboxWorker(db, {"email": fake(Delivered()), "telegram": fake(Delivered())}, batch=10, concurrency=10,
                          per_transport=7, rng=random.Random(1))
    assert await worker.run_once(T0) == 10
    assert outbox.states("email") == Counter(delivered=7, pending=23)
    assert sorted(r.state for i, r in outbox.all().items() if i in telegram) == ["delivered"] * 3 + ["pending"] * 2


async def test_a_running_worker_sends_new_rows_while_a_slow_transport_holds_its_slots(db, outbox, fake):
    """With e-mail sends hanging, Telegram rows written later go out as soon as intake wakes the worker."""
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    outbox.add(10, transport="email", at=start)
    slow, quick = fake(Delivered(), delay=30.0), fake(Delivered())
    worker = OutboxWorker(db, {"email": slow, "telegram": quick}, concurrency=4, poll=30.0)
    await worker.start()
    try:
        await outbox.wait_for(lambda: outbox.states("email")["sending"] == 3)
        outbox.add(2, transport="telegram", audience="citizen", agency=None, at=datetime.now(timezone.utc))
        await asyncio.to_thread(worker.wake)  # intake's writer may call it from its own thread
        assert await outbox.wait_for(lambda: outbox.states("telegram") == Counter(delivered=2)) < 1.0
    finally:
        with capture_logs() as logs:
            await worker.stop(timeout=0.2)
    # Sends cut short by the stop are released, due again at once, not left to their lease.
    released = [r for r in outbox.all().values() if r.transport == "email" and r.attempts == 1]
    assert len(released) == 3
    assert all(r.state == "failed" and r.lease_until is None and r.next_attempt_at <= datetime.now(timezone.utc)
               for r in released)
    assert outbox.states("email") == Counter(pending=7, failed=3)
    assert [line["released"] for line in logs if line["event"] == "outbox.stopped"] == [3]


async def test_stop_lets_sends_in_flight_finish(db, outbox, fake):
    """Stopping waits for a send that answers within the timeout and records it delivered."""
    [did] = outbox.add(1, at=datetime.now(timezone.utc) - timedelta(seconds=1))
    deliver = fake(Delivered(), delay=0.3)
    worker = OutboxWorker(db, {"webhook": deliver}, poll=30.0)
    await worker.start()
    await asyncio.wait_for(deliver.started.wait(), 5)
    await worker.stop(timeout=5)
    assert outbox.get(did).state == "delivered" and deliver.calls[did] == 1


async def test_a_deliverer_that_hangs_past_half_the_lease_is_retried(db, outbox, fake):
    """A send still running at half its lease is cut off and retried, before another worker could claim the row."""
    [did] = outbox.add(1)
    worker = OutboxWorker(db, {"webhook": fake(Delivered(), delay=10.0)}, lease=timedelta(seconds=0.4),
                          rng=random.Random(1))
    assert await worker.run_once(T0) == 1
    row = outbox.get(did)
    assert row.state == "failed" and row.last_error == "no outcome within 0.2 s"


async def test_a_deliverer_answering_nonsense_is_retried(db, outbox, fake):
    """A deliverer returning something other than an outcome counts as a retry."""
    [did] = outbox.add(1)
    worker = OutboxWorker(db, {"webhook": fake("ok")}, rng=random.Random(1))
    assert await worker.run_once(T0) == 1
    assert outbox.get(did).last_error == "deliverer returned str"


async def test_a_store_outage_is_logged_and_the_worker_keeps_trying(tmp_path, fake):
    """With no usable outbox table the claim fails, is logged without parameters, and the loop carries on."""
    broken = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    worker = OutboxWorker(broken, {"webhook": fake(Delivered())}, poll=0.01)
    try:
        with capture_logs() as logs:
            await worker.start()
            for _ in range(200):
                if sum(line["event"] == "outbox.claim_failed" for line in logs) >= 2:
                    break
                await asyncio.sleep(0.01)
            await worker.stop()
    finally:
        broken.dispose()
    failed = [line for line in logs if line["event"] == "outbox.claim_failed"]
    assert len(failed) >= 2 and failed[0]["error"] == "OperationalError" and "no such table" in failed[0]["detail"]
