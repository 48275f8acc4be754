"""The media fetcher: claims attachments waiting for their file, downloads each through its channel's fetcher, cleans
and stores it, and records what happened (SPEC section 16).

Its queue is the `attachments` table itself (`fetch_state`): intake writes a provider's reference as `pending`, and
the fetcher never holds intake up. It runs beside the outbox worker, woken when intake stored a message with
attachments, polling otherwise. Like the outbox (delivery/worker.py), far simpler: rows are claimed in a short
transaction (on PostgreSQL with SKIP LOCKED, so several instances share the queue) with a lease, fetched with no
transaction open, a few at a time, and each outcome is recorded guarded by the attempt it was claimed with. A failure
worth retrying is tried again with the outbox's backoff, and given up after its horizon; a final one (a host not
allowed, a file over `max_attachment_bytes`, a type not accepted, the attachments quota reached, the provider's
refusal) makes the row `dead` with the reason in `fetch_error`. The complaint stays as it is either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from sqlalchemy import Row

from channels.descriptor import Fetched, Fetcher
from channels.web import quota, storage
from config.models import Settings
from delivery import background
from delivery.backoff import give_up, retry_delay
from media.clean import Cleaned, clean
from media.download import Download
from media.hosts import Hosts
from providers.outcome import Permanent, RetryLater
from store import media as queue
from store.db import Database, reading

log = structlog.get_logger("media")

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10, sock_read=30)
STOP_TIMEOUT = 10.0
MAX_CLAIM_BACKOFF = 30.0
DETAIL_MAX = 300
DECODERS = 2  # images decoded at once: CPU-bound, and one may take some 200 MB
QUOTA_REACHED = "attachments quota reached"
STOPPED = "interrupted: the fetcher stopped during the fetch"


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A row this fetcher claimed, with the attempt number its outcome is guarded by."""

    id: int
    kind: str
    name: str | None
    ref: str | None
    via: str | None
    attempt: int
    created_at: datetime
    anonymous: bool


def _claim_of(row: Row) -> _Claim:
    return _Claim(row.id, row.kind, row.name, row.channel_ref, row.fetch_via, row.fetch_attempts + 1, row.created_at,
                  bool(row.anonymous))


