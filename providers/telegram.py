"""The Telegram Bot API client both the channel and the agencies' groups use: one python-telegram-bot `Bot` per token
and event loop, pointed at ADUAN_TELEGRAM_API_URL and initialized once; its errors classified as outcomes."""

from __future__ import annotations

import asyncio
import logging
import warnings
import weakref
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from providers.outcome import Outcome, Permanent, RetryLater
from providers.redact import blank_secrets

_tokens: set[str] = set()


class _RedactTokens(logging.Filter):
    """Blank bot tokens in standard-library log records (a Bot API URL holds the token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _tokens:
            message = record.getMessage()
            cleaned = message
            for token in _tokens:
                cleaned = redact(cleaned, token)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


# PTB logs its API URL at DEBUG and httpx every request URL at INFO: both carry the token.
for _name in ("telegram.Bot", "httpx"):
    logging.getLogger(_name).addFilter(_RedactTokens())
logging.getLogger("httpx").setLevel(logging.WARNING)

# Seconds Telegram may hold a getUpdates call open (long polling).
POLL_TIMEOUT = 25


@dataclass
class _Entry:
    bot: Bot
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one getMe at a time


_bots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], _Entry]] = weakref.WeakKeyDictionary()


def _entry(token: str, api_url: str) -> _Entry:
    loop = asyncio.get_running_loop()
    bots = _bots.setdefault(loop, {})
    key = (token, api_url.rstrip("/"))
    entry = bots.get(key)
    if entry is None:
        _tokens.add(token)
        bot = Bot(
            token,
            base_url=f"{key[1]}/bot",
            base_file_url=f"{key[1]}/file/bot",
            request=HTTPXRequest(connection_pool_size=16, connect_timeout=5.0, read_timeout=10.0, write_timeout=10.0,
                                 pool_timeout=5.0),
            get_updates_request=HTTPXRequest(connection_pool_size=1, connect_timeout=5.0, read_timeout=10.0,
                                             write_timeout=10.0, pool_timeout=5.0),
        )
        entry = bots[key] = _Entry(bot)
    return entry


def bot_for(token: str, api_url: str) -> Bot:
    """Return this loop's Bot for the token, creating it on first use (httpx clients belong to one loop)."""
    return _entry(token, api_url).bot


async def ready_bot(token: str, api_url: str) -> Bot:
    """Return this loop's Bot for the token, initialized (getMe once); raises telegram.error.TelegramError."""
    entry = _entry(token, api_url)
    if known_username(entry.bot) is None:
        async with entry.lock:
            await entry.bot.initialize()  # returns at once when a caller before us succeeded
    return entry.bot


def known_username(bot: Bot) -> str | None:
    """Return the bot's @username once getMe has answered, else None."""
    try:
        return bot.username
    except RuntimeError:
        return None


async def close_bots() -> None:
    """Shut down this loop's Bots (their HTTP clients); the next use creates them again."""
    bots = _bots.pop(asyncio.get_running_loop(), {})
    for entry in bots.values():
        try:
            await entry.bot.shutdown()
        except Exception:  # noqa: BLE001 - closing is best effort at shutdown
            pass


def redact(text: str, token: str | None) -> str:
    """Remove the bot token (and its secret half) from a message meant for logs or outcome details."""
    if not token:
        return text
    _, _, secret = token.partition(":")
    return blank_secrets(text, (token, secret if len(secret) >= 8 else None), mask="[token]")


def retry_after_seconds(exc: RetryAfter) -> float:
    """Return the seconds a flood-control answer asks to wait (an int or a timedelta, by PTB setting)."""
    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError, token: str) -> Outcome:
    """Map a python-telegram-bot error to an outcome: flood control and network trouble retry, refusals do not."""
    detail = redact(str(exc), token)[:300]
    if isinstance(exc, RetryAfter):
        seconds = retry_after_seconds(exc)
        return RetryLater(f"flood control: retry in {seconds:g} s", seconds)
    if isinstance(exc, InvalidToken):
        # Its message may quote the token itself.
        return Permanent("the bot token was rejected by Telegram")
    if isinstance(exc, ChatMigrated):
        return Permanent(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, (BadRequest, Forbidden)):  # BadRequest is a NetworkError subclass: test it first
        return Permanent(f"{type(exc).__name__}: {detail}")
    if isinstance(exc, (TimedOut, NetworkError)):
        return RetryLater(f"{type(exc).__name__}: {detail}")
    return Permanent(f"{type(exc).__name__}: {detail}")
