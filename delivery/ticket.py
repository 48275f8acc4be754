"""The ticket an agency receives: the complaint as agencies may see it, loaded when the delivery is sent."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, select

from complaints.views import operator_view
from store import models as m
from store import queries


def agency_view(row: Mapping, details: Mapping, config, public_url: str) -> dict:
    """The complaint for its agency: no reporter identity when anonymous, no operator-only fields."""
    view = operator_view(row, config, reporter=None if row["anonymous"] else details["reporter"],
                         attachments=details["attachments"], followups=details["followups"])
    if row["anonymous"]:
        view["reporter"] = None
    for private in ("rules_version", "language"):
        view.pop(private, None)
    view["ticket_url"] = f"{public_url}/api/v1/agency/tickets/{row['code']}"
    view["track_url"] = f"{public_url}/track/{row['code']}"
    return view


def ticket_details(conn: Connection, complaint: Mapping) -> dict:
    """What a ticket shows beside the complaint: its reporter (unless anonymous), attachments and follow-ups.

    Not the timeline, deliveries or attempts: this runs for every delivery sent.
    """
    cid = complaint["id"]
    reporter = None
    if complaint["reporter_id"] is not None and not complaint["anonymous"]:
        reporter = conn.execute(select(m.Reporter.__table__).where(m.Reporter.id == complaint["reporter_id"])).mappings().first()
    attachments = list(conn.execute(select(m.Attachment.__table__).where(m.Attachment.complaint_id == cid)
                                    .order_by(m.Attachment.id)).mappings())
    followups = list(conn.execute(select(m.FollowUp.__table__).where(m.FollowUp.complaint_id == cid)
                                  .order_by(m.FollowUp.id)).mappings())
    return {"reporter": reporter, "attachments": attachments, "followups": followups}


def load_ticket(conn: Connection, code: str, config, public_url: str) -> dict | None:
    """Read a complaint and render it as its agency's ticket, or None if there is no such code."""
    row = queries.find_complaint(conn, code)
    if row is None:
        return None
    return agency_view(row, ticket_details(conn, row), config, public_url)
