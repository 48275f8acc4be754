"""The Telegram channel: `/webhooks/telegram` (or long polling), replies through the Bot API."""

from __future__ import annotations

from aiohttp import web

from channels.descriptor import Channel, Ports
from channels.telegram.deliver import telegram_deliverer
from channels.telegram.fetch import fetchers
from channels.telegram.handlers import TelegramWebhook
from channels.telegram.lifecycle import bot_context
from channels.telegram.settings import TelegramSettings
from providers.outcome import Deliverer


def add_routes(app: web.Application, ports: Ports, settings: TelegramSettings) -> None:
    """Add the webhook route; with a token, learn the bot's name (webhook) or poll (ADUAN_TELEGRAM_MODE=polling)."""
    app.router.add_post("/webhooks/telegram", TelegramWebhook(ports, settings).handle, name="telegram.webhook")
    if settings.telegram_token:
        app.cleanup_ctx.append(bot_context(ports, settings))


def deliverers(settings: TelegramSettings) -> dict[str, Deliverer]:
    """Return the deliverer of the "telegram" transport when a bot token is set (agency groups are not ours)."""
    return {"telegram": telegram_deliverer(settings)} if settings.telegram_token else {}


CHANNEL = Channel(name="telegram", names={"id": "Telegram", "en": "Telegram"}, messaging=True,
                  add_routes=add_routes, settings=TelegramSettings, deliverers=deliverers,
                  fetchers=fetchers, api_roots=lambda s: (s.telegram_api_url,))
