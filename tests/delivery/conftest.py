"""Fixtures of the outbox tests: a store per test, rows written with SQLAlchemy Core, scripted deliverers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select

from app.build import build_runtime
from complaints.model import InboundMessage
from providers.outcome import Delivered, Delivery, Outcome
from intake.batch import WriteItem, write_batch
from store.db import Database
from store.models import Outbox
from tests.conftest import with_env

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # when file_complaint files, by default


class OutboxTable:
    """Write outbox rows as intake does and read them back."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, count: int = 1, *, transport: str = "webhook", at: datetime = T0, **columns) -> list[str]:
        """Insert `count` due rows (pending, no attempt yet) and return their delivery ids."""
        rows = []
        for _ in range(count):
            row = {
                "delivery_id": str(uuid.uuid4()),
                "complaint_id": None,
                "audience": "agency",
                "transport": transport,
                "agency": "dinkes-ntb",
                "target": "https://agency.test/hook",
                "event": "ticket.assigned",
                "payload": {"code": "ADU-TEST"},
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": at,
                "lease_until": None,
                "last_error": None,
                "created_at": at,
                "updated_at": at,
            }
            row.update(columns)
            rows.append(row)
        with self.db.writer.begin() as conn:
            conn.execute(insert(Outbox), rows)
        return [r["delivery_id"] for r in rows]

    def get(self, delivery_id: str):
        """Return one row by its delivery id."""
        with self.db.reader.connect() as conn:
            return conn.execute(select(Outbox.__table__).where(Outbox.delivery_id == delivery_id)).one()

    def all(self) -> dict[str, object]:
        """Return every row by delivery id."""
        with self.db.reader.connect() as conn:
            return {r.delivery_id: r for r in conn.execute(select(Outbox.__table__))}

    def states(self, transport: str | None = None) -> Counter:
        """Count rows per state, of one transport or of all."""
        return Counter(r.state for r in self.all().values() if transport is None or r.transport == transport)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> float:
        """Poll the store until `predicate()` holds; return the seconds it took, fail after `timeout`."""
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout:
                raise AssertionError(f"not within {timeout} s; states now {dict(self.states())}")
            await asyncio.sleep(0.02)
        return time.monotonic() - started


class FakeDeliverer:
    """A deliverer answering from a script (per delivery id; the last answer repeats) that counts its calls."""

    def __init__(self, *outcomes: Outcome | BaseException, delay: float = 0.0) -> None:
        self.outcomes = list(outcomes) or [Delivered()]
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.seen: list[Delivery] = []
        self.started = asyncio.Event()

    async def __call__(self, delivery: Delivery, session) -> Outcome:
        n = self.calls[delivery.delivery_id]
        self.calls[delivery.delivery_id] += 1
        self.seen.append(delivery)
        self.started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        outcome = self.outcomes[min(n, len(self.outcomes) - 1)]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def outbox(db) -> OutboxTable:
    """The outbox table of the test's database."""
    return OutboxTable(db)


@pytest.fixture
def fake():
    """Build scripted deliverers: `fake(RetryLater("HTTP 503"), Delivered(), delay=0.1)`."""
    return FakeDeliverer


@pytest.fixture
def make_runtime(env, sample_config):
    """Build runtimes on the test's database with other environment values (closed after the test)."""
    built = []

    def build(**changes):
        rt = build_runtime(with_env(env, **changes), sample_config)
        built.append(rt)
        return rt

    yield build
    for rt in built:
        rt.readers.shutdown(wait=True)
        rt.db.dispose()


@pytest.fixture
def file_complaint():
    """File a message through intake's writer (as a channel would) and return the complaint's code."""
    counter = iter(range(1, 10_000))

    def file(runtime, text: str, *, at: datetime = NOW, **fields) -> str:
        fields.setdefault("channel", "web")
        msg = InboundMessage(provider_message_id=f"m-{next(counter)}", text=text, received_at=at, raw="{}", **fields)
        item = WriteItem(msg, runtime.config)
        assert write_batch(runtime.db, [item], at, runtime.env.public_url) is None
        return item.result.code

    return file
