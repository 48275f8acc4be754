"""Logs of the Telegram channel: what happened, as structured events, and never the token or the secret."""

from __future__ import annotations

import io
import json
import logging
import socket

import aiohttp
import pytest

from config.logging import configure
from channels.telegram import deliverers
from providers.telegram import close_bots
from providers.outcome import Delivery
from telegram_fakes import SECRET, TOKEN, fixture_bytes
from tests.conftest import channel_settings, with_env

WRONG_SECRET = "wrong-secret-value-0123456789"


@pytest.fixture
def log_lines():
    """Capture structlog's JSON lines; return a function giving them parsed."""
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    configure("INFO")


async def test_no_secret_reaches_the_logs(tg_client, tg_env, fake_api, post_update, log_lines, caplog):
    """Refused, malformed, ignored and accepted updates, and failed replies, log events without token or secret."""
    caplog.set_level(logging.DEBUG)
    await post_update(tg_client, fixture_bytes("message__text"), secret=WRONG_SECRET)
    await post_update(tg_client, fixture_bytes("message__text"), secret=None)
    await post_update(tg_client, b'{"update_id": 1, "message": {')
    await post_update(tg_client, fixture_bytes("callback_query__button"))
    await post_update(tg_client, fixture_bytes("message__text"))

    delivery = Delivery("d-1", "telegram", "5550001", "citizen.ack", {"text": "Terima kasih"})
    fake_api.script("sendMessage", 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    async with aiohttp.ClientSession() as session:
        await deliverers(channel_settings(tg_env, "telegram"))["telegram"](delivery, session)
        await deliverers(channel_settings(with_env(tg_env, telegram_api_url=closed), "telegram"))["telegram"](delivery, session)
        await deliverers(channel_settings(with_env(tg_env, telegram_token="999:WrongTokenWrongTokenWrongToken"), "telegram"))["telegram"](delivery, session)
    await close_bots()

    lines = log_lines()
    events = [line["event"] for line in lines]
    assert events.count("channel.unauthentic") == 2
    assert {"channel.malformed", "channel.ignored", "channel.accepted"} <= set(events)
    assert [line["reason"] for line in lines if line["event"] == "channel.unauthentic"] == ["wrong secret token", "missing secret token"]
    # The fake Bot API's own access log shows the token in its paths, as Telegram's would: not ours to check.
    ours = [r.getMessage() for r in caplog.records if not (r.name == "aiohttp.access" and '"POST /bot' in r.getMessage())]
    everything = json.dumps(lines) + "\n".join(ours)
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET, WRONG_SECRET, "WrongTokenWrongTokenWrongToken"):
        assert secret not in everything


async def test_unreadable_message_is_logged_at_warning_with_its_update_id(tg_client, post_update, log_lines):
    """A message we cannot read is answered 200 and logged at warning with its update_id; an ignored type at info."""
    assert (await post_update(tg_client, fixture_bytes("message__location_as_strings"))).status == 200
    assert (await post_update(tg_client, fixture_bytes("poll__stopped"))).status == 200
    seen = [(line["level"], line["understood"], line["ref"], line["reason"]) for line in log_lines()
            if line["event"] == "channel.ignored" and line["channel"] == "telegram"]
    assert seen == [("warning", False, 810000028, "message fields of the wrong type"),
                    ("info", True, 810000025, "update type poll")]
