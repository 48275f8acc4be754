"""The "telegram" deliverer against a fake Bot API: what Telegram receives, and how each failure is classified."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from channels.telegram import deliverers
from providers.telegram import close_bots
from channels.telegram.deliver import chunks
from providers.outcome import Delivered, Delivery, Permanent, RetryLater
from telegram_fakes import SECRET, TOKEN
from tests.conftest import channel_settings, with_env

TEXT = "Terima kasih, aduan Anda sudah kami terima dengan kode NTB-7K3QX9P2. <b>bukan HTML</b> & *bukan markdown*"


def reply(target: str | None = "5550001", text: str | None = TEXT) -> Delivery:
    """A citizen acknowledgement as the outbox hands it over."""
    return Delivery("d-1", "telegram", target, "citizen.ack", {"code": "NTB-7K3QX9P2", "text": text, "language": "id"})


@pytest.fixture
async def deliver(tg_env):
    """The telegram deliverer of a configured environment, its Bot closed afterwards."""
    yield deliverers(channel_settings(tg_env, "telegram"))["telegram"]
    await close_bots()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def no_secret_in(outcome) -> bool:
    detail = getattr(outcome, "detail", "")
    return TOKEN not in detail and TOKEN.split(":")[1] not in detail and SECRET not in detail


def test_deliverers_only_when_a_token_is_set(env, tg_env):
    """No token, no deliverer; with a token only the citizen transport (agency groups are another issue's)."""
    assert deliverers(channel_settings(env, "telegram")) == {}
    assert set(deliverers(channel_settings(tg_env, "telegram"))) == {"telegram"}


async def test_reply_is_sent_as_plain_text_to_the_chat(deliver, session, fake_api):
    """sendMessage goes to <root>/bot<token>/sendMessage with the chat id and the text, no parse_mode."""
    outcome = await deliver(reply(), session)
    assert isinstance(outcome, Delivered)
    [sent] = fake_api.calls("sendMessage")
    assert sent.path == f"/bot{TOKEN}/sendMessage"
    assert sent.params["chat_id"] == "5550001"
    assert sent.params["text"] == TEXT
    assert "parse_mode" not in sent.params and "entities" not in sent.params


async def test_one_bot_per_token_initialized_once(deliver, session, fake_api):
    """Several replies reuse one Bot: getMe is asked once, each reply is one sendMessage."""
    for chat in ("5550001", "5550002", "-1009876543210"):
        assert isinstance(await deliver(reply(chat), session), Delivered)
    assert len(fake_api.calls("getMe")) == 1
    assert [c.params["chat_id"] for c in fake_api.calls("sendMessage")] == ["5550001", "5550002", "-1009876543210"]


@pytest.mark.parametrize(
    ("label", "status", "body", "expected", "retry_after"),
    [
        ("server error", 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}, RetryLater, None),
        ("bad gateway", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, RetryLater, None),
        ("flood control", 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                                "parameters": {"retry_after": 7}}, RetryLater, 7.0),
        ("bad request", 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, Permanent, None),
        ("blocked by the user", 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
         Permanent, None),
        ("token rejected", 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, Permanent, None),
    ],
)
async def test_failures_are_classified(label, status, body, expected, retry_after, deliver, session, fake_api):
    """5xx and flood control retry (with Telegram's delay); 400, 403 and a rejected token are permanent."""
    assert isinstance(await deliver(reply(), session), Delivered)  # the Bot is initialized
    fake_api.script("sendMessage", status, body)
    outcome = await deliver(reply(), session)
    assert type(outcome) is expected
    if retry_after is not None:
        assert outcome.retry_after == retry_after
    assert no_secret_in(outcome)


