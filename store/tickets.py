"""The tickets agencies are sent, read from the store: each complaint with what its ticket shows beside it.

A delivery to an agency carries its ticket as things stood when it was queued (store.rows.ticket_view, in the outbox
row's payload), so these reads run in the transaction that queues it, after the change it tells of. Every function
reads a whole list of complaints in a fixed number of queries, however many there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, select

from store import models as m
from store.rows import ticket_view

# Ids or codes per IN list: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
C = m.Complaint.__table__


def _by_complaint(conn: Connection, table, ids: list[int]) -> dict[int, list[Mapping]]:
    found: dict[int, list[Mapping]] = {cid: [] for cid in ids}
    for row in conn.execute(select(table.__table__).where(table.complaint_id.in_(ids)).order_by(table.id)).mappings():
        found[row["complaint_id"]].append(row)
    return found


def ticket_details(conn: Connection, rows: list[Mapping]) -> dict[int, dict]:
    """What tickets show beside their complaints, by complaint id: the reporter (unless anonymous), attachments
    and follow-ups; not the timeline, deliveries or attempts, since this runs for every delivery."""
    ids = [row["id"] for row in rows]
    reporter_ids = sorted({row["reporter_id"] for row in rows if row["reporter_id"] is not None and not row["anonymous"]})
    reporters = {r["id"]: r for r in conn.execute(
        select(m.Reporter.__table__).where(m.Reporter.id.in_(reporter_ids))).mappings()} if reporter_ids else {}
    attachments = _by_complaint(conn, m.Attachment, ids)
    followups = _by_complaint(conn, m.FollowUp, ids)
    return {row["id"]: {"reporter": None if row["anonymous"] else reporters.get(row["reporter_id"]),
                        "attachments": attachments[row["id"]], "followups": followups[row["id"]]}
            for row in rows}


def snapshots(conn: Connection, config, ids: Iterable[int]) -> dict[int, dict]:
    """The tickets of these complaints as they stand now, by complaint id (unknown ids left out)."""
    wanted = sorted(set(ids))
    found: dict[int, dict] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = list(conn.execute(select(C).where(C.c.id.in_(wanted[start:start + CHUNK]))).mappings())
        details = ticket_details(conn, rows) if rows else {}
        for row in rows:
            found[row["id"]] = ticket_view(row, config, **details[row["id"]])
    return found


def snapshot(conn: Connection, config, complaint_id: int) -> dict:
    """One complaint's ticket as it stands now."""
    return snapshots(conn, config, [complaint_id])[complaint_id]
