"""The e-mails the "email" transport sends: an agency's ticket and a sweep's digest (plain text with an HTML
alternative, every value escaped, no external assets) and a reply to a citizen (plain text).

Each carries the delivery's id as its Message-ID, the same on every attempt, so a mail system that saw it already
can drop the copy.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from complaints.timefmt import ticket_time
from delivery.digest import digest_html, digest_of, digest_subject, digest_text
from delivery.words import event_title, region_name, ticket_facts
from providers.outcome import Delivery, Permanent


def ticket_subject(event: str, ticket: Mapping) -> str:
    """`[NTB-7K3QX9P2] Aduan baru: kesehatan — Kabupaten Lombok Timur`."""
    subject = f"[{ticket['code']}] {event_title(event, ticket)}"
    if ticket.get("category"):
        subject += f": {ticket['category']}"
    if region_name(ticket):
        subject += f" — {region_name(ticket)}"
    return subject


def ticket_text(event: str, ticket: Mapping, tz: ZoneInfo | None) -> str:
    """The plain-text part."""
    facts = ticket_facts(ticket, tz)
    width = max(len(label) for label, _ in facts) + 2
    lines = [f"{event_title(event, ticket)}: {ticket['code']}", ""]
    lines += [f"{label + ':':<{width}}{value}" for label, value in facts]
    lines += ["", "Isi aduan:", ticket.get("text") or "-"]
    followups = ticket.get("followups") or []
    if followups:
        lines += ["", "Tambahan informasi:"]
        lines += [f"- {ticket_time(f['at'], tz)}: {f['text']}" for f in followups]
    lines += ["", f"Tiket: {ticket['ticket_url']}", ""]
    return "\n".join(lines)


def ticket_html(event: str, ticket: Mapping, tz: ZoneInfo | None) -> str:
    """The HTML part: every value escaped, no external assets."""
    e = html.escape
    title = f"{event_title(event, ticket)}: {ticket['code']}"
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">{e(label)}</th>'
        f"<td>{e(value)}</td></tr>"
        for label, value in ticket_facts(ticket, tz)
    )
    body = [
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">',
        f"<title>{e(ticket_subject(event, ticket))}</title></head>",
        '<body style="font-family:sans-serif;font-size:14px;color:#222">',
        f"<h2 style=\"font-size:18px\">{e(title)}</h2>",
        f"<table>{rows}</table>",
        '<h3 style="font-size:15px">Isi aduan</h3>',
        f'<p style="white-space:pre-wrap">{e(ticket.get("text") or "-")}</p>',
    ]
    followups = ticket.get("followups") or []
    if followups:
        items = "".join(
            f'<li><b>{e(ticket_time(f["at"], tz))}</b>: <span style="white-space:pre-wrap">{e(f["text"])}</span></li>'
            for f in followups
        )
        body.append(f'<h3 style="font-size:15px">Tambahan informasi</h3><ul>{items}</ul>')
    url = e(ticket["ticket_url"])
    body.append(f'<p><a href="{url}">Buka tiket {e(ticket["code"])}</a><br><small>{url}</small></p>')
    body.append("</body></html>")
    return "\n".join(body)


def _envelope(delivery: Delivery, sender: Address, subject: str, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = delivery.target
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    # The same id on every attempt, so a mail system that saw it already can drop the copy.
    msg["Message-ID"] = f"<{delivery.delivery_id}@{sender.domain}>"
    msg["X-Aduan-Delivery"] = delivery.delivery_id
    msg["X-Aduan-Event"] = delivery.event
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a machine
    return msg


def _alternative(delivery: Delivery, sender: Address, subject: str, text: str, page: str,
                 now: datetime) -> EmailMessage:
    msg = _envelope(delivery, sender, subject, now)
    msg.set_content(text)
    msg.add_alternative(page, subtype="html")
    return msg


def ticket_message(delivery: Delivery, ticket: Mapping, sender: Address, tz: ZoneInfo | None,
                   now: datetime) -> EmailMessage:
    """The e-mail of an agency ticket: a plain-text part and its HTML alternative."""
    return _alternative(delivery, sender, ticket_subject(delivery.event, ticket),
                        ticket_text(delivery.event, ticket, tz), ticket_html(delivery.event, ticket, tz), now)


def digest_message(delivery: Delivery, sender: Address, tz: ZoneInfo | None,
                   now: datetime) -> EmailMessage | Permanent:
    """The e-mail of a sweep's digest (a plain-text part and its HTML alternative), or why its row cannot have one."""
    digest = digest_of(delivery)
    if isinstance(digest, Permanent):
        return digest
    return _alternative(delivery, sender, digest_subject(digest), digest_text(digest, tz),
                        digest_html(digest, tz), now)


def citizen_message(delivery: Delivery, sender: Address, now: datetime) -> EmailMessage:
    """A reply to a citizen: plain text only."""
    payload = delivery.payload or {}
    code = payload.get("code")
    msg = _envelope(delivery, sender, f"Aduan {code}" if code else "Aduan", now)
    msg.set_content(payload["text"])
    return msg