async def test_bad_request_says_what_telegram_said(deliver, session, fake_api):
    """A permanent failure keeps Telegram's description, so an operator can act on it."""
    fake_api.script("sendMessage", 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    outcome = await deliver(reply(), session)
    assert outcome == Permanent("BadRequest: Chat not found")


async def test_token_rejected_at_first_contact_is_permanent(tg_env, session, fake_api):
    """A token the Bot API does not know fails on getMe: permanent, and the token is not in the detail."""
    deliver = deliverers(channel_settings(with_env(tg_env, telegram_token="999:WrongTokenWrongTokenWrongToken"), "telegram"))["telegram"]
    try:
        outcome = await deliver(reply(), session)
    finally:
        await close_bots()
    assert outcome == Permanent("the bot token was rejected by Telegram")
    assert "WrongToken" not in outcome.detail


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_connection_refused_retries_later(tg_env, session):
    """With nothing listening at the API root the reply waits for a retry; the detail holds no token."""
    deliver = deliverers(channel_settings(with_env(tg_env, telegram_api_url=f"http://127.0.0.1:{unused_port()}"), "telegram"))["telegram"]
    try:
        outcome = await deliver(reply(), session)
    finally:
        await close_bots()
    assert isinstance(outcome, RetryLater)
    assert no_secret_in(outcome)


async def test_api_back_after_an_outage_delivers(tg_env, session, fake_api):
    """A reply that failed while the API was down goes out on the next attempt."""
    fake_api.script("getMe", 503, {"ok": False, "error_code": 503, "description": "Service Unavailable"})
    deliver = deliverers(channel_settings(tg_env, "telegram"))["telegram"]
    try:
        first = await deliver(reply(), session)
        second = await deliver(reply(), session)
    finally:
        await close_bots()
    assert isinstance(first, RetryLater) and isinstance(second, Delivered)
    assert len(fake_api.calls("sendMessage")) == 1


@pytest.mark.parametrize(("label", "delivery"), [("no chat", reply(target=None)), ("no text", reply(text="  ")),
                                                  ("text missing", reply(text=None))])
async def test_reply_without_chat_or_text_is_permanent(label, delivery, deliver, session, fake_api):
    """Nothing to send or nowhere to send it: permanent, and Telegram is not called."""
    assert isinstance(await deliver(delivery, session), Permanent)
    assert fake_api.calls("sendMessage") == []


async def test_long_reply_is_split_into_messages(deliver, session, fake_api):
    """A reply over Telegram's 4096 characters goes out as several messages, nothing cut off."""
    text = " ".join(f"kata{i}" for i in range(1500))
    assert isinstance(await deliver(reply(text=text), session), Delivered)
    parts = [c.params["text"] for c in fake_api.calls("sendMessage")]
    assert len(parts) == 4 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == text


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("short", 10, ["short"]), ("aaaa bbbb cccc", 9, ["aaaa", "bbbb cccc"]), ("x" * 12, 5, ["xxxxx", "xxxxx", "xx"]),
     ("line one\nline two", 12, ["line one", "line two"])],
)
def test_chunks_split_at_spaces_and_lines(text, limit, expected):
    """Long text is cut at a line break or a space near the limit, else hard at the limit."""
    assert chunks(text, limit) == expected


@pytest.mark.parametrize("description", ["Forbidden: bot was blocked by the user",
                                         "Forbidden: bot can't initiate conversation with a user"])
async def test_a_citizen_who_blocked_or_never_started_the_bot_is_final_and_falls_back(description, deliver, session,
                                                                                      fake_api):
    """403 is Telegram's last word on this chat: final, named as the citizen's block (or never-started chat) for the
    operators, and marked for the SMS fallback."""
    assert isinstance(await deliver(reply(), session), Delivered)
    fake_api.script("sendMessage", 403, {"ok": False, "error_code": 403, "description": description})
    outcome = await deliver(reply(), session)
    assert type(outcome) is Permanent and outcome.fallback
    assert outcome.detail.startswith("Telegram refused (403): the citizen blocked the bot or never started it")
    assert description.split(": ", 1)[1].lower() in outcome.detail.lower()
    assert no_secret_in(outcome)
