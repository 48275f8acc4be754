"""Telegram without a public address: a getUpdates long-polling loop that feeds the same parse and intake.

An update is confirmed to Telegram (the next call's offset passes it) only after intake stored it, so a
crash or a database outage makes Telegram send it again instead of losing it; intake drops the repeat.
"""

from __future__ import annotations

import asyncio
import random

import structlog
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from channels.telegram.bots import POLL_TIMEOUT, known_username, ready_bot, redact, retry_after_seconds
from channels.telegram.inbound import ALLOWED_UPDATES, Ignored, Malformed, parse
from store.db import StoreUnavailable

log = structlog.get_logger("channels.telegram")

# Unexpected errors on one update before it is given up (Telegram's webhook also stops retrying at some point).
MAX_ATTEMPTS = 5


class Backoff:
    """Capped exponential delays with full jitter, reset after a success."""

    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self.first, self.cap, self.failures = first, cap, 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self.failures)
        self.failures += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.failures = 0


async def _wait_after(exc: Exception, backoff: Backoff, token: str, what: str) -> None:
    """Log a failed Bot API call (token redacted) and sleep as long as it deserves."""
    if isinstance(exc, RetryAfter):
        delay = retry_after_seconds(exc)
    elif isinstance(exc, InvalidToken):
        delay = 300.0  # a human must fix the token; do not hammer Telegram meanwhile
    else:
        delay = backoff.next()
    level = log.error if isinstance(exc, (InvalidToken, Conflict)) else log.warning
    detail = "the bot token was rejected" if isinstance(exc, InvalidToken) else redact(str(exc), token)[:300]
    level("telegram.polling_error", channel="telegram", call=what, error=type(exc).__name__, detail=detail, retry_in=round(delay, 1))
    await asyncio.sleep(delay)


async def _start(token: str, api_url: str) -> Bot:
    """Initialize the Bot and remove any webhook (Telegram refuses getUpdates while one is set)."""
    backoff = Backoff()
    while True:
        try:
            bot = await ready_bot(token, api_url)
            await bot.delete_webhook(drop_pending_updates=False)
            return bot
        except TelegramError as exc:
            await _wait_after(exc, backoff, token, "start")


async def feed(runtime, update: Update, username: str | None) -> bool:
    """Parse one update and hand its messages to intake; False when the store cannot take them now."""
    result = parse(update.to_json().encode(), username)
    if isinstance(result, Malformed):
        log.info("telegram.malformed", channel="telegram", reason=result.reason, update_id=update.update_id)
        return True
    if isinstance(result, Ignored):
        log.info("telegram.ignored", channel="telegram", reason=result.reason, update_id=result.update_id)
        return True
    for msg in result:
        try:
            accepted = await runtime.intake.accept(msg)
        except StoreUnavailable:
            log.warning("telegram.store_unavailable", channel="telegram", provider_message_id=msg.provider_message_id)
            return False
        log.info("telegram.accepted", channel="telegram", code=accepted.code, outcome=accepted.outcome,
                 provider_message_id=msg.provider_message_id)
    return True


async def run_polling(runtime, poll_timeout: int = POLL_TIMEOUT) -> None:
    """Long-poll getUpdates until cancelled, confirming each update only once intake has stored it."""
    env = runtime.env
    token, api_url = env.telegram_token, env.telegram_api_url
    bot = await _start(token, api_url)
    username = known_username(bot)
    log.info("telegram.polling_started", channel="telegram", bot=username)
    offset: int | None = None
    api_backoff, store_backoff = Backoff(), Backoff()
    failures: dict[int, int] = {}  # update id -> unexpected errors while handling it
    while True:
        try:
            updates = await bot.get_updates(offset=offset, timeout=poll_timeout, allowed_updates=list(ALLOWED_UPDATES))
        except TelegramError as exc:
            await _wait_after(exc, api_backoff, token, "getUpdates")
            continue
        except Exception:  # noqa: BLE001 - an answer PTB could not read must not end polling
            log.exception("telegram.polling_error", channel="telegram", call="getUpdates")
            await asyncio.sleep(api_backoff.next())
            continue
        api_backoff.reset()
        for update in updates:
            try:
                stored = await feed(runtime, update, username)
            except Exception:  # noqa: BLE001 - a bug on one update: retry it a few times, then let it go
                failures[update.update_id] = failures.get(update.update_id, 0) + 1
                log.exception("telegram.update_failed", channel="telegram", update_id=update.update_id,
                              attempts=failures[update.update_id])
                if failures[update.update_id] < MAX_ATTEMPTS:
                    await asyncio.sleep(store_backoff.next())
                    break
                log.error("telegram.update_dropped", channel="telegram", update_id=update.update_id)
                stored = True
            if not stored:
                # Not stored: ask for the same updates again after a pause, so none is confirmed unstored.
                await asyncio.sleep(store_backoff.next())
                break
            store_backoff.reset()
            failures.pop(update.update_id, None)
            offset = update.update_id + 1
