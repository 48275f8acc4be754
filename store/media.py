"""The media fetcher's SQL over `attachments` (SPEC section 16): claim due rows, record what each fetch came to.

Each function runs inside its caller's short transaction and decides nothing (media/worker.py does). A claim takes
rows pending or failed and due, or fetching with the lease run out (a stopped fetcher's); on PostgreSQL rows locked
by another instance's claim are skipped, not waited for. An outcome is written only if its claim still owns the row
(still fetching, same attempt), so a claim whose lease ran out cannot overwrite a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, or_, select, update

from store.models import Attachment, Complaint

ATTACHMENTS = Attachment.__table__
COMPLAINTS = Complaint.__table__


def due(conn: Connection, now: datetime, limit: int) -> list[Row]:
    """Up to `limit` rows due for a fetch, longest waiting first, with their complaint's `anonymous`."""
    a = ATTACHMENTS.c
    query = (select(a.id, a.complaint_id, a.kind, a.name, a.channel_ref, a.fetch_via, a.fetch_attempts, a.created_at,
                    COMPLAINTS.c.anonymous)
             .join(COMPLAINTS, COMPLAINTS.c.id == a.complaint_id)
             .where(or_(and_(a.fetch_state.in_(("pending", "failed")), a.fetch_next_at <= now),
                        and_(a.fetch_state == "fetching", a.fetch_lease_until < now)))
             .order_by(a.fetch_next_at).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=ATTACHMENTS)
    return list(conn.execute(query).all())


def mark_fetching(conn: Connection, ids: Sequence[int], lease_until: datetime) -> None:
    """Claim these rows: fetching until `lease_until`, one attempt more."""
    conn.execute(update(ATTACHMENTS).where(ATTACHMENTS.c.id.in_(ids))
                 .values(fetch_state="fetching", fetch_lease_until=lease_until,
                         fetch_attempts=ATTACHMENTS.c.fetch_attempts + 1))


def record(conn: Connection, attachment_id: int, attempt: int, values: dict[str, Any]) -> bool:
    """Write a fetch's outcome (`fetch_state` and what goes with it) if its claim still owns the row."""
    done = conn.execute(update(ATTACHMENTS)
                        .where(ATTACHMENTS.c.id == attachment_id, ATTACHMENTS.c.fetch_state == "fetching",
                               ATTACHMENTS.c.fetch_attempts == attempt)
                        .values(fetch_lease_until=None, **values))
    return done.rowcount == 1
