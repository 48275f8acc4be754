"""Every attempt is recorded with the outcome it wrote: time, outcome, clipped detail; a stale outcome records none."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from providers.outcome import Delivered, Permanent, RetryLater
from delivery.worker import OutboxWorker
from store.models import DeliveryAttempt, Outbox

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py


def attempts(db, delivery_id: str | None = None) -> list:
    """The recorded attempts, oldest first, of one delivery or of all."""
    query = select(DeliveryAttempt.__table__).order_by(DeliveryAttempt.id)
    if delivery_id is not None:
        query = query.where(DeliveryAttempt.delivery_id == delivery_id)
    with db.reader.connect() as conn:
        return conn.execute(query).all()


async def test_two_failures_then_success_record_three_attempts_under_one_delivery_id(db, outbox, fake):
    """retry, retry, delivered: same delivery id and outbox row, attempt numbers 1, 2, 3, times of each outcome."""
    [did] = outbox.add(1)
    deliver = fake(RetryLater("HTTP 503"), RetryLater("connection refused"), Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(3))
    now, times = T0, []
    for _ in range(3):
        assert await worker.run_once(now) == 1
        times.append(now)
        now = outbox.get(did).next_attempt_at
    row = outbox.get(did)
    assert (row.state, row.attempts) == ("delivered", 3)
    log = attempts(db)
    assert [(a.delivery_id, a.outbox_id, a.attempt, a.outcome) for a in log] == [
        (did, row.id, 1, "retry"), (did, row.id, 2, "retry"), (did, row.id, 3, "delivered")]
    assert [a.detail for a in log] == ["HTTP 503", "connection refused", None]
    assert [a.at for a in log] == times
    assert all(a.at.tzinfo is not None for a in log)


async def test_a_permanent_failure_records_one_attempt_with_its_clipped_detail(db, outbox, fake):
    """A 410 is one `permanent` attempt; a long detail is clipped to 500 characters."""
    [did] = outbox.add(1)
    worker = OutboxWorker(db, {"webhook": fake(Permanent("HTTP 410: " + "x" * 800))}, rng=random.Random(1))
    assert await worker.run_once(T0) == 1
    assert outbox.get(did).state == "dead"
    [attempt] = attempts(db, did)
    assert (attempt.attempt, attempt.outcome, attempt.at) == (1, "permanent", T0)
    assert attempt.detail.startswith("HTTP 410: xxx") and len(attempt.detail) == 500


async def test_giving_up_after_72_hours_is_recorded_as_gave_up(db, outbox, fake):
    """A row past its 72 h that fails again goes dead; its last attempt says `gave_up`."""
    [did] = outbox.add(1, created_at=T0 - timedelta(hours=73))
    worker = OutboxWorker(db, {"webhook": fake(RetryLater("HTTP 502"))}, rng=random.Random(1))
    assert await worker.run_once(T0) == 1
    assert outbox.get(did).state == "dead"
    assert [(a.attempt, a.outcome, a.detail) for a in attempts(db, did)] == [(1, "gave_up", "HTTP 502")]


async def test_many_deliveries_in_one_round_each_record_their_attempt(db, outbox, fake):
    """Deliveries written in bulk record one attempt each, in the same transaction as their state."""
    dids = outbox.add(30)
    worker = OutboxWorker(db, {"webhook": fake(Delivered())}, per_transport=30, rng=random.Random(1))
    assert await worker.run_once(T0) == 30
    log = attempts(db)
    assert sorted(a.delivery_id for a in log) == sorted(dids)
    assert {(a.attempt, a.outcome) for a in log} == {(1, "delivered")}
    with db.reader.connect() as conn:
        ids = dict(conn.execute(select(Outbox.delivery_id, Outbox.id)).all())
    assert all(ids[a.delivery_id] == a.outbox_id for a in log)


async def test_a_stale_outcome_records_no_attempt(db, outbox, fake):
    """Worker A outlives its lease and B claims the row again: A's attempt is on record as lost, its late outcome is
    not recorded, B's is."""
    [did] = outbox.add(1)
    gate = asyncio.Event()

    async def stuck(delivery, session):
        await gate.wait()
        return RetryLater("HTTP 503")

    worker_a = OutboxWorker(db, {"webhook": stuck}, lease=timedelta(seconds=120), rng=random.Random(1))
    worker_b = OutboxWorker(db, {"webhook": fake(Delivered())}, rng=random.Random(2))
    round_a = asyncio.create_task(worker_a.run_once(T0))
    await outbox.wait_for(lambda: outbox.get(did).state == "sending")
    assert await worker_b.run_once(T0 + timedelta(seconds=121)) == 1
    gate.set()
    assert await round_a == 1
    assert outbox.get(did).state == "delivered"
    assert [(a.attempt, a.outcome) for a in attempts(db, did)] == [(1, "lost"), (2, "delivered")]


async def test_a_send_cut_short_by_stop_is_recorded_as_released(db, outbox, fake):
    """Stopping during a send releases the row and records the attempt as `released`."""
    [did] = outbox.add(1, at=datetime.now(timezone.utc) - timedelta(seconds=1))
    deliver = fake(Delivered(), delay=30.0)
    worker = OutboxWorker(db, {"webhook": deliver}, poll=30.0)
    await worker.start()
    try:
        await asyncio.wait_for(deliver.started.wait(), 5.0)
    finally:
        await worker.stop(timeout=0.1)
    assert outbox.get(did).state == "failed"
    [attempt] = attempts(db, did)
    assert (attempt.attempt, attempt.outcome) == (1, "released")
    assert attempt.detail.startswith("interrupted")


async def test_the_operator_view_of_a_complaint_lists_each_deliverys_attempts(client, runtime, operator_headers, fake):
    """GET /api/v1/complaints/{code}: every delivery carries its attempts, oldest first."""
    resp = await client.post("/api/v1/complaints", json={"text": "Obat di puskesmas Aikmel kosong"})
    assert resp.status == 201, await resp.text()
    code = (await resp.json())["code"]
    with runtime.db.reader.connect() as conn:
        transports = set(conn.execute(select(Outbox.transport)).scalars())
    assert transports
    deliver = fake(RetryLater("HTTP 503"), Delivered())
    worker = OutboxWorker(runtime.db, {t: deliver for t in transports}, rng=random.Random(1))
    now = datetime.now(timezone.utc)
    assert await worker.run_once(now) > 0
    await worker.run_once(now + timedelta(hours=1))
    view = await (await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)).json()
    assert view["deliveries"]
    for d in view["deliveries"]:
        assert [(a["attempt"], a["outcome"], a["detail"]) for a in d["attempts_log"]] == [
            (1, "retry", "HTTP 503"), (2, "delivered", None)]
        assert all(datetime.fromisoformat(a["at"]).tzinfo is not None for a in d["attempts_log"])


async def test_an_attempt_cut_off_by_a_crash_is_recorded_as_lost_when_the_row_comes_back(db, outbox, fake):
    """A worker died during attempt 1 and wrote nothing: reclaiming the row records attempt 1 as lost, then attempt 2
    records its own outcome."""
    [did] = outbox.add(1, state="sending", attempts=1, next_attempt_at=T0 - timedelta(minutes=3),
                       lease_until=T0 - timedelta(seconds=1))
    worker = OutboxWorker(db, {"webhook": fake(Delivered())}, rng=random.Random(1))
    assert await worker.run_once(T0) == 1
    log = attempts(db, did)
    assert [(a.attempt, a.outcome, a.at) for a in log] == [(1, "lost", T0), (2, "delivered", T0)]
    assert log[0].detail.startswith("no outcome within the lease: the worker stopped or took too long")
