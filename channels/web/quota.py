"""How much room the stored attachment files take, counted from the store, against `attachments_quota_bytes`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from store.models import Attachment


def stored_bytes(conn: Connection) -> int:
    """Return the size of every attachment file the store knows of (channel references take no room here)."""
    query = select(func.coalesce(func.sum(Attachment.size), 0)).where(Attachment.stored_path.is_not(None))
    return int(conn.execute(query).scalar_one())


class Room:
    """The bytes written by submissions still being read, which the store does not count yet (one per process)."""

    def __init__(self) -> None:
        self.pending = 0

    def fits(self, stored: int, size: int, quota: int) -> bool:
        """Tell whether a file of `size` bytes still fits under `quota`, with `stored` bytes in the store."""
        return stored + self.pending + size <= quota
