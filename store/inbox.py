"""What the agency inbox reads (SPEC section 14): an agency's open tickets, late ones first then by due time, in
cursor pages; the tickets it resolved lately; and one ticket's whole timeline.

Each function takes a Connection and returns plain values. The lists read one agency's rows through
`ix_complaints_agency (agency, status)` and are bounded by their limit, so a page costs the same however many
complaints the store holds.

A ticket is late ("terlambat") when the sweep flagged it overdue or its due time has passed at `now`, the time the
first page was read; the due time is the acknowledgement's while the ticket waits to be acknowledged, the
resolution's after.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, func, or_, select

from store import models as m
from store import search

C = m.Complaint.__table__
E = m.Event.__table__
OPEN = ("assigned", "acknowledged", "in_progress")
PREVIEW_CHARS = 140
RESOLVED_LISTED = 10
RESOLVED_WITHIN = timedelta(days=14)
EVENTS_READ = 2000  # a ticket's timeline is read whole up to here (a few dozen steps in practice)


@dataclass(frozen=True)
class InboxFilter:
    """What an officer asked the inbox for: their agency's open tickets, of one status, late ones only, a search."""

    agency: str
    status: str | None = None  # one of OPEN; None: all of them
    overdue: bool = False
    q: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of the inbox: its rows, the cursor of the next page (None on the last) and the time it is read at."""

    rows: list[Mapping]
    following: str | None
    as_of: datetime


def due_at():
    """The due time a complaint waits on: the triage due time in triage (the sweep keeps it in acknowledge_due_at),
    acknowledgement while assigned, resolution after. The inbox, the overview and the sweep's digest read it alike."""
    return case((C.c.status.in_(("new", "triage", "assigned")), C.c.acknowledge_due_at), else_=C.c.resolve_due_at)


def late(now: datetime):
    """The condition "late at `now`": flagged overdue by the sweep, or past its due time."""
    due = due_at()
    return or_(C.c.overdue.is_(True), and_(due.is_not(None), due < now))


def _order(now: datetime):
    """The inbox's order as columns: late first (0), then those with a due time (0), by due time, then by id."""
    return (case((late(now), 0), else_=1), case((due_at().is_(None), 1), else_=0), due_at(), C.c.id)


def encode_cursor(as_of: datetime, row: Mapping) -> str:
    """The cursor after `row` of a list read at `as_of`."""
    raw = json.dumps([as_of.isoformat(), row["late_rank"], row["due_at"].isoformat() if row["due_at"] else None,
                      row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int, datetime | None, int]:
    """Decode an inbox cursor; raise ValueError when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        as_of, rank, due, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(as_of)
        due_moment = datetime.fromisoformat(due) if due is not None else None
    except (TypeError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not an inbox cursor") from exc
    if moment.tzinfo is None or (due_moment is not None and due_moment.tzinfo is None) or rank not in (0, 1):
        raise ValueError("not an inbox cursor")
    return moment, int(rank), due_moment, int(ident)


def _after(now: datetime, rank: int, due: datetime | None, ident: int):
    """The rows that come after (rank, due, id) in the inbox's order at `now`."""
    late_rank, no_due, due_col, id_col = _order(now)
    if due is None:
        same_place = and_(late_rank == rank, no_due == 1, id_col > ident)
        return or_(late_rank > rank, same_place)
    return or_(late_rank > rank,
               and_(late_rank == rank, no_due == 1),
               and_(late_rank == rank, no_due == 0, or_(due_col > due, and_(due_col == due, id_col > ident))))


def _conditions(conn: Connection, f: InboxFilter, now: datetime) -> list:
    found = [C.c.agency == f.agency, C.c.status == f.status if f.status in OPEN else C.c.status.in_(OPEN)]
    if f.overdue:
        found.append(late(now))
    if f.q:
        found.append(search.matching(conn, f.q))
    return found


def _listed(now: datetime):
    """The columns of a listed ticket."""
    late_rank = _order(now)[0]
    return (C.c.id, C.c.code, C.c.status, C.c.region, C.c.category, C.c.priority, C.c.received_at, C.c.resolved_at,
            C.c.overdue, C.c.waiting_until, due_at().label("due_at"), late_rank.label("late_rank"),
            func.substr(C.c.text, 1, PREVIEW_CHARS + 1).label("preview"))


def list_inbox(conn: Connection, f: InboxFilter, limit: int, cursor: str | None, now: datetime) -> Page:
    """Return a page of the agency's open tickets, late first then by due time (none last), and the next cursor.

    A cursor carries the time its list was first read at, so a ticket that falls late while someone pages through
    neither shows twice nor goes missing. Raises ValueError for a cursor that is not one of ours.
    """
    where = _conditions(conn, f, now)
    as_of = now
    if cursor:
        as_of, rank, due, ident = decode_cursor(cursor)
        where = _conditions(conn, f, as_of) + [_after(as_of, rank, due, ident)]
    query = select(*_listed(as_of)).where(*where).order_by(*_order(as_of)).limit(limit + 1)
    rows = list(conn.execute(query).mappings())
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_cursor(as_of, rows[-1])
    return Page(rows, following, as_of)


def inbox_counts(conn: Connection, agency: str, now: datetime) -> tuple[int, int]:
    """Return how many open tickets the agency has, and how many of them are late at `now`."""
    total, overdue = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((late(now), 1), else_=0)), 0))
        .where(C.c.agency == agency, C.c.status.in_(OPEN))).one()
    return int(total), int(overdue)


def recently_resolved(conn: Connection, agency: str, now: datetime, limit: int = RESOLVED_LISTED) -> list[Mapping]:
    """Return the agency's tickets resolved in the last 14 days, latest first (at most `limit`)."""
    return list(conn.execute(
        select(*_listed(now))
        .where(C.c.agency == agency, C.c.status == "resolved", C.c.resolved_at >= now - RESOLVED_WITHIN)
        .order_by(C.c.resolved_at.desc(), C.c.id.desc()).limit(limit)).mappings())


def ticket_events(conn: Connection, complaint_id: int) -> list[Mapping]:
    """Return a ticket's timeline, every step in order (the page decides which an agency sees)."""
    return list(conn.execute(select(E).where(E.c.complaint_id == complaint_id).order_by(E.c.id)
                             .limit(EVENTS_READ)).mappings())
