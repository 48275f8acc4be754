"""Engines for the store: a writer that cannot deadlock on SQLite, readers, and the schema check."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
BUSY_TIMEOUT_MS = int(os.environ.get("ADUAN_SQLITE_BUSY_TIMEOUT_MS", "5000"))


def json_serializer(value) -> str:
    """JSON columns: orjson is several times faster than the standard library on the intake path."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class StoreUnavailable(Exception):
    """The database cannot take the write or answer the read right now."""


def normalize_url(url: str) -> str:
    """Pick our drivers: psycopg 3 for `postgresql://`, the standard sqlite3 for `sqlite://`."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str, immediate: bool, synchronous: str = "FULL") -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # connecting will fail with the database's own error, answered as unavailable
    engine = create_engine(
        url,
        json_serializer=json_serializer,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take over transaction control from the sqlite3 module so that BEGIN is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a complaint acknowledged to a provider survives a power cut, not only a crash.
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A writer takes the write lock up front: a read-then-write upgrade could fail with
        # SQLITE_BUSY without waiting (https://www.sqlite.org/c3ref/busy_handler.html).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Database:
    """The engines of one database URL.

    `relaxed` is for writes that a power cut may undo without harm, because redoing them is safe: the outbox's
    claims and outcomes (a lost claim is claimed again, a lost outcome sends again under the same delivery id,
    which receivers drop). Its commits skip the flush to disk (SQLite WAL with synchronous=NORMAL, still
    consistent and durable across a crash of the process; PostgreSQL with synchronous_commit off), so the outbox
    does not wait for the disk once per claim and once per outcome.
    """

    url: str
    writer: Engine
    reader: Engine
    relaxed: Engine

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def dispose(self) -> None:
        for engine in {self.writer, self.reader, self.relaxed}:
            engine.dispose()


async def off_loop(executor: Executor | None, fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking store call in an executor; a driver error becomes StoreUnavailable (the caller answers 503)."""
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, lambda: fn(*args))
    except DBAPIError as exc:
        raise StoreUnavailable(str(exc).splitlines()[0][:200]) from exc


def reading(db: Database, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(connection, *args)` on a reader connection."""
    with db.reader.connect() as conn:
        return fn(conn, *args)


def writing(db: Database, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(connection, *args)` in one write transaction."""
    with db.writer.begin() as conn:
        return fn(conn, *args)


def open_database(url: str) -> Database:
    """Open engines for a database URL (nothing is connected until first use)."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return Database(url, _sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False),
                        _sqlite_engine(url, immediate=True, synchronous="NORMAL"))

    def postgresql(pool_size: int, **connect_args) -> Engine:
        return create_engine(url, json_serializer=json_serializer, pool_size=pool_size, max_overflow=pool_size,
                             pool_pre_ping=True, connect_args={"connect_timeout": 5, **connect_args})

    engine = postgresql(8)
    return Database(url, engine, engine, postgresql(2, options="-c synchronous_commit=off"))
