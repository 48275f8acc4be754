"""Bulk inserts for the intake writer: one multi-row INSERT per table, values bound as SQLAlchemy binds them.

SQLAlchemy's executemany builds a parameter dict per row and runs every bind processor on it; for
the writer's small, hot batches that cost more than SQLite itself. Here each (table, columns, dialect)
gets its statement and processors once. Times repeat within a batch (`now`), so each processor
remembers its last value. The rows go in one `INSERT … VALUES (…), (…)`: the sqlite3 module lets go
of the GIL around every statement step, and with the event loop busy each step would wait for the
GIL again, so one step for the batch instead of one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from sqlalchemy import Connection, Table, text


def _memo(process: Callable | None) -> Callable | None:
    if process is None:
        return None
    last_in: list = [object(), None]

    def bound(value):
        if value is last_in[0]:
            return last_in[1]
        out = process(value)
        last_in[0], last_in[1] = value, out
        return out

    return bound


# Rows per statement: a few fixed sizes, so that a handful of statements per table stay prepared in
# the driver's cache (64 rows of the widest table stay far below SQLite's 32,766 parameters).
CHUNKS = (64, 16, 4, 1)


@lru_cache(maxsize=128)
def _statement(table: Table, columns: tuple[str, ...], dialect, rows: int) -> str:
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"
    one = f"({', '.join(mark for _ in columns)})"
    return f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES {', '.join([one] * rows)}"


@lru_cache(maxsize=64)
def _processors(table: Table, columns: tuple[str, ...], dialect) -> tuple:
    return tuple(table.c[c].type._cached_bind_processor(dialect) for c in columns)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict], columns: tuple[str, ...]) -> None:
    """Insert `rows` in multi-row INSERTs (64, 16, 4 or 1 rows each); a column missing from a row is NULL."""
    if not rows:
        return
    dialect = conn.dialect
    convert = [(i, _memo(p)) for i, p in enumerate(_processors(table, columns, dialect)) if p is not None]
    flat: list = []
    for row in rows:
        values = [row.get(c) for c in columns]
        for i, process in convert:
            if values[i] is not None:
                values[i] = process(values[i])
        flat.extend(values)
    width = len(columns)
    start = 0
    for size in CHUNKS:
        while len(rows) - start >= size:
            conn.exec_driver_sql(_statement(table, columns, dialect, size), tuple(flat[start * width : (start + size) * width]))
            start += size


def allocate_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """Reserve `count` primary keys for rows about to be inserted in this transaction."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        result = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        )
        return [row[0] for row in result]
    # SQLite: the writer holds the database's write lock (BEGIN IMMEDIATE), so nobody else can take these.
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").scalar_one()
    return list(range(top + 1, top + 1 + count))
