"""The agency Telegram group tests' tools (importable, unlike a conftest)."""

from __future__ import annotations

from delivery.telegram_group import make_telegram_group_deliverer
from providers.outcome import Deliverer
from tests.conftest import channel_settings


def group_deliverer(runtime) -> Deliverer:
    """The "telegram_chat" deliverer of a runtime, through its Telegram channel's bot settings."""
    bot = channel_settings(runtime.env, "telegram")
    return make_telegram_group_deliverer(bot.telegram_token, bot.telegram_api_url, runtime.tickets)
