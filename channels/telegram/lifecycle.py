"""What runs beside the webhook while the app is up: the bot's name lookup (webhook mode) or the poller."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web
from telegram.error import InvalidToken, RetryAfter, TelegramError

from channels.telegram.bots import close_bots, known_username, ready_bot, redact, retry_after_seconds
from channels.telegram.polling import Backoff, run_polling
from config.env import Env

log = structlog.get_logger("channels.telegram")


async def _learn_username(env: Env) -> None:
    """Call getMe until it answers, so group commands naming the bot can be recognised."""
    backoff = Backoff(cap=300.0)
    while True:
        try:
            bot = await ready_bot(env.telegram_token, env.telegram_api_url)
        except InvalidToken:
            log.error("telegram.token_rejected", channel="telegram")
            return
        except TelegramError as exc:
            delay = retry_after_seconds(exc) if isinstance(exc, RetryAfter) else backoff.next()
            log.warning("telegram.get_me_failed", channel="telegram", detail=redact(str(exc), env.telegram_token)[:300],
                        retry_in=round(delay, 1))
            await asyncio.sleep(delay)
            continue
        log.info("telegram.bot_ready", channel="telegram", bot=known_username(bot), mode="webhook")
        return


def bot_context(runtime):
    """The cleanup context of the bot: a background task (name lookup or polling), then the HTTP clients closed."""

    async def ctx(_app: web.Application):
        env = runtime.env
        if env.telegram_mode == "polling":
            task = asyncio.create_task(run_polling(runtime), name="telegram-polling")
        else:
            if env.telegram_mode != "webhook":
                log.warning("telegram.unknown_mode", channel="telegram", mode=env.telegram_mode, using="webhook")
            if not env.telegram_secret:
                log.warning("telegram.no_secret", channel="telegram",
                            hint="set ADUAN_TELEGRAM_SECRET: every webhook request is refused without it")
            task = asyncio.create_task(_learn_username(env), name="telegram-get-me")
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
