"""ADUAN_TELEGRAM_MODE=polling: getUpdates feeds the same parse and intake, and confirms only what was stored."""

from __future__ import annotations

import asyncio
import json

import pytest

from app.build import build_runtime
from store.db import StoreUnavailable
from telegram_fakes import fixture_bytes
from tests.conftest import with_env


@pytest.fixture
def polling_runtime(tg_env, sample_config):
    """A runtime whose Telegram channel polls the fake Bot API."""
    rt = build_runtime(with_env(tg_env, telegram_mode="polling"), sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


async def eventually(check, seconds: float = 10.0) -> None:
    """Wait until `check()` is true, failing after `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def offsets(fake_api) -> list[str | None]:
    return [c.params.get("offset") for c in fake_api.calls("getUpdates")]


async def test_polling_stores_updates_and_confirms_them(aiohttp_client, polling_runtime, make_app, fake_api, rows):
    """An update served once by getUpdates becomes a complaint; the next call's offset confirms it."""
    update = json.loads(fixture_bytes("message__text"))
    fake_api.pending = [update]
    await aiohttp_client(make_app(polling_runtime))
    await eventually(lambda: rows(polling_runtime) == (1, 1, 1))
    await eventually(lambda: str(update["update_id"] + 1) in offsets(fake_api))
    assert fake_api.pending == []
    first_calls = [r.method for r in fake_api.requests[:3]]
    assert first_calls == ["getMe", "deleteWebhook", "getUpdates"]
    assert fake_api.calls("deleteWebhook")[0].params.get("drop_pending_updates") in (None, "false", "False")
    call = fake_api.calls("getUpdates")[0].params
    assert json.loads(call["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    assert int(call["timeout"]) > 0  # long polling


async def test_ignored_updates_are_confirmed_too(aiohttp_client, polling_runtime, make_app, fake_api, rows):
    """Updates that carry nothing for intake are passed over, not asked for again and again."""
    fake_api.pending = [json.loads(fixture_bytes(name)) for name in ("callback_query__button", "message__group_chatter", "message__photo")]
    await aiohttp_client(make_app(polling_runtime))
    await eventually(lambda: rows(polling_runtime) == (1, 1, 1))
    await eventually(lambda: fake_api.pending == [])


async def test_group_command_naming_the_bot_is_taken_when_polling(aiohttp_client, polling_runtime, make_app, fake_api):
    """The poller knows the bot's name from getMe, so "/status@AduanTestBot CODE" in a group reaches intake."""
    seen = []
    accept = polling_runtime.intake.accept

    async def spy(msg):
        seen.append(msg)
        return await accept(msg)

    polling_runtime.intake.accept = spy
    fake_api.pending = [json.loads(fixture_bytes("message__group_command"))]
    await aiohttp_client(make_app(polling_runtime))
    await eventually(lambda: len(seen) == 1)
    assert (seen[0].text, seen[0].reply_to) == ("/status NTB-7K3QX9P2", "-1009876543210")


async def test_update_not_stored_is_asked_for_again(aiohttp_client, polling_runtime, make_app, fake_api, rows):
    """While the store is down the update is not confirmed; it is fetched again and stored once it is back."""
    accept = polling_runtime.intake.accept
    attempts = []

    async def flaky(msg):
        attempts.append(msg.provider_message_id)
        if len(attempts) == 1:
            raise StoreUnavailable("database is locked")
        return await accept(msg)

    polling_runtime.intake.accept = flaky
    update = json.loads(fixture_bytes("message__voice"))
    fake_api.pending = [update]
    await aiohttp_client(make_app(polling_runtime))
    await eventually(lambda: rows(polling_runtime) == (1, 1, 1))
    assert attempts == ["5550001:105", "5550001:105"]
    # No call confirmed the update before it was stored: the first two asked without an offset.
    assert offsets(fake_api)[:2] == [None, None]


async def test_webhook_mode_does_not_poll(tg_client, fake_api):
    """In webhook mode the service only asks getMe, never getUpdates (Telegram allows one or the other)."""
    await asyncio.sleep(0.2)
    assert fake_api.calls("getUpdates") == [] and fake_api.calls("deleteWebhook") == []
    assert len(fake_api.calls("getMe")) == 1
