"""The deliverer of the "telegram" transport: a citizen reply sent as plain text with sendMessage."""

from __future__ import annotations

import aiohttp
from telegram import LinkPreviewOptions
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from channels.telegram.bots import ready_bot, redact, retry_after_seconds
from config.env import Env
from delivery.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096 characters per message


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


def classify(exc: TelegramError, token: str) -> Outcome:
    """Map a python-telegram-bot error to an outcome: flood control and network trouble retry, refusals do not."""
    detail = redact(str(exc), token)[:300]
    if isinstance(exc, RetryAfter):
        seconds = retry_after_seconds(exc)
        return RetryLater(f"flood control: retry in {seconds:g} s", seconds)
    if isinstance(exc, InvalidToken):
        # Its message may quote the token itself.
        return Permanent("the bot token was rejected by Telegram")
    if isinstance(exc, ChatMigrated):
        return Permanent(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, (BadRequest, Forbidden)):  # BadRequest is a NetworkError subclass: test it first
        return Permanent(f"{type(exc).__name__}: {detail}")
    if isinstance(exc, (TimedOut, NetworkError)):
        return RetryLater(f"{type(exc).__name__}: {detail}")
    return Permanent(f"{type(exc).__name__}: {detail}")


def _chat_id(target: str) -> int | str:
    try:
        return int(target)
    except ValueError:
        return target  # "@channelusername"


def telegram_deliverer(env: Env) -> Deliverer:
    """Return the deliverer for replies to citizens' Telegram chats (one Bot per token, reused)."""
    token = env.telegram_token
    api_url = env.telegram_api_url
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
        except TelegramError as exc:
            return classify(exc, token)
        return Delivered(f"message {sent.message_id}" if sent is not None else "")

    return deliver
