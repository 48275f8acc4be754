"""The Telegram channel's settings, read from ADUAN_TELEGRAM_* (SPEC section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from config.env import secret, url


@dataclass(frozen=True)
class TelegramSettings:
    """ADUAN_TELEGRAM_*: the bot's token (the channel is off without it), the webhook's secret, the API, the mode."""

    telegram_token: str | None = secret()
    telegram_secret: str | None = secret()
    telegram_api_url: str = url("https://api.telegram.org")
    telegram_mode: str = "webhook"  # or "polling"
