"""The ticket an agency receives: the complaint as agencies may see it, as things stood when the delivery was queued.

A delivery carries its ticket in its payload (`"ticket"`, store.rows.ticket_view, written in the transaction that
queued it): the deliverer adds the links and sends it as it is, so an e-mail queued while SMTP was down tells what
was true then, not what became of the ticket since. A delivery queued before tickets were kept so (its payload names
only the complaint's code) is rendered when it is sent, from the store.

The outbox worker attaches the tickets of a whole claim at once (`attach_tickets`: the kept ones as they are, the
others read in four queries however many deliveries, each complaint rendered once for all its deliveries), so a
deliverer usually finds the ticket on the delivery; `fetch_ticket` finds it alone when it is not there (a claim whose
reading failed, a test calling a deliverer directly).

A ticket's `ticket_url` is the page its reader opens: the agency inbox's (`/agency/tickets/<code>`), or for a
delivery to the triage team, whose people are the operators, the console's (`/dashboard/complaints/<code>`);
`api_url` is the agency API's, for an agency's own system. Every renderer links to `ticket_url`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

from sqlalchemy import Connection, select

from complaints.links import agency_api_url, agency_page_url, page_url_for
from providers.outcome import Delivery, Outcome, Permanent, RetryLater
from router import InForce
from store import models as m
from store import tickets
from store.db import Database, StoreUnavailable, off_loop, reading
from store.rows import ticket_view

# Codes per IN list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def with_links(view: dict, public_url: str) -> dict:
    """The ticket with the pages its agency opens: the inbox's, the agency API's, the public tracking page."""
    code = view["code"]
    return {**view, "ticket_url": agency_page_url(public_url, code), "api_url": agency_api_url(public_url, code),
            "track_url": f"{public_url}/track/{code}"}


def agency_view(row: Mapping, details: Mapping, config, public_url: str) -> dict:
    """The complaint for its agency: no reporter identity when anonymous, no operator-only fields."""
    return with_links(ticket_view(row, config, reporter=details["reporter"], attachments=details["attachments"],
                                  followups=details["followups"]), public_url)


def ticket_details(conn: Connection, complaint: Mapping) -> dict:
    """What one complaint's ticket shows beside it (store.tickets.ticket_details)."""
    return tickets.ticket_details(conn, [complaint])[complaint["id"]]


def load_tickets(conn: Connection, codes: Iterable[str], config, public_url: str) -> dict[str, dict]:
    """Read these complaints and render each as its agency's ticket, keyed by code; unknown codes are left out."""
    wanted = sorted(set(codes))
    found: dict[str, dict] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = list(conn.execute(select(m.Complaint.__table__)
                                 .where(m.Complaint.code.in_(wanted[start:start + CHUNK]))).mappings())
        details = tickets.ticket_details(conn, rows) if rows else {}
        for row in rows:
            found[row["code"]] = agency_view(row, details[row["id"]], config, public_url)
    return found


def load_ticket(conn: Connection, code: str, config, public_url: str) -> dict | None:
    """Read a complaint and render it as its agency's ticket, or None if there is no such code."""
    return load_tickets(conn, [code], config, public_url).get(code)


def queued_ticket(delivery: Delivery, public_url: str) -> dict | None:
    """The ticket the delivery was queued with, linked; None for a delivery queued without one."""
    kept = delivery.payload.get("ticket") if isinstance(delivery.payload, dict) else None
    if not isinstance(kept, dict) or not isinstance(kept.get("code"), str):
        return None
    return with_links(kept, public_url)


def ticket_code(delivery: Delivery) -> str | None:
    """The complaint an agency delivery is about, if it names one."""
    code = delivery.payload.get("code") if isinstance(delivery.payload, dict) else None
    return code if isinstance(code, str) and code else None


def for_delivery(ticket: dict, delivery: Delivery, triage: str, public_url: str) -> dict:
    """The ticket as this delivery sends it: with the payload's `reason` (the sweep's "overdue" reminder) when given,
    and linking to the page its reader opens (the console's for the triage team, `triage` in rules.yaml)."""
    changed = {}
    reason = delivery.payload.get("reason") if isinstance(delivery.payload, dict) else None
    if isinstance(reason, str) and reason:
        changed["reason"] = reason
    page = page_url_for(public_url, ticket["code"], delivery.agency, triage)
    if page != ticket["ticket_url"]:
        changed["ticket_url"] = page
    return {**ticket, **changed} if changed else ticket


def attach_tickets(conn: Connection, deliveries: list[Delivery], config, public_url: str) -> list[Delivery]:
    """Give every agency delivery of a claim its ticket: the one it was queued with, else read now, each complaint
    read and rendered once."""
    kept = {d.delivery_id: t for d in deliveries if d.agency is not None and (t := queued_ticket(d, public_url))}
    codes = {ticket_code(d) for d in deliveries if d.agency is not None and d.delivery_id not in kept} - {None}
    loaded = load_tickets(conn, codes, config, public_url) if codes else {}

    def ticket_of(d: Delivery) -> dict | None:
        if d.agency is None:
            return None
        return kept.get(d.delivery_id) or loaded.get(ticket_code(d) or "")

    return [dataclasses.replace(d, ticket=for_delivery(ticket, d, config.triage, public_url))
            if (ticket := ticket_of(d)) is not None else d
            for d in deliveries]


@dataclass(frozen=True)
class TicketSource:
    """What the agencies' deliverers read tickets with: the store, the config in force, the service's public URL."""

    db: Database
    in_force: InForce
    public_url: str
    executor: Executor | None = None  # None: the event loop's default pool

    @property
    def config(self):
        return self.in_force.config


def ticket_preparer(source: TicketSource):
    """The outbox worker's `prepare`: attach the tickets of a claim's deliveries, read with the config in force."""

    def prepare(deliveries: list[Delivery]) -> list[Delivery]:
        with source.db.reader.connect() as conn:
            return attach_tickets(conn, deliveries, source.config, source.public_url)

    return prepare


async def fetch_ticket(source: TicketSource, delivery: Delivery) -> Mapping | Outcome:
    """The delivery's ticket: the one attached at claim time, else the one it was queued with, else loaded now; or the
    outcome standing in for it."""
    if delivery.ticket is not None:
        return delivery.ticket
    kept = queued_ticket(delivery, source.public_url)
    if kept is not None:
        return for_delivery(kept, delivery, source.config.triage, source.public_url)
    code = ticket_code(delivery)
    if code is None:
        return Permanent("the delivery names no complaint")
    try:
        ticket = await off_loop(source.executor, reading, source.db, load_ticket, code, source.config, source.public_url)
    except StoreUnavailable as exc:
        return RetryLater(f"store unavailable while loading {code}: {exc}"[:300])
    if ticket is None:
        return Permanent(f"no complaint {code}")
    return for_delivery(ticket, delivery, source.config.triage, source.public_url)
