"""`python main.py telegram set-webhook`: register /webhooks/telegram with Telegram, secret token included."""

from __future__ import annotations

import re

import requests

from providers.telegram import redact
from channels.telegram.inbound import ALLOWED_UPDATES
from channels.telegram.settings import TelegramSettings

# setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and - (https://core.telegram.org/bots/api#setwebhook).
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SetupError(Exception):
    """Registering the webhook failed; the message says why (never with the token)."""


def webhook_url(public_url: str) -> str:
    """Return the URL Telegram should post updates to."""
    return f"{public_url.rstrip('/')}/webhooks/telegram"


def set_webhook(settings: TelegramSettings, public_url: str, timeout: float = 15.0) -> str:
    """Call setWebhook with the secret token and the updates we handle; return what Telegram said."""
    token, secret = settings.telegram_token, settings.telegram_secret
    if not token:
        raise SetupError("ADUAN_TELEGRAM_TOKEN is not set: there is no bot to register")
    if not secret:
        raise SetupError("ADUAN_TELEGRAM_SECRET is not set: every webhook request would be refused without it")
    if not SECRET_FORMAT.fullmatch(secret):
        raise SetupError("ADUAN_TELEGRAM_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    url = webhook_url(public_url)
    endpoint = f"{settings.telegram_api_url.rstrip('/')}/bot{token}/setWebhook"
    try:
        resp = requests.post(
            endpoint,
            json={"url": url, "secret_token": secret, "allowed_updates": list(ALLOWED_UPDATES)},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        # requests puts the URL, and so the token, in its messages.
        raise SetupError(f"could not reach the Bot API at {settings.telegram_api_url}: {redact(str(exc), token)[:300]}") from None
    try:
        answer = resp.json()
    except ValueError:
        answer = {}
    description = redact(str(answer.get("description") or resp.reason or ""), token)
    if resp.status_code in (401, 404):
        raise SetupError(f"Telegram rejected the bot token (HTTP {resp.status_code})")
    if resp.status_code != 200 or answer.get("ok") is not True:
        raise SetupError(f"setWebhook failed (HTTP {resp.status_code}): {description}")
    mode = "" if settings.telegram_mode == "webhook" else f" (note: ADUAN_TELEGRAM_MODE is {settings.telegram_mode}; set it to webhook)"
    return f"Webhook set to {url} with the secret token; Telegram says: {description or 'ok'}{mode}"
