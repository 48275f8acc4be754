"""Several workers on one outbox (SKIP LOCKED on PostgreSQL, the write lock on SQLite): each row delivered once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web

from providers.outcome import Delivered, Delivery, classify_status
from delivery.worker import OutboxWorker
from store.db import open_database

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py


@pytest.fixture
def second_db(database_url):
    """Another set of engines on the test's database, as a second instance of the service would have."""
    database = open_database(database_url)
    yield database
    database.dispose()


async def test_two_workers_draining_300_rows_deliver_each_exactly_once(db, second_db, outbox, fake):
    """Two workers claiming in rounds at the same time send every row once, and both do part of the work."""
    ids = outbox.add(300)
    deliver = fake(Delivered(), delay=0.002)
    workers = [OutboxWorker(store, {"webhook": deliver}, batch=20, rng=random.Random(i))
               for i, store in enumerate((db, second_db))]

    async def drain(worker: OutboxWorker) -> int:
        sent = 0
        while n := await worker.run_once(T0):
            sent += n
        return sent

    shares = await asyncio.gather(*(drain(w) for w in workers))
    assert sum(shares) == 300 and min(shares) > 0
    assert deliver.calls == Counter({i: 1 for i in ids})
    assert {(r.state, r.attempts) for r in outbox.all().values()} == {("delivered", 1)}


async def test_two_running_workers_drain_300_rows_once_each_over_http(db, second_db, outbox, aiohttp_server):
    """Two started workers POST 300 deliveries to a fake agency on loopback; it sees each delivery id once."""
    received: Counter[str] = Counter()

    async def hook(request: web.Request) -> web.Response:
        received[request.headers["X-Aduan-Delivery"]] += 1
        await request.read()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app, host="127.0.0.1")
    url = str(server.make_url("/hook"))

    async def webhook(delivery: Delivery, session) -> object:
        async with session.post(delivery.target, json=delivery.payload,
                                headers={"X-Aduan-Delivery": delivery.delivery_id}) as resp:
            return classify_status(resp.status, resp.reason or "")

    ids = outbox.add(300, target=url, at=datetime.now(timezone.utc) - timedelta(seconds=1))
    workers = [OutboxWorker(store, {"webhook": webhook}, batch=25, concurrency=8, poll=0.05) for store in (db, second_db)]
    for worker in workers:
        await worker.start()
    try:
        await outbox.wait_for(lambda: outbox.states() == Counter(delivered=300), timeout=60)
    finally:
        for worker in workers:
            await worker.stop()
    assert received == Counter({i: 1 for i in ids})


async def test_wake_sends_new_rows_at_once_and_classifies_real_answers(db, outbox, aiohttp_server):
    """Rows written after start go out on wake(), not at the next poll; a 503 is retried and a 400 is dead."""
    answers = {"ok": 200, "busy": 503, "bad": 400}
    seen: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append(request.match_info["name"])
        return web.Response(status=answers[request.match_info["name"]])

    app = web.Application()
    app.router.add_post("/{name}", hook)
    server = await aiohttp_server(app, host="127.0.0.1")

    async def webhook(delivery: Delivery, session) -> object:
        async with session.post(delivery.target, json=delivery.payload) as resp:
            return classify_status(resp.status, resp.reason or "")

    worker = OutboxWorker(db, {"webhook": webhook}, poll=60.0)
    await worker.start()
    try:
        await asyncio.sleep(0.2)  # the first claim found nothing; the next poll is a minute away
        now = datetime.now(timezone.utc)
        ok, busy, bad = (outbox.add(1, target=str(server.make_url(f"/{name}")), at=now)[0] for name in answers)
        worker.wake()
        await outbox.wait_for(lambda: outbox.states() == Counter(delivered=1, failed=1, dead=1), timeout=2.0)
    finally:
        await worker.stop()
    assert sorted(seen) == ["bad", "busy", "ok"]
    assert outbox.get(busy).last_error == "HTTP 503: Service Unavailable"
    assert outbox.get(bad).last_error == "HTTP 400: Bad Request"
