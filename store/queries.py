"""Read queries and small writes outside intake; each takes a Connection and returns plain mappings."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select, update

from complaints.model import OPEN_STATUSES
from store import access, search
from store import models as m


def find_complaint(conn: Connection, code: str) -> Mapping | None:
    """Return a complaint row by its canonical code."""
    return conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().first()


def reach_timeline(conn: Connection, complaint_id: int) -> list[Mapping]:
    """Return the events that decide who may reach a complaint (complaints.reach), in order: every status change
    (hand-overs and forwards included) and every escalation; one range read of the events' complaint index."""
    E = m.Event.__table__
    return list(conn.execute(
        select(E.c.type, E.c.status, E.c.data)
        .where(E.c.complaint_id == complaint_id, or_(E.c.status.is_not(None), E.c.type == "escalated"))
        .order_by(E.c.id)).mappings())


def find_ticket(conn: Connection, code: str) -> tuple[Mapping, list[Mapping]] | None:
    """Return a complaint by its canonical code with its reach timeline (see reach_timeline), or None."""
    row = find_complaint(conn, code)
    return None if row is None else (row, reach_timeline(conn, row["id"]))


def complaint_details(conn: Connection, complaint: Mapping) -> dict[str, list[Mapping]]:
    """Return the timeline, deliveries (each with its `attempts_log` and the provider's `statuses`), attachments and
    follow-ups of a complaint, its reporter, and the delivery attempts keyed by outbox id."""
    cid = complaint["id"]

    def rows(table, order):
        return list(conn.execute(select(table.__table__).where(table.complaint_id == cid).order_by(order)).mappings())

    reporter = None
    if complaint["reporter_id"] is not None:
        reporter = conn.execute(select(m.Reporter.__table__).where(m.Reporter.id == complaint["reporter_id"])).mappings().first()
    # Every attempt at every delivery of the complaint, in one query, keyed by outbox id.
    attempts: dict[int, list[Mapping]] = {}
    outbox_ids = select(m.Outbox.id).where(m.Outbox.complaint_id == cid).scalar_subquery()
    for a in conn.execute(
        select(m.DeliveryAttempt.__table__).where(m.DeliveryAttempt.outbox_id.in_(outbox_ids))
        .order_by(m.DeliveryAttempt.outbox_id, m.DeliveryAttempt.attempt, m.DeliveryAttempt.id)
    ).mappings():
        attempts.setdefault(a["outbox_id"], []).append(a)
    # The provider's status reports of every delivery, in the provider's time order, in one query.
    S = m.DeliveryStatus.__table__
    statuses: dict[int, list[Mapping]] = {}
    for s in conn.execute(select(S).where(S.c.outbox_id.in_(outbox_ids))
                          .order_by(S.c.outbox_id, func.coalesce(S.c.at, S.c.received_at), S.c.id)).mappings():
        statuses.setdefault(s["outbox_id"], []).append(s)
    # Each delivery carries its attempts and statuses, so views given only the deliveries show them too.
    deliveries = [dict(d, attempts_log=attempts.get(d["id"], []), statuses=statuses.get(d["id"], []))
                  for d in rows(m.Outbox, m.Outbox.id)]
    return {
        "events": rows(m.Event, m.Event.id),
        "deliveries": deliveries,
        "attempts": attempts,
        "attachments": rows(m.Attachment, m.Attachment.id),
        "followups": rows(m.FollowUp, m.FollowUp.id),
        "reporter": reporter,
    }


def public_events(conn: Connection, complaint_id: int) -> list[Mapping]:
    """Return the public timeline events of a complaint."""
    return list(
        conn.execute(
            select(m.Event.__table__).where(m.Event.complaint_id == complaint_id, m.Event.public.is_(True)).order_by(m.Event.id)
        ).mappings()
    )


@dataclass(frozen=True)
class ComplaintFilter:
    """Filters of the operator list (SPEC section 7)."""

    status: str | None = None
    agency: str | None = None
    region: tuple[str, ...] | None = None  # the region and everything below it
    channel: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    overdue: bool = False  # only those past their due time, still in process
    waiting_at: datetime | None = None  # only those waiting for the citizen's answer at this time


