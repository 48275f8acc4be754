"""An agency's ticket as a Telegram group reads it: one HTML message, every value escaped, at most 4,096 characters.

The complaint's text and follow-ups are cut to fit, never the heading or the link. The reporter's identity is left
out: a group is read by more people than an agency's inbox, and the ticket link shows it to those allowed to see it.

Beneath it, the ticket's buttons (SPEC section 15, complaints/group_buttons.py): Terima and Bukan wewenang for the
agency holding the ticket, and Buka, a link to the ticket's page. After a press the message is edited: its text as
the group saw it, with a line saying what was done and by whom, and the buttons that are left.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from complaints.group_buttons import ACKNOWLEDGE, RETURN, button_data, words
from complaints.timefmt import ticket_time
from complaints.transitions import agency_move_error, hand_on_error
from delivery.telegram_text import ELLIPSIS, MAX_TEXT, escaped_within, units
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


def linkable(url: str) -> bool:
    """Tell whether Telegram takes `url` for a URL button: http(s) with a dotted host name. It refuses the whole
    message for one it does not ("BUTTON_URL_INVALID", e.g. http://localhost:8080), where a link in the text is
    merely left unlinked."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "").strip(".")


def group_keyboard(code: str, status: str, page_url: str | None, language: str, works: bool) -> dict | None:
    """The ticket's inline keyboard (reply_markup), or None for none: Terima while it waits to be acknowledged and
    Bukan wewenang while it is open with the agency, when the message goes to the agency holding it (`works`); Buka,
    a link to `page_url`, when Telegram takes that link."""
    t = words(language)
    moves = []
    if works and agency_move_error(status, "acknowledged") is None:
        moves.append({"text": t["button_ack"], "callback_data": button_data(ACKNOWLEDGE, code)})
    if works and hand_on_error(status, "returned") is None:
        moves.append({"text": t["button_return"], "callback_data": button_data(RETURN, code)})
    rows = [moves] if moves else []
    if page_url is not None and linkable(page_url):
        rows.append([{"text": t["button_open"], "url": page_url}])
    return {"inline_keyboard": rows} if rows else None


def _cut(text: str, room: int) -> str:
    """The start of `text` in at most `room` UTF-16 units, never splitting a character."""
    kept, used = [], 0
    for ch in text:
        size = units(ch)
        if used + size > room:
            break
        kept.append(ch)
        used += size
    return "".join(kept)


def edited_message(text: str, entities: Sequence[Mapping], line: str, limit: int = MAX_TEXT) -> tuple[str, list[dict]]:
    """The group message's text and entities (https://core.telegram.org/bots/api#messageentity, offsets in UTF-16
    units) with `line` added in bold at its end; the old text is cut to fit, its entities with it."""
    gap = "\n\n"
    room = limit - units(gap) - units(line)
    if units(text) > room:
        text = _cut(text, max(0, room - units(ELLIPSIS))) + ELLIPSIS
        end = units(text) - units(ELLIPSIS)
    else:
        end = units(text)
    kept = []
    for entity in entities:
        offset, length = entity["offset"], entity["length"]
        if offset < end:
            kept.append({**entity, "length": min(length, end - offset)})
    start = units(text + gap)
    kept.append({"type": "bold", "offset": start, "length": units(line)})
    return text + gap + line, kept


def question_message(code: str, name: str, telegram_user_id: str, language: str) -> str:
    """The bot's question after Bukan wewenang, in HTML: the officer named (a mention, so that a selective
    ForceReply opens the reply box for them alone), the ticket's code, and what to answer."""
    e = html.escape
    mention = f'<a href="tg://user?id={e(telegram_user_id, quote=True)}">{e(name)}</a>'
    return e(words(language)["question"]).format(name=mention, code=f"<code>{e(code)}</code>")
