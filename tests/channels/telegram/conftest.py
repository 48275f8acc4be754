"""Fixtures of the Telegram channel's tests: a fake Bot API on loopback and a service configured for it."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from app.server import create_app
from app.build import build_runtime
from providers.telegram import ready_bot
from store import models
from telegram_fakes import SECRET, TOKEN, FakeBotApi
from tests.conftest import with_env



@pytest.fixture
async def fake_api(aiohttp_server) -> FakeBotApi:
    """A fake Bot API on 127.0.0.1, for the bot token TOKEN."""
    fake = FakeBotApi()
    server = await aiohttp_server(fake.app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def tg_env(env, fake_api):
    """The test environment with the Telegram channel on, pointed at the fake Bot API."""
    return with_env(env, telegram_token=TOKEN, telegram_secret=SECRET, telegram_api_url=fake_api.url)


@pytest.fixture
def make_app():
    """Return a factory of the whole app, the Telegram channel included."""
    return create_app


@pytest.fixture
def tg_runtime(tg_env, sample_config):
    """A runtime on a fresh database with the Telegram channel configured."""
    rt = build_runtime(tg_env, sample_config)
    rt.limiter.per_minute = 100_000
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
async def tg_client(aiohttp_client, tg_runtime, make_app, fake_api):
    """An HTTP client of the app, once the bot has learnt its name from the fake's getMe."""
    client = await aiohttp_client(make_app(tg_runtime))
    await ready_bot(TOKEN, fake_api.url)
    return client


@pytest.fixture
def post_update():
    """Return a coroutine function posting a body to /webhooks/telegram with the secret header (or another)."""

    async def post(client, body: bytes, secret: str | None = SECRET):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await client.post("/webhooks/telegram", data=body, headers=headers)

    return post


def count_rows(runtime, model) -> int:
    """Count the rows of one table with the reader connection."""
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def rows():
    """Return a function counting (complaints, inbound messages, telegram outbox rows) of a runtime."""

    def counts(runtime) -> tuple[int, int, int]:
        with runtime.db.reader.connect() as conn:
            telegram_out = conn.execute(
                select(func.count()).select_from(models.Outbox).where(models.Outbox.transport == "telegram")
            ).scalar_one()
        return count_rows(runtime, models.Complaint), count_rows(runtime, models.InboundMessage), telegram_out

    return counts
