"""The ticket an agency receives: the complaint as agencies may see it, loaded when the delivery is sent."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from complaints.views import operator_view
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


def load_ticket(conn: Connection, code: str, config, public_url: str) -> dict | None:
    """Read a complaint and render it as its agency's ticket, or None if there is no such code."""
    row = queries.find_complaint(conn, code)
    if row is None:
        return None
    return agency_view(row, queries.complaint_details(conn, row), config, public_url)
