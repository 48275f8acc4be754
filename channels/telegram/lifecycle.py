"""What runs beside the webhook while the app is up: the bot's name lookup (webhook mode) or the poller."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web
from telegram.error import InvalidToken, RetryAfter, TelegramError

from providers.telegram import close_bots, known_username, ready_bot, redact, retry_after_seconds
from channels.telegram.polling import Backoff, run_polling
from channels.descriptor import Ports
from channels.telegram.settings import TelegramSettings

log = structlog.get_logger("channels.telegram")


async def _learn_username(settings: TelegramSettings) -> None:
    """Call getMe until it answers, so group commands naming the bot can be recognised."""
    backoff = Backoff(cap=300.0)
    while True:
        try:
            bot = await ready_bot(settings.telegram_token, settings.telegram_api_url)
        except InvalidToken:
            log.error("telegram.token_rejected", channel="telegram")
            return
        except TelegramError as exc:
            delay = retry_after_seconds(exc) if isinstance(exc, RetryAfter) else backoff.next()
            log.warning("telegram.get_me_failed", channel="telegram", detail=redact(str(exc), settings.telegram_token)[:300],
                        retry_in=round(delay, 1))
            await asyncio.sleep(delay)
            continue
        log.info("telegram.bot_ready", channel="telegram", bot=known_username(bot), mode="webhook")
        return


def bot_context(ports: Ports, settings: TelegramSettings):
    """The cleanup context of the bot: a background task (name lookup or polling), then the HTTP clients closed."""

    async def ctx(_app: web.Application):
        if settings.telegram_mode == "polling":
            task = asyncio.create_task(run_polling(ports, settings), name="telegram-polling")
        else:
            if settings.telegram_mode != "webhook":
                log.warning("telegram.unknown_mode", channel="telegram", mode=settings.telegram_mode, using="webhook")
            if not settings.telegram_secret:
                log.warning("telegram.no_secret", channel="telegram",
                            hint="set ADUAN_TELEGRAM_SECRET: every webhook request is refused without it")
            task = asyncio.create_task(_learn_username(settings), name="telegram-get-me")
        yield
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - a task that died is logged, and shutdown goes on
            log.exception("telegram.task_failed", channel="telegram", task=task.get_name())
        await close_bots()

    return ctx
