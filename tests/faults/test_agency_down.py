"""Faults: an agency's webhook down for an hour of simulated time, and a provider API answering 429 with its wait."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from sqlalchemy import select

from app.build import build_runtime
from app.server import create_app
from channels.telegram import deliverers as telegram_deliverers
from delivery.webhook import make_webhook_deliverer
from delivery.worker import OutboxWorker
from tests.faults.outage_helpers import aware, counts_line, webhook_config
from providers.telegram import close_bots
from store.models import Outbox
from tests.channels.telegram.telegram_fakes import SECRET as TG_SECRET
from tests.channels.telegram.telegram_fakes import TOKEN as TG_TOKEN
from tests.channels.telegram.telegram_fakes import FakeBotApi, fixture_bytes
from tests.conftest import channel_settings, with_env
from tests.delivery.agency_webhook.agency_webhook_helpers import AGENCY, ROUTED_TO_AGENCY, SECRET, VARIABLE, FakeAgency

COMPLAINTS = 20
STEP = timedelta(seconds=15)
DOWN_FOR = timedelta(hours=1)
# Backoff is capped at 1 h, so once the agency is up every row is due again within that (plus the last step).
UP_WITHIN = timedelta(hours=1, minutes=5)
RETRY_AFTER = 600  # seconds; far beyond the first retry's jittered window (at most 30 s)


@pytest.fixture
async def agency(aiohttp_server):
    """The fake agency on 127.0.0.1: checks each signature and counts each delivery id it accepted."""
    fake = FakeAgency(SECRET)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("/aduan/hook"))
    return fake


@pytest.fixture
def agency_runtime(agency, env, tmp_path, monkeypatch):
    """A service forwarding puskesmas-aikmel's tickets to the fake agency, with no outbox worker of its own."""
    monkeypatch.setenv(VARIABLE, SECRET)
    config = webhook_config(env.config_dir, tmp_path / "config", agency.url)
    rt = build_runtime(with_env(env, config_dir=str(tmp_path / "config"), outbox_worker=False), config)
    rt.limiter.per_minute = 100_000
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


def webhook_rows(runtime) -> dict[str, object]:
    """Return the outbox's webhook rows by delivery id."""
    with runtime.db.reader.connect() as conn:
        rows = conn.execute(select(Outbox.__table__).where(Outbox.transport == "webhook"))
        return {r.delivery_id: r for r in rows}


