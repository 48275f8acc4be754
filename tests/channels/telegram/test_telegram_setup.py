"""`telegram set-webhook`: registers /webhooks/telegram with the secret, and says plainly what went wrong."""

from __future__ import annotations

import asyncio
import socket

import pytest

from channels.telegram.setup import SetupError, set_webhook
from telegram_fakes import SECRET, TOKEN
from tests.conftest import channel_settings, with_env

PUBLIC_URL = "https://aduan.ntbprov.example/"


async def test_set_webhook_registers_url_secret_and_updates(tg_env, fake_api):
    """setWebhook gets the public webhook URL, the secret token and the two update types we handle."""
    said = await asyncio.to_thread(set_webhook, channel_settings(tg_env, "telegram"), PUBLIC_URL)
    [call] = fake_api.calls("setWebhook")
    assert call.path == f"/bot{TOKEN}/setWebhook"
    assert call.params == {
        "url": "https://aduan.ntbprov.example/webhooks/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }
    assert "https://aduan.ntbprov.example/webhooks/telegram" in said and "Webhook was set" in said
    assert TOKEN not in said and SECRET not in said


@pytest.mark.parametrize(
    ("label", "changes", "message"),
    [
        ("no token", {"telegram_token": None}, "ADUAN_TELEGRAM_TOKEN is not set"),
        ("no secret", {"telegram_secret": None}, "ADUAN_TELEGRAM_SECRET is not set"),
        ("secret with characters Telegram refuses", {"telegram_secret": "rahasia kita!"}, "1-256 characters"),
        ("secret too long", {"telegram_secret": "a" * 257}, "1-256 characters"),
    ],
)
async def test_set_webhook_refuses_an_incomplete_setup(label, changes, message, tg_env, fake_api):
    """Without a token or a usable secret nothing is sent to Telegram, and the reason is named."""
    with pytest.raises(SetupError, match=message):
        await asyncio.to_thread(set_webhook, channel_settings(with_env(tg_env, **changes), "telegram"), PUBLIC_URL)
    assert fake_api.requests == []


async def test_set_webhook_reports_telegram_refusal(tg_env, fake_api):
    """Telegram's own description of a refusal is reported."""
    fake_api.script("setWebhook", 400, {"ok": False, "error_code": 400,
                                        "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"})
    with pytest.raises(SetupError, match="HTTPS URL must be provided") as raised:
        await asyncio.to_thread(set_webhook, channel_settings(tg_env, "telegram"), "http://aduan.local")
    assert TOKEN not in str(raised.value)


async def test_set_webhook_reports_a_rejected_token(tg_env, fake_api):
    """A token the Bot API does not know is named as such, without printing it."""
    env = with_env(tg_env, telegram_token="999:WrongTokenWrongTokenWrongToken")
    with pytest.raises(SetupError, match="rejected the bot token") as raised:
        await asyncio.to_thread(set_webhook, channel_settings(env, "telegram"), PUBLIC_URL)
    assert "WrongToken" not in str(raised.value)


async def test_set_webhook_unreachable_api_hides_the_token(tg_env):
    """requests quotes the URL in its errors; the token in that URL never reaches the message."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = with_env(tg_env, telegram_api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(SetupError, match="could not reach the Bot API") as raised:
        await asyncio.to_thread(set_webhook, channel_settings(env, "telegram"), PUBLIC_URL, 2.0)
    assert TOKEN not in str(raised.value) and TOKEN.split(":")[1] not in str(raised.value)
