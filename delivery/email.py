"""The deliverer of the "email" transport: agency tickets, sweep digests and citizen replies, through ADUAN_SMTP_URL.

The settings and the sending are delivery/smtp.py's, the messages delivery/mail_render.py's. smtplib blocks, so
each message is sent in a thread of the deliverer's own small pool (not the loop's default executor, which
resolves host names for every HTTP client: a hanging mail server must not hold those up).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import aiohttp

from delivery.digest import DIGEST_EVENT
from delivery.mail_render import citizen_message, digest_message, ticket_message
from delivery.smtp import DETAIL_MAX, classify, parse_smtp_url, send_blocking
from delivery.ticket import TicketSource, fetch_ticket
from delivery.words import root_zone
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater

SMTP_THREADS = 4  # connections at once to the mail server


def make_email_deliverer(smtp_url: str | None, source: TicketSource) -> Deliverer | None:
    """Return the "email" deliverer, or None without ADUAN_SMTP_URL; raise ValueError for a malformed one."""
    if not smtp_url:
        return None
    settings = parse_smtp_url(smtp_url, source.public_url)
    pool = ThreadPoolExecutor(SMTP_THREADS, thread_name_prefix="smtp")

    async def deliver(delivery: Delivery, _session: aiohttp.ClientSession) -> Outcome:
        """Send a citizen reply (its payload holds the text), an agency's ticket or a digest to the address."""
        if not delivery.target:
            return Permanent("no e-mail address to send to")
        payload = delivery.payload or {}
        now = datetime.now(timezone.utc)
        try:
            if delivery.event == DIGEST_EVENT:
                msg = digest_message(delivery, settings.sender, root_zone(source.config), now)
                if isinstance(msg, Permanent):
                    return msg
            elif isinstance(payload.get("text"), str):
                msg = citizen_message(delivery, settings.sender, now)
            else:
                ticket = await fetch_ticket(source, delivery)
                if isinstance(ticket, (Delivered, RetryLater, Permanent)):
                    return ticket
                msg = ticket_message(delivery, ticket, settings.sender, root_zone(source.config), now)
        except ValueError as exc:  # a header the e-mail library refuses (a line break in an address)
            return Permanent(f"cannot write the message: {exc}"[:DETAIL_MAX])
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(pool, send_blocking, settings, msg, delivery.target)
        except Exception as exc:  # noqa: BLE001 - every failure is classified, none ends the worker
            return classify(exc, settings)
        return Delivered(f"accepted by {settings.host}")

    return deliver
