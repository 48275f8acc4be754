"""The deliverer of the "telegram_chat" transport: an agency's ticket or a sweep's digest, posted to its Telegram group.

It goes through the Telegram channel's Bot (one per token and event loop, pointed at
ADUAN_TELEGRAM_API_URL) and maps failures as the citizen replies do. The message is rendered by
delivery/group_render.py (a ticket, with its buttons) or delivery/digest.py (a digest); the presses of the buttons
come back to the Telegram channel (channels/telegram/group_desk.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from delivery.digest import DIGEST_EVENT, digest_group_message, digest_of
from delivery.group_render import group_keyboard, group_message
from delivery.ticket import TicketSource, fetch_ticket
from delivery.words import root_zone
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater
from providers.telegram import classify, ready_bot

# The events whose message goes to the agency holding the ticket, which may act on it from the group.
WORKED = ("ticket.assigned", "ticket.updated")


def keyboard_of(delivery: Delivery, ticket: Mapping, triage: str, language: str) -> dict | None:
    """The buttons of a ticket's message: the agency's moves when it goes to the agency holding the ticket, and
    Buka, the page its readers open (the console's for the triage team)."""
    holder = (ticket.get("agency") or {}).get("code")
    works = delivery.event in WORKED and delivery.agency not in (None, triage) and delivery.agency == holder
    return group_keyboard(ticket["code"], ticket["status"], ticket["ticket_url"], language, works)


def markup(keyboard: dict | None) -> InlineKeyboardMarkup | None:
    """python-telegram-bot's form of an inline keyboard written as the Bot API's JSON."""
    if keyboard is None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(**button) for button in row]
                                 for row in keyboard["inline_keyboard"]])


def refused_link(exc: BadRequest) -> bool:
    """Tell whether Telegram refused a message for the link of a URL button ("Bad Request: BUTTON_URL_INVALID",
    newer servers "inline keyboard button URL ... is invalid")."""
    said = str(exc).lower()
    return "button_url_invalid" in said or ("button url" in said and "invalid" in said)


def without_links(keyboard: dict | None) -> dict | None:
    """The keyboard without its URL buttons (what is left when Telegram refuses the link of one)."""
    if keyboard is None:
        return None
    rows = [kept for row in keyboard["inline_keyboard"] if (kept := [b for b in row if "url" not in b])]
    return {"inline_keyboard": rows} if rows else None


def make_telegram_group_deliverer(token: str | None, api_url: str, source: TicketSource) -> Deliverer | None:
    """Return the "telegram_chat" deliverer, or None without ADUAN_TELEGRAM_TOKEN."""
    if not token:
        return None

    async def deliver(delivery: Delivery, _session: aiohttp.ClientSession) -> Outcome:
        """Post the delivery's ticket or digest to the group (a chat id like -1001234567890, or @channelname)."""
        if not delivery.target:
            return Permanent("no chat id to send to")
        config = source.config
        keyboard = None
        if delivery.event == DIGEST_EVENT:
            digest = digest_of(delivery)
            if isinstance(digest, Permanent):
                return digest
            text = digest_group_message(digest, root_zone(config))
        else:
            ticket = await fetch_ticket(source, delivery)
            if isinstance(ticket, (Delivered, RetryLater, Permanent)):
                return ticket
            text = group_message(delivery.event, ticket, root_zone(config))
            keyboard = keyboard_of(delivery, ticket, config.triage, config.settings.language)
        try:
            bot = await ready_bot(token, api_url)

            async def send(buttons: dict | None):
                # The Bot API takes a chat id as an integer or a string: "-100…" and "@name" both go as given.
                return await bot.send_message(chat_id=delivery.target, text=text, parse_mode=ParseMode.HTML,
                                              link_preview_options=LinkPreviewOptions(is_disabled=True),
                                              reply_markup=markup(buttons))

            try:
                sent = await send(keyboard)
            except BadRequest as exc:
                # A link Telegram will not put on a button (delivery/group_render.py `linkable` knows the usual
                # ones): the ticket goes without Buka rather than not at all; its text still links to the page.
                if keyboard is None or not refused_link(exc):
                    raise
                sent = await send(without_links(keyboard))
        except TelegramError as exc:
            return classify(exc, token)
        return Delivered(f"message {sent.message_id}")

    return deliver
