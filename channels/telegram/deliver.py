"""The deliverer of the "telegram" transport: a citizen reply sent as plain text with sendMessage."""

from __future__ import annotations

import aiohttp
from telegram import LinkPreviewOptions
from telegram.constants import MessageLimit
from telegram.error import Forbidden, TelegramError

from providers.telegram import classify, ready_bot, redact
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent
from channels.telegram.settings import TelegramSettings

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096 characters per message
BLOCKED = "Telegram refused (403): the citizen blocked the bot or never started it"


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long reply into messages of at most `limit` characters, at a line or space when one is near."""
    parts = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    if text:
        parts.append(text)
    return parts


def _chat_id(target: str) -> int | str:
    try:
        return int(target)
    except ValueError:
        return target  # "@channelusername"


def telegram_deliverer(settings: TelegramSettings) -> Deliverer:
    """Return the deliverer for replies to citizens' Telegram chats (one Bot per token, reused)."""
    token = settings.telegram_token
    api_url = settings.telegram_api_url
    if not token:
        raise ValueError("the telegram deliverer needs ADUAN_TELEGRAM_TOKEN")

    async def deliver(delivery: Delivery, _session: aiohttp.ClientSession) -> Outcome:
        """Send the reply text to the chat as plain text (no parse_mode: citizen text cannot inject markup)."""
        text = (delivery.payload or {}).get("text")
        if not delivery.target:
            return Permanent("no chat id to send to")
        if not isinstance(text, str) or not text.strip():
            return Permanent("no text to send")
        try:
            bot = await ready_bot(token, api_url)
            sent = None
            for part in chunks(text):
                sent = await bot.send_message(
                    chat_id=_chat_id(delivery.target),
                    text=part,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
        except Forbidden as exc:
            # 403: the citizen blocked the bot, or never started it. Final on Telegram; the notice goes by SMS when
            # the reporter's number is known.
            return Permanent(f"{BLOCKED}: {redact(str(exc), token)[:200]}", fallback=True)
        except TelegramError as exc:
            return classify(exc, token)
        return Delivered(f"message {sent.message_id}" if sent is not None else "")

    return deliver
