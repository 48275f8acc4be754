"""Telegram without a public address: a getUpdates long-polling loop that feeds the same parse and intake.

An update is confirmed to Telegram (the next call's offset passes it) only after intake stored it, so a
crash or a database outage makes Telegram send it again instead of losing it; intake drops the repeat.
getUpdates is asked for its raw answer and each update is parsed as the webhook parses its body, so one
update we cannot read is passed over alone instead of failing the whole batch.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import warnings

import structlog
from telegram import Bot
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from channels.descriptor import Ports
from channels.ladder import Ignored, Ladder, Malformed
from channels.telegram.group_desk import GroupDesk
from channels.telegram.group_updates import Answer, Press
from channels.telegram.inbound import ALLOWED_UPDATES, parse
from channels.telegram.settings import TelegramSettings
from providers.telegram import POLL_TIMEOUT, known_username, ready_bot, redact, retry_after_seconds

log = structlog.get_logger("channels.telegram")

# Unexpected errors on one update before it is given up (Telegram's webhook also stops retrying at some point).
MAX_ATTEMPTS = 5
# Seconds allowed for getUpdates' answer beyond the `timeout` Telegram may hold it open (PTB's get_updates adds
# its request's read timeout, 10 s in providers.telegram, the same way).
READ_MARGIN = 10.0


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


async def _get_updates(bot: Bot, offset: int | None, poll_timeout: int) -> list:
    """Long-poll getUpdates for the raw updates (JSON objects), without building python-telegram-bot objects."""
    updates = await bot.do_api_request(
        "getUpdates", api_kwargs={"offset": offset, "timeout": poll_timeout, "allowed_updates": list(ALLOWED_UPDATES)},
        read_timeout=poll_timeout + READ_MARGIN)
    if not isinstance(updates, list):
        raise TypeError(f"getUpdates answered a {type(updates).__name__}, not an array")
    return updates


def _update_id(update) -> int | None:
    """Return an update's integer update_id, None when it has none (it is then never confirmed by itself)."""
    value = update.get("update_id") if isinstance(update, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def feed(ladder: Ladder, desk: GroupDesk, update, username: str | None) -> bool:
    """Parse one update and hand its messages to intake (a group's press or reply to the desk); False when the
    store cannot take them now."""
    # Parsed as the webhook parses its body, so what it refuses there (a lone surrogate, NaN) is refused here too.
    result = parse(json.dumps(update).encode(), username)
    if isinstance(result, (Press, Answer)):
        return await desk.take(result)
    if isinstance(result, Malformed):
        ladder.malformed(result.reason, update_id=_update_id(update))
        return True
    if isinstance(result, Ignored):
        ladder.ignored(result)
        return True
    for msg in result:
        if await ladder.accept(msg) is None:
            return False
    return True


async def run_polling(ports: Ports, settings: TelegramSettings, poll_timeout: int = POLL_TIMEOUT) -> None:
    """Long-poll getUpdates until cancelled, confirming each update only once intake has stored it."""
    token, api_url = settings.telegram_token, settings.telegram_api_url
    # Bot.do_api_request warns that Bot.get_updates exists: we call getUpdates through it on purpose, for the raw
    # JSON that get_updates would build Update objects from. Set here, not at import: test runners reset filters.
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning,
                            module=re.escape(__name__))
    bot = await _start(token, api_url)
    username = known_username(bot)
    log.info("telegram.polling_started", channel="telegram", bot=username)
    ladder = Ladder("telegram", ports.intake)
    desk = GroupDesk(ports, settings)
    offset: int | None = None
    api_backoff, store_backoff = Backoff(), Backoff()
    failures: dict[int | None, int] = {}  # update id -> unexpected errors while handling it
    while True:
        try:
            updates = await _get_updates(bot, offset, poll_timeout)
        except TelegramError as exc:
            await _wait_after(exc, api_backoff, token, "getUpdates")
            continue
        except Exception:  # noqa: BLE001 - an answer we could not read must not end polling
            log.exception("telegram.polling_error", channel="telegram", call="getUpdates")
            await asyncio.sleep(api_backoff.next())
            continue
        api_backoff.reset()
        for update in updates:
            update_id = _update_id(update)
            try:
                stored = await feed(ladder, desk, update, username)
            except Exception:  # noqa: BLE001 - a bug on one update: retry it a few times, then let it go
                failures[update_id] = failures.get(update_id, 0) + 1
                log.exception("telegram.update_failed", channel="telegram", update_id=update_id,
                              attempts=failures[update_id])
                if failures[update_id] < MAX_ATTEMPTS:
                    await asyncio.sleep(store_backoff.next())
                    break
                log.error("telegram.update_dropped", channel="telegram", update_id=update_id)
                stored = True
            if not stored:
                # Not stored: ask for the same updates again after a pause, so none is confirmed unstored.
                await asyncio.sleep(store_backoff.next())
                break
            store_backoff.reset()
            failures.pop(update_id, None)
            if update_id is not None:
                offset = update_id + 1
