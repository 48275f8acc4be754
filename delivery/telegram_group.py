"""The deliverer of the "telegram_chat" transport: an agency's ticket or a sweep's digest, posted to its Telegram group.

It goes through the Telegram channel's Bot (one per token and event loop, pointed at
ADUAN_TELEGRAM_API_URL) and maps failures as the citizen replies do. The message is HTML with every
value escaped, at most 4,096 characters: the complaint's text is cut, never the heading or the link.
The reporter's identity is left out: a group is read by more people than an agency's inbox, and the
ticket link shows it to those allowed to see it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import aiohttp
from telegram import LinkPreviewOptions
from telegram.constants import MessageLimit, ParseMode
from telegram.error import TelegramError

from channels.telegram.bots import ready_bot
from channels.telegram.deliver import classify
from delivery.email import KIND_NAMES, PRIORITY_NAMES, event_title, local_time, region_name, root_zone
from delivery.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater
from delivery.ticket import fetch_ticket

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
ELLIPSIS = "…"


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def escaped_within(raw: str, budget: int, *, keep_end: bool = False) -> str:
    """Escape `raw`; if that is longer than `budget`, cut it (the start, or with keep_end the end) and mark the cut."""
    escaped = html.escape(raw)
    if units(escaped) <= budget:
        return escaped
    if budget < units(ELLIPSIS):
        return ""
    room = budget - units(ELLIPSIS)
    kept: list[str] = []
    used = 0
    # Escaped one character at a time, so a cut never splits an entity such as &amp;.
    for ch in (reversed(raw) if keep_end else raw):
        piece = html.escape(ch)
        if used + units(piece) > room:
            break
        kept.append(piece)
        used += units(piece)
    if keep_end:
        return ELLIPSIS + "".join(reversed(kept))
    return "".join(kept) + ELLIPSIS


def _share(text: str, extra: str, budget: int) -> tuple[int, int]:
    """Split a budget between the text and the follow-ups: what one does not need, the other may use."""
    need_text, need_extra = units(html.escape(text)), units(html.escape(extra))
    if need_text + need_extra <= budget:
        return need_text, need_extra
    half = budget // 2
    if need_text <= half:
        return need_text, budget - need_text
    if need_extra <= half:
        return budget - need_extra, need_extra
    return budget - half, half


def group_message(event: str, ticket: Mapping, tz: ZoneInfo | None, limit: int = MAX_TEXT) -> str:
    """The HTML message for the group: heading, facts, the text and follow-ups (cut to fit), the link."""
    e = html.escape
    code = ticket["code"]
    facts = [
        ("Jenis", KIND_NAMES.get(ticket.get("kind"), ticket.get("kind") or "-")),
        ("Kategori", ticket.get("category") or "-"),
        ("Prioritas", PRIORITY_NAMES.get(ticket.get("priority"), ticket.get("priority") or "-")),
        ("Wilayah", region_name(ticket) or "-"),
        ("Lampiran", str(len(ticket.get("attachments") or []))),
    ]
    head = f"<b>{e(event_title(event, ticket))}</b> · <code>{e(code)}</code>\n"
    head += "".join(f"{e(label)}: {e(value)}\n" for label, value in facts)
    head += "\n"
    url = e(ticket["ticket_url"], quote=True)
    tail = f'\n\n<a href="{url}">Buka tiket {e(code)}</a>'

    text = ticket.get("text") or "-"
    followups = ticket.get("followups") or []
    label = "\n\n<b>Tambahan informasi:</b>\n" if followups else ""
    extra = "\n".join(f"• {local_time(f['at'], tz)}: {f['text']}" for f in followups)
    budget = max(0, limit - units(head) - units(tail) - units(label))
    text_room, extra_room = _share(text, extra, budget)
    body = escaped_within(text, text_room)
    if followups:
        # The newest follow-up is what a ticket.updated is about: keep the end of the list.
        body += label + escaped_within(extra, extra_room, keep_end=True)
    return head + body + tail


def make_telegram_group_deliverer(runtime) -> Deliverer | None:
    """Return the "telegram_chat" deliverer, or None without ADUAN_TELEGRAM_TOKEN."""
    env = runtime.env
    token, api_url = env.telegram_token, env.telegram_api_url
    if not token:
        return None

    async def deliver(delivery: Delivery, _session: aiohttp.ClientSession) -> Outcome:
        """Post the delivery's ticket or digest to the group (a chat id like -1001234567890, or @channelname)."""
        if not delivery.target:
            return Permanent("no chat id to send to")
        if delivery.event == "digest":
            # Imported here: the digest renders with this module's helpers (units, escaped_within).
            from delivery.digest import digest_group_message, digest_of

            digest = digest_of(delivery)
            if isinstance(digest, Permanent):
                return digest
            text = digest_group_message(digest, root_zone(runtime.config))
        else:
            ticket = await fetch_ticket(runtime, delivery)
            if isinstance(ticket, (Delivered, RetryLater, Permanent)):
                return ticket
            text = group_message(delivery.event, ticket, root_zone(runtime.config))
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
