"""The Telegram channel: `/webhooks/telegram` (or long polling), replies through the Bot API."""

from __future__ import annotations

from aiohttp import web

from channels.telegram.deliver import telegram_deliverer
from channels.telegram.handlers import TelegramWebhook
from channels.telegram.lifecycle import bot_context
from config.env import Env
from delivery.outcome import Deliverer


def add_routes(app: web.Application, runtime) -> None:
    """Add the webhook route; with a token, learn the bot's name (webhook) or poll (ADUAN_TELEGRAM_MODE=polling)."""
    app.router.add_post("/webhooks/telegram", TelegramWebhook(runtime).handle, name="telegram.webhook")
    env = runtime.env
    if env.telegram_token:
        app.cleanup_ctx.append(bot_context(runtime))


def deliverers(env: Env) -> dict[str, Deliverer]:
    """Return the deliverer of the "telegram" transport when a bot token is set (agency groups are not ours)."""
    return {"telegram": telegram_deliverer(env)} if env.telegram_token else {}
