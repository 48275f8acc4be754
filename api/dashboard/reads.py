"""What the dashboard reads from the store besides the stats and the session: the queues and the outbox's health.

Each function takes a Connection (run through `runtime.read`) and returns plain values; the lists are
bounded and come with the count of everything, so a page costs the same with a million complaints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, select

from reports.load import load_cells
from reports.period import Period
from reports.stats import IN_PROCESS, Cell
from store import models as m
from store import inbox, queries

C = m.Complaint.__table__
O = m.Outbox.__table__
DIMENSIONS = ("region", "agency", "category", "channel")
LISTED = 20  # rows of each queue on the page; the rest are counted
DEAD_LISTED = 10
PREVIEW_CHARS = 140
DELIVERY_STATES = ("pending", "sending", "failed", "dead", "refused", "undeliverable", "delivered")


@dataclass
class Overview:
    """The dashboard's data for one period, read on one connection."""

    cells: dict[str, list[Cell]] = field(default_factory=dict)  # by dimension
    triage: list[Mapping] = field(default_factory=list)  # oldest first
    triage_total: int = 0
    overdue: list[Mapping] = field(default_factory=list)  # most overdue first
    overdue_total: int = 0
    outbox: dict[str, int] = field(default_factory=dict)  # state -> deliveries
    dead: list[Mapping] = field(default_factory=list)  # latest first


def load_overview(conn: Connection, period: Period, now: datetime) -> Overview:
    """Read the period's stats cells by each dimension, the triage and overdue queues and the outbox's health."""
    view = Overview()
    for by in DIMENSIONS:
        view.cells[by] = load_cells(conn, period, by, now)
    waiting = C.c.status.in_(("new", "triage"))
    view.triage = list(conn.execute(
        select(C.c.code, C.c.status, C.c.kind, C.c.channel, C.c.region, C.c.category, C.c.priority, C.c.received_at,
               func.substr(C.c.text, 1, PREVIEW_CHARS + 1).label("preview"))
        .where(waiting).order_by(C.c.received_at, C.c.id).limit(LISTED)).mappings())
    view.triage_total = conn.execute(select(func.count()).select_from(C).where(waiting)).scalar_one()
    late = C.c.overdue.is_(True) & C.c.status.in_(IN_PROCESS)
    due_at = inbox.due_at()
    view.overdue = list(conn.execute(
        select(C.c.code, C.c.status, C.c.agency, C.c.region, C.c.category, C.c.priority, due_at.label("due_at"),
               C.c.overdue_since, C.c.escalated_at)
        .where(late).order_by(due_at.is_(None), due_at, C.c.overdue_since, C.c.id).limit(LISTED)).mappings())
    view.overdue_total = conn.execute(select(func.count()).select_from(C).where(late)).scalar_one()
    view.outbox = {state: 0 for state in DELIVERY_STATES}
    view.outbox.update(dict(conn.execute(select(O.c.state, func.count()).group_by(O.c.state)).all()))
    view.dead = list(conn.execute(
        select(O.c.delivery_id, O.c.agency, O.c.transport, O.c.event, O.c.attempts, O.c.last_error, O.c.updated_at,
               C.c.code.label("complaint_code"))
        .select_from(O.outerjoin(C, C.c.id == O.c.complaint_id))
        .where(O.c.state == "dead").order_by(O.c.updated_at.desc(), O.c.id.desc()).limit(DEAD_LISTED)).mappings())
    return view


def load_complaint(conn: Connection, code: str) -> tuple[Mapping, dict] | None:
    """Return a complaint by its canonical code with its timeline, deliveries (each with its attempts and the
    provider's status reports, `statuses`), follow-ups and reporter, or None."""
    row = queries.find_complaint(conn, code)
    if row is None:
        return None
    return row, queries.complaint_details(conn, row)


def load_file(conn: Connection, attachment_id: int) -> tuple[Mapping, Mapping, list[Mapping]] | None:
    """An attachment with its complaint and the complaint's reach timeline (who besides its holder may read it), or
    None when there is no such attachment."""
    A = m.Attachment.__table__
    attachment = conn.execute(select(A).where(A.c.id == attachment_id)).mappings().first()
    if attachment is None:
        return None
    complaint = conn.execute(select(C.c.id, C.c.code, C.c.agency, C.c.anonymous)
                             .where(C.c.id == attachment["complaint_id"])).mappings().one()
    return attachment, complaint, queries.reach_timeline(conn, complaint["id"])
