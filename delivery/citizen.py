"""What a citizen notice on a platform with reply windows needs at claim time (SPEC 16): when the citizen last wrote
(the provider's clock, from the inbound messages of the same sender on the same channel), and the WhatsApp template
it would go as outside the window, its four parameters filled in from the complaint as it stands: the tracking code,
the status in words, the agency's name and the tracking link.

The outbox worker runs `attach_windows` over each claim's deliveries (after the agencies' tickets), so a deliverer
decides from the delivery alone (providers/windows.py); a delivery on any other transport passes through untouched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timezone

from sqlalchemy import Connection, func, select

from complaints.links import track_url
from complaints.messages import status_name
from providers import windows
from delivery.ticket import TicketSource, attach_tickets
from providers.outcome import Delivery
from store import models as m

INBOUND = m.InboundMessage.__table__
COMPLAINTS = m.Complaint.__table__


def last_inbound(conn: Connection, channel: str, sender_id: str) -> datetime | None:
    """When this sender last wrote on this channel, by the provider's clock where it said (else when it reached us)."""
    return conn.execute(select(func.max(func.coalesce(INBOUND.c.sent_at, INBOUND.c.received_at)))
                        .where(INBOUND.c.channel == channel, INBOUND.c.sender_id == sender_id)).scalar()


def template_for(templates: Mapping, event: str, complaint: Mapping | None, config, public_url: str) -> dict | None:
    """The template this notice goes as outside WhatsApp's window, with its parameters; None without one."""
    chosen = windows.choose_template(templates, event)
    if chosen is None or complaint is None:
        return None
    language = "en" if chosen.language.startswith("en") else "id"
    status = event.removeprefix("citizen.status.") if event.startswith("citizen.status.") else complaint["status"]
    agency = config.agencies.get(complaint["agency"] or config.triage)
    return {"name": chosen.name, "language": chosen.language,
            "parameters": [complaint["code"], status_name(status, language), agency.name if agency else "-",
                           track_url(public_url, complaint["code"], language)]}


def attach_windows(conn: Connection, deliveries: list[Delivery], config, public_url: str, now: datetime) -> list[Delivery]:
    """Give each citizen notice on a windowed transport its sender's last message time and its template."""
    windowed = [d for d in deliveries if d.agency is None and d.transport in windows.WINDOWED and d.target]
    if not windowed:
        return deliveries
    codes = sorted({d.payload.get("code") for d in windowed if isinstance(d.payload.get("code"), str)})
    complaints = {r["code"]: r for r in conn.execute(
        select(COMPLAINTS.c.code, COMPLAINTS.c.status, COMPLAINTS.c.agency).where(COMPLAINTS.c.code.in_(codes))
    ).mappings()} if codes else {}
    seen: dict[tuple[str, str], datetime | None] = {}
    changed: dict[str, Delivery] = {}
    templates = config.settings.whatsapp_templates
    for d in windowed:
        key = (windows.WINDOWED[d.transport], d.target)
        if key not in seen:
            seen[key] = last_inbound(conn, *key)
        template = (template_for(templates, d.event, complaints.get(d.payload.get("code")), config, public_url)
                    if d.transport == "whatsapp" else None)
        changed[d.delivery_id] = dataclasses.replace(d, claimed_at=d.claimed_at or now, window_checked=True,
                                                     last_inbound_at=seen[key], template=template)
    return [changed.get(d.delivery_id, d) for d in deliveries]


def claim_preparer(source: TicketSource):
    """The outbox worker's `prepare`: the agencies' tickets (delivery/ticket.py), then the citizens' windows, read in
    one reader connection with the config in force."""

    def prepare(deliveries: list[Delivery]) -> list[Delivery]:
        with source.db.reader.connect() as conn:
            deliveries = attach_tickets(conn, deliveries, source.config, source.public_url)
            return attach_windows(conn, deliveries, source.config, source.public_url, datetime.now(timezone.utc))

    return prepare