async def test_agency_down_for_an_hour_gets_every_ticket_once_when_it_is_back(aiohttp_client, agency, agency_runtime):
    """An agency answering 503 for an hour: rows wait their backoff, then each ticket arrives once by delivery id."""
    client = await aiohttp_client(create_app(agency_runtime))
    acknowledged = []
    for n in range(COMPLAINTS):
        resp = await client.post("/api/v1/complaints", json={"text": f"{ROUTED_TO_AGENCY} (laporan {n + 1})"})
        if resp.status == 201:
            body = await resp.json()
            assert body["agency"]["code"] == AGENCY
            acknowledged.append(body["code"])
    rows = webhook_rows(agency_runtime)
    assert len(rows) == len(acknowledged) == COMPLAINTS

    worker = OutboxWorker(agency_runtime.db, {"webhook": make_webhook_deliverer(agency_runtime.tickets)},
                          rng=random.Random(15), batch=COMPLAINTS, concurrency=COMPLAINTS, per_agency=COMPLAINTS)
    start = datetime.now(timezone.utc)
    agency.status = 503
    now, early = start, []

    async def round_at(at: datetime) -> None:
        due = {d: aware(r.next_attempt_at) for d, r in webhook_rows(agency_runtime).items() if r.state != "delivered"}
        seen = len(agency.requests)
        await worker.run_once(now=at)
        early.extend(r for r in agency.requests[seen:] if due[r["headers"]["X-Aduan-Delivery"]] > at)

    while now < start + DOWN_FOR:
        await round_at(now)
        now += STEP
    attempts_while_down = len(agency.requests)
    states_while_down = {r.state for r in webhook_rows(agency_runtime).values()}

    agency.status = 200
    while now < start + DOWN_FOR + UP_WITHIN and any(r.state != "delivered" for r in webhook_rows(agency_runtime).values()):
        await round_at(now)
        now += STEP

    final = webhook_rows(agency_runtime)
    delivered = [d for d, r in final.items() if r.state == "delivered"]
    accepted = set(agency.tickets)
    print(counts_line(sent=COMPLAINTS, acknowledged=len(acknowledged), stored=len(rows), attempts_while_down=
                      attempts_while_down, delivered=len(delivered), received=len(accepted),
                      duplicated=agency.duplicates, lost=len(set(rows) - accepted)))
    # Down: every row was tried, more than once, and none is dead or delivered after an hour of 503s.
    assert states_while_down == {"failed"}
    assert COMPLAINTS * 2 <= attempts_while_down < COMPLAINTS * (DOWN_FOR // STEP)
    assert early == [], "a row was sent before its next attempt was due"
    # Up: each ticket reached the agency, signed, under its own row's delivery id, exactly once.
    assert set(delivered) == set(rows) == accepted
    assert agency.duplicates == 0
    assert all(r["signed"] for r in agency.requests)
    assert sorted(t["ticket"]["code"] for t in agency.tickets.values()) == sorted(acknowledged)
    # The operator sees it: each complaint's delivery to the agency is delivered.
    for code in acknowledged[:3]:
        resp = await client.get(f"/api/v1/complaints/{code}",
                                headers={"Authorization": f"Bearer {agency_runtime.env.operator_token}"})
        assert resp.status == 200
        webhooks = [d for d in (await resp.json())["deliveries"] if d.get("transport") == "webhook"]
        assert [d["state"] for d in webhooks] == ["delivered"]


@pytest.fixture
async def bot_api(aiohttp_server) -> FakeBotApi:
    """A fake Telegram Bot API on 127.0.0.1."""
    fake = FakeBotApi()
    server = await aiohttp_server(fake.app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def telegram_runtime(env, sample_config, bot_api):
    """A service with the Telegram channel on, pointed at the fake Bot API, with no outbox worker of its own."""
    tg_env = with_env(env, telegram_token=TG_TOKEN, telegram_secret=TG_SECRET, telegram_api_url=bot_api.url,
                      outbox_worker=False)
    rt = build_runtime(tg_env, sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()
    await close_bots()


async def test_telegram_flood_control_retry_after_is_waited_out(aiohttp_client, bot_api, telegram_runtime):
    """Telegram answers 429 with parameters.retry_after=600: the reply is not sent again before those 600 s."""
    client = await aiohttp_client(create_app(telegram_runtime))
    resp = await client.post("/webhooks/telegram", data=fixture_bytes("message__text"),
                             headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    assert resp.status == 200
    with telegram_runtime.db.reader.connect() as conn:
        [row] = conn.execute(select(Outbox.__table__).where(Outbox.transport == "telegram")).all()
    bot_api.script("sendMessage", 429, {"ok": False, "error_code": 429, "parameters": {"retry_after": RETRY_AFTER},
                                        "description": f"Too Many Requests: retry after {RETRY_AFTER}"})
    worker = OutboxWorker(telegram_runtime.db, telegram_deliverers(channel_settings(telegram_runtime.env, "telegram")),
                          rng=random.Random(15))
    start = datetime.now(timezone.utc)

    def sent() -> int:
        return len(bot_api.calls("sendMessage"))

    assert await worker.run_once(now=start) == 1
    with telegram_runtime.db.reader.connect() as conn:
        failed = conn.execute(select(Outbox.__table__).where(Outbox.id == row.id)).one()
    assert failed.state == "failed" and sent() == 1
    assert aware(failed.next_attempt_at) >= start + timedelta(seconds=RETRY_AFTER)
    tries_early = 0
    for seconds in (1, 30, 120, RETRY_AFTER - 1):
        tries_early += await worker.run_once(now=start + timedelta(seconds=seconds))
    assert tries_early == 0 and sent() == 1
    assert await worker.run_once(now=aware(failed.next_attempt_at)) == 1
    with telegram_runtime.db.reader.connect() as conn:
        final = conn.execute(select(Outbox.__table__).where(Outbox.id == row.id)).one()
    print(counts_line(sent=1, acknowledged=1, stored=1, attempts=sent(), tries_before_retry_after=tries_early,
                      delivered=int(final.state == "delivered"), duplicated=max(0, sent() - 2), lost=int(final.state != "delivered")))
    assert final.state == "delivered" and sent() == 2
    assert bot_api.calls("sendMessage")[1].params["text"] == bot_api.calls("sendMessage")[0].params["text"]
