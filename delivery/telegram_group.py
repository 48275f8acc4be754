"""The deliverer of the "telegram_chat" transport: an agency's ticket or a sweep's digest, posted to its Telegram group.

It goes through the Telegram channel's Bot (one per token and event loop, pointed at
ADUAN_TELEGRAM_API_URL) and maps failures as the citizen replies do. The message is rendered by
delivery/group_render.py (a ticket) or delivery/digest.py (a digest).
"""

from __future__ import annotations

import aiohttp
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError

from delivery.digest import DIGEST_EVENT, digest_group_message, digest_of
from delivery.group_render import group_message
from delivery.ticket import TicketSource, fetch_ticket
from delivery.words import root_zone
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater
from providers.telegram import classify, ready_bot


def make_telegram_group_deliverer(token: str | None, api_url: str, source: TicketSource) -> Deliverer | None:
    """Return the "telegram_chat" deliverer, or None without ADUAN_TELEGRAM_TOKEN."""
    if not token:
        return None

    async def deliver(delivery: Delivery, _session: aiohttp.ClientSession) -> Outcome:
        """Post the delivery's ticket or digest to the group (a chat id like -1001234567890, or @channelname)."""
        if not delivery.target:
            return Permanent("no chat id to send to")
        if delivery.event == DIGEST_EVENT:
            digest = digest_of(delivery)
            if isinstance(digest, Permanent):
                return digest
            text = digest_group_message(digest, root_zone(source.config))
        else:
            ticket = await fetch_ticket(source, delivery)
            if isinstance(ticket, (Delivered, RetryLater, Permanent)):
                return ticket
            text = group_message(delivery.event, ticket, root_zone(source.config))
        try:
            bot = await ready_bot(token, api_url)
            # The Bot API takes a chat id as an integer or a string: "-100…" and "@name" both go as given.
            sent = await bot.send_message(
                chat_id=delivery.target,
                text=text,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as exc:
            return classify(exc, token)
        return Delivered(f"message {sent.message_id}")

    return deliver
