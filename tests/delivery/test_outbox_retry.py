"""Retries: one delivery id across attempts, jittered growing gaps, dead on a permanent failure or after 72 h."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from statistics import mean

from structlog.testing import capture_logs

from providers.outcome import Delivered, Permanent, RetryLater
from delivery.worker import OutboxWorker

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py


async def test_retry_later_twice_then_delivered_keeps_one_delivery_id(db, outbox, fake):
    """Two 503s then a 200: delivered on the third attempt, the same delivery id every time, never early."""
    [did] = outbox.add(1)
    deliver = fake(RetryLater("HTTP 503: busy"), RetryLater("HTTP 503: busy"), Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(42))
    now = T0
    for attempt in (1, 2):
        with capture_logs() as logs:
            assert await worker.run_once(now) == 1
        row = outbox.get(did)
        assert (row.state, row.attempts, row.last_error, row.lease_until) == ("failed", attempt, "HTTP 503: busy", None)
        gap = (row.next_attempt_at - now).total_seconds()
        assert 1.0 <= gap <= 30 * 2 ** (attempt - 1)
        [line] = [line for line in logs if line["event"] == "outbox.retry_scheduled"]
        assert (line["delivery_id"], line["attempt"], line["delay"]) == (did, attempt, round(gap, 1))
        assert await worker.run_once(row.next_attempt_at - timedelta(milliseconds=1)) == 0
        now = row.next_attempt_at
    assert await worker.run_once(now) == 1
    row = outbox.get(did)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 3, None)
    assert [(d.delivery_id, d.attempts) for d in deliver.seen] == [(did, 1), (did, 2), (did, 3)]


async def test_retry_gaps_are_randomised_and_grow_in_expectation(db, outbox, fake):
    """200 rows failing together each round get spread-out gaps whose mean doubles with each attempt."""
    outbox.add(200)
    worker = OutboxWorker(db, {"webhook": fake(RetryLater("HTTP 500"))}, rng=random.Random(7),
                          batch=200, concurrency=200, per_transport=200)
    now = T0
    means = []
    for attempt, window in [(1, 30), (2, 60), (3, 120), (4, 240)]:
        assert await worker.run_once(now) == 200
        rows = outbox.all().values()
        assert {r.attempts for r in rows} == {attempt}
        gaps = [(r.next_attempt_at - now).total_seconds() for r in rows]
        assert 1.0 <= min(gaps) and max(gaps) <= window
        assert len(set(gaps)) == 200  # no synchronised burst: every row has its own time
        assert abs(mean(gaps) - window / 2) < window / 8
        means.append(mean(gaps))
        now = max(r.next_attempt_at for r in rows)
    assert means == sorted(means)


async def test_retry_after_from_the_provider_is_honoured(db, outbox, fake):
    """A 429 asking for 15 minutes is retried no sooner than that."""
    [did] = outbox.add(1)
    worker = OutboxWorker(db, {"webhook": fake(RetryLater("HTTP 429", retry_after=900.0))}, rng=random.Random(1))
    await worker.run_once(T0)
    assert outbox.get(did).next_attempt_at == T0 + timedelta(seconds=900)


async def test_permanent_failure_is_dead_at_once(db, outbox, fake):
    """A 410 makes the row dead after one attempt, with the detail kept for operators; it is never sent again."""
    [did] = outbox.add(1)
    deliver = fake(Permanent("HTTP 410: gone"))
    worker = OutboxWorker(db, {"webhook": deliver}, rng=random.Random(1))
    with capture_logs() as logs:
        assert await worker.run_once(T0) == 1
    row = outbox.get(did)
    assert (row.state, row.attempts, row.last_error, row.lease_until) == ("dead", 1, "HTTP 410: gone", None)
    assert [(line["delivery_id"], line["reason"]) for line in logs if line["event"] == "outbox.dead"] == [(did, "permanent")]
    assert await worker.run_once(T0 + timedelta(days=10)) == 0
    assert deliver.calls[did] == 1


async def test_retry_later_past_72_hours_is_dead(db, outbox, fake):
    """A row still failing 73 h after it was written goes dead; one written 71 h ago is retried."""
    old_at, young_at = T0 - timedelta(hours=73), T0 - timedelta(hours=71)
    [old] = outbox.add(1, at=old_at, state="failed", attempts=40, next_attempt_at=T0 - timedelta(minutes=1))
    [young] = outbox.add(1, at=young_at, state="failed", attempts=38, next_attempt_at=T0 - timedelta(minutes=1))
    worker = OutboxWorker(db, {"webhook": fake(RetryLater("HTTP 502"))}, rng=random.Random(1))
    with capture_logs() as logs:
        assert await worker.run_once(T0) == 2
    dead, retried = outbox.get(old), outbox.get(young)
    assert (dead.state, dead.attempts, dead.last_error) == ("dead", 41, "HTTP 502")
    assert (retried.state, retried.attempts) == ("failed", 39)
    assert T0 + timedelta(seconds=1) <= retried.next_attempt_at <= T0 + timedelta(hours=1)
    assert [(line["delivery_id"], line["reason"]) for line in logs if line["event"] == "outbox.dead"] == [(old, "gave_up")]
