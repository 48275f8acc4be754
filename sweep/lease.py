"""A named lease in the database: one holder at a time across instances, taken back when it runs out.

Works the same on SQLite and PostgreSQL and needs no connection kept open (a PostgreSQL advisory lock would
need one dedicated session, and a lease also survives a pool recycling its connection). The holder names its
instance; a holder that dies leaves the lease to run out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, update
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import Lease

LEASES = Lease.__table__


def acquire(db: Database, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease until `now + ttl`; False when another holder's lease is still running."""
    with db.writer.begin() as conn:
        taken = conn.execute(
            update(LEASES).where(LEASES.c.name == name, or_(LEASES.c.holder == holder, LEASES.c.until < now))
            .values(holder=holder, until=now + ttl)
        ).rowcount
    if taken:
        return True
    try:
        with db.writer.begin() as conn:
            conn.execute(insert(LEASES).values(name=name, holder=holder, until=now + ttl))
    except IntegrityError:
        return False  # the lease exists and is someone else's (or was taken in between)
    return True


def release(db: Database, name: str, holder: str) -> None:
    """Give the lease up, if this holder still has it."""
    with db.writer.begin() as conn:
        conn.execute(delete(LEASES).where(LEASES.c.name == name, LEASES.c.holder == holder))
