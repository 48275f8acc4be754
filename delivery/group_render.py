"""An agency's ticket as a Telegram group reads it: one HTML message, every value escaped, at most 4,096 characters.

The complaint's text and follow-ups are cut to fit, never the heading or the link. The reporter's identity is left
out: a group is read by more people than an agency's inbox, and the ticket link shows it to those allowed to see it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from complaints.timefmt import ticket_time
from delivery.telegram_text import MAX_TEXT, escaped_within, units
from delivery.words import event_title, ticket_facts

# The facts of a ticket a group sees (delivery/words.py `ticket_facts`), in their order there.
GROUP_FACTS = ("Jenis", "Kategori", "Prioritas", "Wilayah", "Lampiran")


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
    facts = [(label, value) for label, value in ticket_facts(ticket, tz) if label in GROUP_FACTS]
    head = f"<b>{e(event_title(event, ticket))}</b> · <code>{e(code)}</code>\n"
    head += "".join(f"{e(label)}: {e(value)}\n" for label, value in facts)
    head += "\n"
    url = e(ticket["ticket_url"], quote=True)
    tail = f'\n\n<a href="{url}">Buka tiket {e(code)}</a>'

    text = ticket.get("text") or "-"
    followups = ticket.get("followups") or []
    label = "\n\n<b>Tambahan informasi:</b>\n" if followups else ""
    extra = "\n".join(f"• {ticket_time(f['at'], tz)}: {f['text']}" for f in followups)
    budget = max(0, limit - units(head) - units(tail) - units(label))
    text_room, extra_room = _share(text, extra, budget)
    body = escaped_within(text, text_room)
    if followups:
        # The newest follow-up is what a ticket.updated is about: keep the end of the list.
        body += label + escaped_within(extra, extra_room, keep_end=True)
    return head + body + tail
