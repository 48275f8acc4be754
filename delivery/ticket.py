"""The ticket an agency receives: the complaint as agencies may see it, rendered when the delivery is sent.

The outbox worker renders the tickets of a whole claim at once (`attach_tickets`: four queries however many
deliveries, each complaint rendered once for all its deliveries), so a deliverer usually finds the ticket on the
delivery; `fetch_ticket` loads it alone when it is not there (a claim whose reading failed, a test calling a
deliverer directly).

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
from complaints.views import operator_view
from providers.outcome import Delivery, Outcome, Permanent, RetryLater
from router import InForce
from store import models as m
from store.db import Database, StoreUnavailable, off_loop, reading

# Codes per IN list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def agency_view(row: Mapping, details: Mapping, config, public_url: str) -> dict:
    """The complaint for its agency: no reporter identity when anonymous, no operator-only fields."""
    view = operator_view(row, config, reporter=None if row["anonymous"] else details["reporter"],
                         attachments=details["attachments"], followups=details["followups"])
    if row["anonymous"]:
        view["reporter"] = None
    for private in ("rules_version", "language"):
        view.pop(private, None)
    view["ticket_url"] = agency_page_url(public_url, row["code"])
    view["api_url"] = agency_api_url(public_url, row["code"])
    view["track_url"] = f"{public_url}/track/{row['code']}"
    return view


def _by_complaint(conn: Connection, table, ids: list[int]) -> dict[int, list[Mapping]]:
    found: dict[int, list[Mapping]] = {cid: [] for cid in ids}
    for row in conn.execute(select(table.__table__).where(table.complaint_id.in_(ids)).order_by(table.id)).mappings():
        found[row["complaint_id"]].append(row)
    return found


def _details(conn: Connection, rows: list[Mapping]) -> dict[int, dict]:
    """What tickets show beside their complaints, by complaint id: the reporter (unless anonymous), attachments
    and follow-ups; not the timeline, deliveries or attempts, since this runs for every delivery sent."""
    ids = [row["id"] for row in rows]
    reporter_ids = sorted({row["reporter_id"] for row in rows if row["reporter_id"] is not None and not row["anonymous"]})
    reporters = {r["id"]: r for r in conn.execute(
        select(m.Reporter.__table__).where(m.Reporter.id.in_(reporter_ids))).mappings()} if reporter_ids else {}
    attachments = _by_complaint(conn, m.Attachment, ids)
    followups = _by_complaint(conn, m.FollowUp, ids)
    return {row["id"]: {"reporter": None if row["anonymous"] else reporters.get(row["reporter_id"]),
                        "attachments": attachments[row["id"]], "followups": followups[row["id"]]}
            for row in rows}


def ticket_details(conn: Connection, complaint: Mapping) -> dict:
    """What one complaint's ticket shows beside it (see _details)."""
    return _details(conn, [complaint])[complaint["id"]]


def load_tickets(conn: Connection, codes: Iterable[str], config, public_url: str) -> dict[str, dict]:
    """Read these complaints and render each as its agency's ticket, keyed by code; unknown codes are left out."""
    wanted = sorted(set(codes))
    tickets: dict[str, dict] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = list(conn.execute(select(m.Complaint.__table__)
                                 .where(m.Complaint.code.in_(wanted[start:start + CHUNK]))).mappings())
        details = _details(conn, rows) if rows else {}
        for row in rows:
            tickets[row["code"]] = agency_view(row, details[row["id"]], config, public_url)
    return tickets


def load_ticket(conn: Connection, code: str, config, public_url: str) -> dict | None:
    """Read a complaint and render it as its agency's ticket, or None if there is no such code."""
    return load_tickets(conn, [code], config, public_url).get(code)


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
    """Give every agency delivery of a claim its ticket, each complaint read and rendered once."""
    codes = {ticket_code(d) for d in deliveries if d.agency is not None} - {None}
    if not codes:
        return deliveries
    tickets = load_tickets(conn, codes, config, public_url)
    return [dataclasses.replace(d, ticket=for_delivery(tickets[code], d, config.triage, public_url))
            if d.agency is not None and (code := ticket_code(d)) in tickets else d
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
    """The delivery's ticket: the one rendered at claim time, else loaded now; or the outcome standing in for it."""
    if delivery.ticket is not None:
        return delivery.ticket
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
