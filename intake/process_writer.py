"""The writer process: intake batches are stored by a child process, so storing has a core of its own.

The event loop keeps routing and answering while the child commits; a batch is whatever arrived
while the previous one was being stored. A batch travels through a pipe as (batch id, config if the
child has not seen that version yet, messages); the child routes and stores them and answers with each
message's result or with the batch's error. If the child dies, the batch in flight is answered
503 (the senders retry; the unique provider ids make a retry safe) and a new child is started.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

import structlog

from complaints.model import InboundMessage, IntakeResult
from config.loader import Config
from intake.batch import WriteItem, write_batch
from intake.writer import MAX_BATCH, Pending, resolve, utcnow
from store.db import StoreUnavailable

log = structlog.get_logger("intake")

# While the child stores one batch the event loop gathers the next. A second batch goes out before
# the first is answered once it is worth a commit of its own: one batch at a time left the child idle
# while the loop answered; many small batches meant more commits (16 to 96 measured alike, within noise).
IN_FLIGHT = 2
SECOND_BATCH_MIN = 32


def child_main(conn, database_url: str, public_url: str) -> None:
    """The child's loop: receive a batch, store it, answer; exit on `None` or when the pipe closes."""
    import os

    from config.logging import configure
    from store.db import open_database

    # The parent decides when the child ends (it drains first): a Ctrl-C or a SIGTERM sent to the
    # whole process group must not kill the child under a batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure(os.environ.get("ADUAN_LOG_LEVEL", "INFO"))
    db = open_database(database_url)
    configs: dict[str, Config] = {}
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            batch_id, config, items = message
            if config is not None:
                configs = {config.version: config}
            batch = [WriteItem(msg, configs[version]) for msg, version in items]
            error = write_batch(db, batch, utcnow(), public_url)
            conn.send((batch_id, None if error is None else str(error), [item.result for item in batch]))
    finally:
        db.dispose()


class ProcessWriter:
    """Same interface as ThreadWriter; the storing happens in a child process."""

    def __init__(self, database_url: str, public_url: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self.public_url = public_url.rstrip("/")
        self._ctx = multiprocessing.get_context("spawn")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[Pending] = []
        self._in_flight: deque[tuple[int, list[Pending]]] = deque()
        self._batch_id = 0
        self._sent_version: str | None = None
        self._proc = None
        self._conn = None
        self._reader: threading.Thread | None = None
        self._stopping = False
        self._drained: asyncio.Event | None = None
        self._started_at = 0.0
        self._restart_delay = 0.0

    def start(self) -> None:
        """Start the child and the thread that reads its answers; call from the event loop."""
        self._loop = asyncio.get_running_loop()
        self._drained = asyncio.Event()
        self._spawn()

    def _spawn(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(
            target=child_main, args=(child, self.database_url, self.public_url), name="aduan-intake-writer", daemon=True
        )
        self._proc.start()
        self._started_at = time.monotonic()
        child.close()
        self._conn = parent
        self._sent_version = None
        self._reader = threading.Thread(target=self._read, args=(parent,), name="intake-writer-answers", daemon=True)
        self._reader.start()
        log.info("intake.writer_started", pid=self._proc.pid)

    async def submit(self, msg: InboundMessage, config: Config) -> IntakeResult:
        """Store a message and answer once it is committed; raise StoreUnavailable if it could not be."""
        if self._proc is None or self._stopping:
            raise StoreUnavailable("intake is not running")  # stopping, or restarting its writer
        future = self._loop.create_future()
        self._waiting.append(Pending(WriteItem(msg, config), future))
        if self._may_send():
            self._send()
        return await future

    def _may_send(self) -> bool:
        if not self._waiting:
            return False
        return not self._in_flight or (len(self._in_flight) < IN_FLIGHT and len(self._waiting) >= SECOND_BATCH_MIN)

    def _send(self) -> None:
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        if not batch:
            return
        # A batch is routed with one config; a reload in between sends the rest with the next batch.
        version = batch[0].item.config.version
        same = [p for p in batch if p.item.config.version == version]
        self._waiting = [p for p in batch if p.item.config.version != version] + self._waiting
        self._batch_id += 1
        config = same[0].item.config if version != self._sent_version else None
        payload = (self._batch_id, config, [(p.item.msg, version) for p in same])
        self._in_flight.append((self._batch_id, same))
        try:
            self._conn.send(payload)
            self._sent_version = version
        except (OSError, ValueError) as exc:
            log.error("intake.writer_send_failed", error=str(exc))
            self._fail_in_flight()

    def _read(self, conn) -> None:
        while True:
            try:
                answer = conn.recv()
            except (EOFError, OSError):
                self._call(self._child_gone, conn)
                return
            self._call(self._answered, answer)

    def _call(self, fn, arg) -> None:
        try:
            self._loop.call_soon_threadsafe(fn, arg)
        except RuntimeError:
            pass  # the event loop is closed: the service has stopped

    def _answered(self, answer) -> None:
        batch_id, error, results = answer
        while self._in_flight and self._in_flight[0][0] <= batch_id:
            sent_id, batch = self._in_flight.popleft()
            if sent_id == batch_id:
                for p, result in zip(batch, results):
                    p.item.result = result
                resolve(batch, StoreUnavailable(error) if error else None)
            else:  # answers come in order; one that never came is not coming
                resolve(batch, StoreUnavailable("the intake writer lost a batch"))
        self._next()

    def _fail_in_flight(self) -> None:
        while self._in_flight:
            resolve(self._in_flight.popleft()[1], StoreUnavailable("the intake writer stopped"))

    def _child_gone(self, conn) -> None:
        if conn is not self._conn:
            return
        self._fail_in_flight()
        if self._stopping:
            resolve(self._waiting, StoreUnavailable("intake is stopping"))
            self._waiting = []
            self._drained.set()
            return
        # A child that dies soon after starting (a broken install, an unreadable database path) is
        # restarted with growing pauses, not in a tight loop; meanwhile submissions answer 503.
        lived = time.monotonic() - self._started_at
        self._restart_delay = 0.0 if lived > 30 else min(30.0, max(0.5, self._restart_delay * 2))
        log.error("intake.writer_died", exitcode=self._proc.exitcode if self._proc else None,
                  restart_in_s=self._restart_delay)
        self._proc = None
        resolve(self._waiting, StoreUnavailable("the intake writer is restarting"))
        self._waiting = []
        self._loop.call_later(self._restart_delay, self._restart)

    def _restart(self) -> None:
        if self._stopping:
            self._drained.set()
            return
        self._spawn()

    def _next(self) -> None:
        while self._may_send():
            self._send()
        if self._stopping and not self._in_flight and not self._waiting:
            self._drained.set()

    async def stop(self, timeout: float = 30) -> None:
        """Store what is waiting (for at most `timeout` seconds), then stop the child."""
        self._stopping = True
        if self._proc is None:
            return
        if not self._in_flight and not self._waiting:
            self._drained.set()
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except TimeoutError:
            log.error("intake.writer_drain_timeout", waiting=len(self._waiting), in_flight=len(self._in_flight))
            self._fail_in_flight()
            resolve(self._waiting, StoreUnavailable("intake is stopping"))
            self._waiting = []
        try:
            self._conn.send(None)
        except (OSError, ValueError):
            pass
        proc = self._proc
        await asyncio.get_running_loop().run_in_executor(None, proc.join, 15)
        if proc.is_alive():
            proc.kill()
        self._conn.close()
        self._proc = None