class MediaFetcher:
    """Fetch the media of the attachments queued by intake, a few at a time, in the background."""

    def __init__(
        self,
        db: Database,
        fetchers: Mapping[str, Fetcher],
        hosts: Hosts,
        var_dir: str | Path,
        settings: Callable[[], Settings] = Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        lease: timedelta = timedelta(minutes=5),
        concurrency: int = 4,
        poll: float = 5.0,
    ) -> None:
        if concurrency < 1 or lease <= timedelta(0):
            raise ValueError("the concurrency must be at least 1 and the lease positive")
        self.db = db
        self.fetchers = dict(fetchers)
        self.hosts = hosts
        self.var_dir = var_dir
        # The settings in force (max_attachment_bytes, attachments_quota_bytes), read at each fetch.
        self.settings = settings
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self.lease = lease
        self.concurrency = concurrency
        self.poll = poll
        # A fetch ends well inside its lease, or another instance could claim the row while it is still going.
        self.fetch_timeout = lease.total_seconds() / 2
        self.room = quota.Room()  # bytes of files written and not yet recorded
        self._decoders = asyncio.Semaphore(DECODERS)
        self._tasks: set[asyncio.Task] = set()
        self._wakeup = asyncio.Event()
        self._full = False  # the last claim filled every free slot: more may be due
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: asyncio.Task | None = None
        self._stopping = False

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the HTTP session and start claiming in the background; call from the serving event loop."""
        if self._runner is not None:
            raise RuntimeError("the media fetcher is already running")
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._session = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)
        self._runner = asyncio.create_task(self._run(), name="media-fetcher")
        log.info("media.started", vias=sorted(self.fetchers), concurrency=self.concurrency)

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop claiming, let fetches under way finish for up to `timeout` seconds, release the rest."""
        self._stopping = True
        self._wakeup.set()
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        released = await background.finish(self._tasks, timeout)
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._loop = None
        log.info("media.stopped", released=released)

    def wake(self) -> None:
        """Claim now rather than at the next poll (intake calls this after storing attachments); safe from any thread."""
        background.wake_up(self._loop, self._wakeup)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim one round of due rows (as if at `now`), fetch them and record every outcome; return how many."""
        async with self._round_session() as session:
            claims = await asyncio.to_thread(self._claim, now if now is not None else self.clock(), self.concurrency)
            await asyncio.gather(*(self._fetch(claim, session, now) for claim in claims))
        return len(claims)

    # -- the background loop ------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wakeup.clear()
            free = self.concurrency - len(self._tasks)
            if free > 0:
                try:
                    claims = await asyncio.to_thread(self._claim, self.clock(), free)
                    failures = 0
                except Exception as exc:  # the database is down or busy: wait and try again, never die
                    failures += 1
                    log.warning("media.claim_failed", error=type(exc).__name__, failures=failures)
                    await self._wait(min(MAX_CLAIM_BACKOFF, self.poll * 2.0 ** min(failures, 8)))
                    continue
                self._full = len(claims) == free
                for claim in claims:
                    task = asyncio.create_task(self._fetch(claim, self._session, None))
                    self._tasks.add(task)
                    task.add_done_callback(self._done)
            await self._wait(self.poll)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if self._full:
            self._wakeup.set()  # a slot opened and more may be due

    async def _wait(self, seconds: float) -> None:
        await background.wait_for_wake_up(self._wakeup, seconds)

    @contextlib.asynccontextmanager
    async def _round_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        if self._session is not None:
            yield self._session
            return
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:  # run_once without start()
            yield session

    def _claim(self, now: datetime, limit: int) -> list[_Claim]:
        """Take up to `limit` due rows and mark them fetching, in one short transaction (blocking)."""
        with self.db.relaxed.begin() as conn:
            rows = queue.due(conn, now, limit)
            if rows:
                queue.mark_fetching(conn, [r.id for r in rows], now + self.lease)
        return [_claim_of(r) for r in rows]

    # -- fetching -----------------------------------------------------------------------------

    async def _fetch(self, claim: _Claim, session: aiohttp.ClientSession | None, fixed_now: datetime | None) -> None:
        """Fetch one row's file, clean and store it, and record the outcome."""
        settings = self.settings()
        try:
            outcome = await self._download(claim, session, settings.max_attachment_bytes)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):  # not written: the row comes back when its lease ends
                await asyncio.to_thread(self._write, claim, {"fetch_state": "failed", "fetch_next_at": self.clock(),
                                                             "fetch_error": STOPPED})
            raise
        now = fixed_now if fixed_now is not None else self.clock()
        if not isinstance(outcome, Fetched):
            await self._record(claim, self._failure(claim, outcome, now), None)
            return
        async with self._decoders:
            cleaned = await asyncio.to_thread(clean, outcome.data, claim.anonymous)
        if isinstance(cleaned, str):
            await self._record(claim, _dead(cleaned), None)
            return
        await self._keep(claim, cleaned, settings, now)

    async def _download(self, claim: _Claim, session: aiohttp.ClientSession | None,
                        cap: int) -> Fetched | RetryLater | Permanent:
        """Call the row's fetcher; a crash or a hang is a retry, never the fetcher's end."""
        fetcher = self.fetchers.get(claim.via or "")
        if fetcher is None:
            return Permanent(f"no fetcher for {claim.via}")
        if not claim.ref or session is None:
            return Permanent("no provider reference")
        try:
            async with asyncio.timeout(self.fetch_timeout):
                return await fetcher(claim.ref, Download(session, self.hosts, cap))
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            return RetryLater(f"no answer within {self.fetch_timeout:g} s")
        except Exception as exc:
            log.warning("media.fetcher_crashed", attachment=claim.id, via=claim.via, error=type(exc).__name__)
            return RetryLater(f"fetcher crashed: {type(exc).__name__}")

    def _failure(self, claim: _Claim, outcome: RetryLater | Permanent, now: datetime) -> dict[str, Any]:
        """A final failure is dead; one worth retrying is failed until its next time, or dead past the horizon."""
        detail = (outcome.detail or type(outcome).__name__)[:DETAIL_MAX]
        if isinstance(outcome, Permanent):
            return _dead(detail)
        if give_up(claim.created_at, now):
            return _dead(f"gave up: {detail}"[:DETAIL_MAX])
        delay = retry_delay(claim.attempt, self.rng, outcome.retry_after)
        return {"fetch_state": "failed", "fetch_next_at": now + timedelta(seconds=delay), "fetch_error": detail}

    async def _keep(self, claim: _Claim, cleaned: Cleaned, settings: Settings, now: datetime) -> None:
        """Store the cleaned file under the attachments quota and record it; a file whose claim was lost is removed."""
        size = len(cleaned.data)
        stored_bytes = await asyncio.to_thread(reading, self.db, quota.stored_bytes)
        if not self.room.fits(stored_bytes, size, settings.attachments_quota_bytes):
            await self._record(claim, _dead(QUOTA_REACHED), None)
            return
        self.room.pending += size
        try:
            # An anonymous reporter's file names are not kept (they often carry the sender's name or device).
            name = None if claim.anonymous else claim.name
            try:
                stored = await asyncio.to_thread(storage.save, self.var_dir, cleaned.data, cleaned.filetype, name, now)
            except OSError as exc:  # the disk full: nothing was left written; the fetch is tried again later
                failed = RetryLater(f"cannot write the file: {exc.strerror or type(exc).__name__}")
                await self._record(claim, self._failure(claim, failed, now), None)
                return
            a = stored.attachment
            values = {"stored_path": a.stored_path, "size": a.size, "sha256": a.sha256, "content_type": a.content_type,
                      "name": a.name, "fetch_state": "stored", "fetch_next_at": None, "fetch_error": None}
            if claim.kind == "unknown":
                values["kind"] = a.kind
            await self._record(claim, values, stored)
        finally:
            self.room.pending -= size

    # -- recording ----------------------------------------------------------------------------

    def _write(self, claim: _Claim, values: dict[str, Any]) -> bool:
        with self.db.writer.begin() as conn:
            return queue.record(conn, claim.id, claim.attempt, values)

    async def _record(self, claim: _Claim, values: dict[str, Any], stored: storage.StoredFile | None) -> None:
        """Write the outcome if the claim still owns its row, and log it; never raises."""
        try:
            applied = await asyncio.to_thread(self._write, claim, values)
        except Exception as exc:  # the row stays fetching and comes back when its lease ends
            log.error("media.record_failed", attachment=claim.id, error=type(exc).__name__)
            applied = False
        if not applied and stored is not None:
            await asyncio.to_thread(storage.remove, [stored])
        fields = {"attachment": claim.id, "via": claim.via, "attempt": claim.attempt}
        state = values["fetch_state"]
        if not applied:
            log.warning("media.stale_outcome", **fields, outcome=state)
        elif state == "stored":
            log.info("media.stored", **fields, content_type=values["content_type"], size=values["size"])
        elif state == "failed":
            log.info("media.retry_scheduled", **fields, detail=values["fetch_error"])
        else:
            log.warning("media.dead", **fields, reason=values["fetch_error"])


def _dead(reason: str) -> dict[str, Any]:
    return {"fetch_state": "dead", "fetch_next_at": None, "fetch_error": reason[:DETAIL_MAX]}
