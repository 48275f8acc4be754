"""The in-process writer: one thread stores whatever arrived while its previous commit ran.

`serve` uses the writer process (intake/process_writer.py) so that storing does not share the
event loop's GIL; this thread writer serves the tests and embedded use. Both store through
`intake.batch.write_batch`.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from complaints.model import InboundMessage, IntakeResult
from config.loader import Config
from intake.batch import WriteItem, write_batch
from store.db import Database, StoreUnavailable

MAX_BATCH = 256


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(slots=True)
class Pending:
    """One message waiting to be written, and the caller waiting for its result."""

    item: WriteItem
    future: asyncio.Future


def resolve(pending: list, error: StoreUnavailable | None) -> None:
    """Answer each waiting caller with its item's result, or with the batch's error."""
    for p in pending:
        if p.future.done():
            continue
        if error is not None or p.item.result is None:
            p.future.set_exception(error or StoreUnavailable("the complaint could not be stored"))
        else:
            p.future.set_result(p.item.result)


class ThreadWriter:
    """`submit` from the event loop; commits happen on one thread, a batch per transaction."""

    def __init__(self, db: Database, public_url: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the writer thread; call from the event loop that will submit."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Write what is queued, then stop the thread."""
        if self._thread is None:
            return
        self._stopping = True
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
        self._thread = None
        left = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None:
                left.append(item)
        resolve(left, StoreUnavailable("intake is stopping"))

    async def submit(self, msg: InboundMessage, config: Config) -> IntakeResult:
        """Store a message and answer once it is committed; raise StoreUnavailable if it could not be."""
        if self._thread is None or self._stopping:
            raise StoreUnavailable("intake is not running")
        future = self._loop.create_future()
        self._queue.put(Pending(WriteItem(msg, config), future))
        return await future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            error = write_batch(self.db, [p.item for p in batch], self.clock(), self.public_url)
            self._loop.call_soon_threadsafe(resolve, batch, error)
