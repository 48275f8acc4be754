"""Read a period's cohort for the stats: one grouped range read on `ix_complaints_received`.

Each complaint is classified in SQL into one outcome (see the constants in reports/stats.py, whose
docstring states the rules) and its durations are taken there in whole seconds; the store hands back
one row per group key, region, agency and outcome with the count and the durations concatenated, so a
month of a million complaints crosses into Python as some thousands of rows.
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import BigInteger, Connection, Integer, Text, and_, case, cast, extract, func, literal, or_, select

from reports.period import Period
from reports.stats import (
    BY,
    IN_TIME_UNKNOWN,
    OVERDUE,
    REJECTED,
    RESOLVED,
    RESOLVED_IN_TIME,
    RESOLVED_LATE,
    RESOLVED_NO_SLA,
    Cell,
)
from store import models as m

c = m.Complaint
# SQLite sorts a GROUP BY; with worker threads it sorts a large period in about two thirds of the time.
SQLITE_SORT_THREADS = min(4, os.cpu_count() or 1)


def _seconds(later, earlier, dialect: str):
    """Whole seconds from `earlier` to `later` (NULL when either is NULL), alike on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0), Integer)
    return cast(func.round(extract("epoch", later - earlier)), BigInteger)


def _concat(value, dialect: str):
    """The non-NULL values of a group as one comma-separated text."""
    if dialect == "sqlite":
        return func.group_concat(value)
    return func.string_agg(cast(value, Text), literal(","))


def outcome(now: datetime):
    """The SQL expression classifying a complaint as one outcome of reports/stats.py, as of `now`."""
    done = c.status.in_(RESOLVED)
    acknowledged_in_time = or_(c.acknowledge_due_at.is_(None),
                               func.coalesce(c.acknowledged_at, c.resolved_at, c.closed_at) <= c.acknowledge_due_at)
    resolved_in_time = or_(c.resolve_due_at.is_(None), func.coalesce(c.resolved_at, c.closed_at) <= c.resolve_due_at)
    late = or_(
        c.overdue.is_(True),
        # At the due time itself, as the sweep marks it (sweep/decide.py).
        and_(c.acknowledged_at.is_(None), c.acknowledge_due_at <= now),
        and_(c.resolved_at.is_(None), c.resolve_due_at <= now),
    )
    return case(
        (done, case(
            (and_(c.acknowledge_due_at.is_(None), c.resolve_due_at.is_(None)), RESOLVED_NO_SLA),
            (and_(acknowledged_in_time, resolved_in_time), RESOLVED_IN_TIME),
            else_=RESOLVED_LATE,
        )),
        (c.status == "rejected", REJECTED),
        (late, OVERDUE),
        else_=IN_TIME_UNKNOWN,
    )


def _numbers(text: str | None) -> tuple[int, ...]:
    return tuple(map(int, text.split(","))) if text else ()


def load_cells(conn: Connection, period: Period, by: str, now: datetime) -> list[Cell]:
    """Return the cohort of the period (complaints received in it) as cells by group key, region, agency and outcome."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    dialect = conn.dialect.name
    key = getattr(c, by)
    kind = outcome(now).label("outcome")
    acknowledge = _seconds(c.acknowledged_at, c.received_at, dialect)
    resolve = case((c.status.in_(RESOLVED), _seconds(func.coalesce(c.resolved_at, c.closed_at), c.received_at, dialect)))
    # Region and agency ride along whatever the key: the table's heading counts them.
    keys = list(dict.fromkeys([key, c.region, c.agency]))
    query = (
        select(key.label("key"), c.region, c.agency, kind, func.count(), _concat(acknowledge, dialect), _concat(resolve, dialect),
               func.count(c.rating), func.coalesce(func.sum(c.rating), 0))
        .where(c.received_at >= period.start, c.received_at < period.end)
        .group_by(*keys, kind)
    )
    threads = None
    if dialect == "sqlite":
        threads = conn.exec_driver_sql("PRAGMA threads").scalar()
        conn.exec_driver_sql(f"PRAGMA threads = {SQLITE_SORT_THREADS}")
    try:
        rows = conn.execute(query).all()
    finally:
        if threads is not None:
            conn.exec_driver_sql(f"PRAGMA threads = {int(threads)}")
    return [Cell(key=r[0], region=r[1], agency=r[2], outcome=int(r[3]), count=int(r[4]),
                 acknowledge=_numbers(r[5]), resolve=_numbers(r[6]), rated=int(r[7]), rating_sum=int(r[8]))
            for r in rows]