def encode_cursor(received_at: datetime, ident: int) -> str:
    raw = json.dumps([received_at.isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Decode a list cursor; raise ValueError when it is not one of ours."""
    padded = cursor + "=" * (-len(cursor) % 4)
    at, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
    return datetime.fromisoformat(at), int(ident)


def list_complaints(conn: Connection, f: ComplaintFilter, limit: int, cursor: str | None,
                    oldest_first: bool = False) -> tuple[list[Mapping], str | None, dict]:
    """Return a page of complaints, newest first (or oldest first: the triage queue), the cursor of the next page,
    and their reporters by id."""
    c = m.Complaint
    query = select(c.__table__)
    if f.status:
        query = query.where(c.status == f.status)
    if f.agency:
        query = query.where(c.agency == f.agency)
    if f.region is not None:
        query = query.where(c.region.in_(f.region))
    if f.channel:
        query = query.where(c.channel == f.channel)
    if f.category:
        query = query.where(c.category == f.category)
    if f.since:
        query = query.where(c.received_at >= f.since)
    if f.until:
        query = query.where(c.received_at < f.until)
    if f.q:
        query = query.where(search.matching(conn, f.q))
    if f.overdue:
        query = query.where(c.overdue.is_(True), c.status.in_(OPEN_STATUSES))
    if f.waiting_at is not None:
        query = query.where(c.waiting_until > f.waiting_at)
    if cursor:
        at, ident = decode_cursor(cursor)
        if oldest_first:
            query = query.where(or_(c.received_at > at, and_(c.received_at == at, c.id > ident)))
        else:
            query = query.where(or_(c.received_at < at, and_(c.received_at == at, c.id < ident)))
    order = (c.received_at, c.id) if oldest_first else (c.received_at.desc(), c.id.desc())
    rows = list(conn.execute(query.order_by(*order).limit(limit + 1)).mappings())
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_cursor(rows[-1]["received_at"], rows[-1]["id"])
    ids = {row["reporter_id"] for row in rows if row["reporter_id"] is not None}
    reporters = {}
    if ids:
        reporters = {r["id"]: r for r in conn.execute(select(m.Reporter.__table__).where(m.Reporter.id.in_(ids))).mappings()}
    return rows, following, reporters


def add_token(conn: Connection, token_hash: str, role: str, agency: str | None, label: str | None, now: datetime) -> None:
    """Store a token that never expires (tests and tools; store/access.py has the rest of a token's life)."""
    access.add_token(conn, token_hash, role, agency, label, now)


def status_counts(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(m.Complaint.status, func.count()).group_by(m.Complaint.status)).all())


def outbox_counts(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(m.Outbox.state, func.count()).group_by(m.Outbox.state)).all())


def ping(conn: Connection) -> None:
    conn.execute(select(1))


DELIVERY_STATES = ("pending", "sending", "delivered", "failed", "dead", "refused", "undeliverable")


def list_deliveries(conn: Connection, state: str | None, limit: int, after: int | None) -> tuple[list[Mapping], int | None]:
    """Return outbox rows (newest first) with their complaint's code, and the id to continue after."""
    o = m.Outbox
    query = select(o.__table__, m.Complaint.code.label("complaint_code")).outerjoin(m.Complaint, m.Complaint.id == o.complaint_id)
    if state:
        query = query.where(o.state == state)
    if after is not None:
        query = query.where(o.id < after)
    rows = list(conn.execute(query.order_by(o.id.desc()).limit(limit + 1)).mappings())
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = rows[-1]["id"]
    return rows, following


def retry_delivery(conn: Connection, delivery_id: str, now: datetime) -> tuple[Mapping | None, str | None]:
    """Put a failed, dead or undeliverable delivery back in line to be sent now, under the same delivery id (an
    undeliverable notice goes once the citizen has written again and reopened the platform's window).

    Returns the row (None if there is no such delivery) and the state it had when that state did not
    allow a retry (None when it was put back in line).
    """
    o = m.Outbox
    row = conn.execute(select(o.__table__).where(o.delivery_id == delivery_id)).mappings().first()
    if row is None:
        return None, None
    if row["state"] not in ("failed", "dead", "undeliverable"):
        return row, row["state"]
    conn.execute(update(o).where(o.id == row["id"]).values(state="pending", next_attempt_at=now, lease_until=None,
                                                            updated_at=now))
    return conn.execute(select(o.__table__).where(o.id == row["id"])).mappings().one(), None
