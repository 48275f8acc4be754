"""The CSV export (SPEC section 10): one row per complaint received in a period, streamed from the store.

Anonymous complaints leave the reporter's columns empty; confidential ones leave the text empty. Every
cell is guarded against formula injection, since the file is opened in spreadsheets.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from config.loader import Config
from reports.period import Period
from reports.render import safe_cell
from store import models as m

COLUMNS = (
    "code", "received_at", "channel", "kind", "region", "region_name", "category", "priority", "agency", "agency_name",
    "status", "assigned_at", "acknowledged_at", "resolved_at", "closed_at", "acknowledge_due_at", "resolve_due_at",
    "overdue", "anonymous", "confidential", "reporter_name", "reporter_phone", "reporter_email", "text",
)
TIMES = ("received_at", "assigned_at", "acknowledged_at", "resolved_at", "closed_at", "acknowledge_due_at", "resolve_due_at")
CHUNK = 1000


def export_row(row: Mapping, config: Config, zone: ZoneInfo) -> list[str]:
    """Return one complaint's CSV cells: local times with offset, names from the config, identity and text withheld as asked."""
    def local(value: datetime | None) -> str | None:
        return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None

    region = config.regions.get(row["region"])
    agency = config.agencies.get(row["agency"]) if row["agency"] is not None else None
    anonymous = bool(row["anonymous"])
    values = {
        **{name: row[name] for name in ("code", "channel", "kind", "region", "category", "priority", "agency", "status")},
        **{name: local(row[name]) for name in TIMES},
        "region_name": region.name if region is not None else row["region"],
        "agency_name": agency.name if agency is not None else row["agency"],
        "overdue": "true" if row["overdue"] else "false",
        "anonymous": "true" if anonymous else "false",
        "confidential": "true" if row["confidential"] else "false",
        "reporter_name": None if anonymous else row["reporter_name"],
        "reporter_phone": None if anonymous else row["reporter_phone"],
        "reporter_email": None if anonymous else row["reporter_email"],
        "text": None if row["confidential"] else row["text"],
    }
    return [safe_cell(values[name]) for name in COLUMNS]


def export_rows(conn: Connection, period: Period) -> Iterator[Mapping]:
    """Yield the period's complaints with their reporter, oldest first, read in chunks (never all at once)."""
    c, r = m.Complaint, m.Reporter
    query = (
        select(
            *(getattr(c, name) for name in ("code", "channel", "kind", "region", "category", "priority", "agency", "status",
                                            *TIMES, "overdue", "anonymous", "confidential", "text")),
            r.name.label("reporter_name"), r.phone.label("reporter_phone"), r.email.label("reporter_email"),
        )
        .outerjoin(r, r.id == c.reporter_id)
        .where(c.received_at >= period.start, c.received_at < period.end)
        .order_by(c.received_at, c.id)
        .execution_options(yield_per=CHUNK)
    )
    for chunk in conn.execute(query).mappings().partitions():
        yield from chunk


def write_export(conn: Connection, config: Config, period: Period, out: TextIO) -> int:
    """Write the header and one row per complaint of the period to `out`; return how many rows."""
    zone = ZoneInfo(period.timezone)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in export_rows(conn, period):
        writer.writerow(export_row(row, config, zone))
        count += 1
    return count
