"""The outbox worker: claims due deliveries, hands each to its transport's deliverer, records what happened.

Durability lives here, not in the deliverers (STYLE point 8): a deliverer only says delivered,
retry later or permanent. A row is claimed in a short write transaction (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so several instances share the queue without waiting on each other),
sent with no transaction open, and its outcome recorded in another short transaction guarded by
the attempt number it was claimed with, so a worker whose lease ran out cannot overwrite a newer
claim. A crashed worker's rows come back when their lease expires and go out again under the
same delivery id, which receivers use to drop the duplicate. For the same reason claims and outcomes are
committed through the store's `relaxed` engine, which does not wait for the disk: a power cut that undoes one
only means a row claimed or sent again.

SMS and e-mails to citizens are checked against `send_limits` (delivery/limits.py) in the claim's transaction: one
over a limit is not sent but recorded `refused`, final, with the reason. Every outcome's detail is redacted
(delivery/redact.py) before it is stored or logged. The SQL of claims and outcomes is store/outbox.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import structlog
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from config.models import SendLimits
from delivery import background, limits
from delivery.backoff import give_up, retry_delay
from delivery.redact import redact
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater
from store import fallback, outbox
from store.db import Database

log = structlog.get_logger("outbox")

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=15)
STOP_TIMEOUT = 20.0
RECORD_ATTEMPTS = 3
DETAIL_MAX = 500
LOST_DETAIL = "no outcome within the lease: the worker stopped or took too long; sent again, same delivery id"
MAX_CLAIM_BACKOFF = 30.0
# How long an agency found alone on its transport (no other agency's rows due) stays uncapped without looking again;
# intake's wake() forgets it at once. Looking costs a scan of the agency's due rows, too much for every claim.
ALONE_TTL = 1.0


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A row this worker claimed: what the deliverer gets, and what guards the outcome's write."""

    row_id: int
    delivery: Delivery  # delivery.attempts is the attempt number this claim made
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _Decision:
    """What an outcome does to its row."""

    state: str  # delivered | failed | dead | undeliverable
    next_attempt_at: datetime | None  # set only when a retry is scheduled
    last_error: str | None
    delay: float | None = None
    reason: str | None = None  # why a row went dead or failed without an outcome
    message_id: str | None = None  # the provider's id of a delivered message
    fallback: bool = False  # undeliverable on its platform: the notice goes by SMS when it can (store/fallback.py)


@dataclass(frozen=True, slots=True)
class _Result:
    """A decision waiting to be written."""

    claim: _Claim
    decision: _Decision
    now: datetime


def _decide(outcome: Outcome, attempt: int, created_at: datetime, now: datetime, rng: random.Random) -> _Decision:
    """Turn a deliverer's outcome into the row's next state: delivered, failed with a retry time, or dead."""
    if isinstance(outcome, Delivered):
        return _Decision("delivered", None, None, message_id=outcome.message_id)
    if isinstance(outcome, Permanent) and outcome.fallback:
        return _Decision("undeliverable", None, _clip(outcome.detail), reason="undeliverable", fallback=True)
    if isinstance(outcome, Permanent):
        return _Decision("dead", None, _clip(outcome.detail), reason="permanent")
    if give_up(created_at, now):
        return _Decision("dead", None, _clip(outcome.detail), reason="gave_up")
    delay = retry_delay(attempt, rng, outcome.retry_after)
    return _Decision("failed", now + timedelta(seconds=delay), _clip(outcome.detail), delay=delay)


def _released(now: datetime) -> _Decision:
    """A send cut short by a stopping worker: due again at once (the receiver drops a duplicate by its id)."""
    return _Decision("failed", now, "interrupted: the worker stopped during the send", reason="stopped")


def _clip(detail: str | None) -> str:
    return (detail or "")[:DETAIL_MAX]


def _db_error(exc: BaseException) -> str:
    """The first line of a driver's message (never the statement's parameters, which may hold addresses)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.splitlines()[0][:200] if text else ""


class OutboxWorker:
    """Drain the outbox: claim due rows of the transports it has deliverers for, send, record, retry."""

    def __init__(
        self,
        db: Database,
        deliverers: Mapping[str, Deliverer],
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        lease: timedelta = timedelta(seconds=120),
        batch: int = 50,
        concurrency: int = 32,
        poll: float = 1.0,
        per_transport: int | None = None,
        per_agency: int | None = None,
        prepare: Callable[[list[Delivery]], list[Delivery]] | None = None,
        send_limits: Callable[[], SendLimits] = SendLimits,
    ) -> None:
        if batch < 1 or concurrency < 1:
            raise ValueError("batch and concurrency must be at least 1")
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        self.db = db
        self.deliverers: dict[str, Deliverer] = dict(deliverers)
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self.lease = lease
        self.batch = batch
        self.concurrency = concurrency
        self.poll = poll
        # Run on each claim's deliveries before they are sent (the agencies' tickets rendered once per complaint).
        self.prepare = prepare
        # The limits in force on SMS and e-mails to citizens, read at each claim (a config reload applies at once).
        self.send_limits = send_limits
        # One slow transport may take most slots but never all of them.
        self.per_transport = per_transport or max(1, concurrency * 3 // 4)
        # One slow or failing agency may take a share of its transport's slots, never all of them.
        self.per_agency = per_agency or max(1, self.per_transport // 4)
        # A send ends well inside its lease, or another worker could claim the row while it is still going out.
        self.send_timeout = lease.total_seconds() / 2
        # Completed sends wake the claim loop only once this many slots are free: fewer, fuller claims.
        self._refill = max(1, min(batch, concurrency) // 4)
        self._in_flight: Counter[str] = Counter()  # transport -> sends under way
        self._agency_in_flight: Counter[tuple[str, str]] = Counter()  # (transport, agency) -> sends under way
        self._alone: dict[tuple[str, str], float] = {}  # (transport, agency) -> until when it counts as alone
        self._unrecorded = 0  # rows claimed whose outcome is not written yet (sending or queued for the store)
        self._tasks: set[asyncio.Task] = set()
        self._claim_lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._pending: list[tuple[_Result, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: asyncio.Task | None = None
        self._stopping = False
        self._backlog = False

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the HTTP session and start claiming in the background; call from the serving event loop."""
        if self._runner is not None:
            raise RuntimeError("the outbox worker is already running")
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._session = self._new_session()
        self._runner = asyncio.create_task(self._run(), name="outbox-worker")
        log.info("outbox.started", transports=sorted(self.deliverers), concurrency=self.concurrency,
                 per_transport=self.per_transport, per_agency=self.per_agency)

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop claiming, let sends in flight finish for up to `timeout` seconds, release the rest, close the session."""
        self._stopping = True
        self._wakeup.set()
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        released = await background.finish(self._tasks, timeout)
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
        self._loop = None
        log.info("outbox.stopped", released=released)

    def wake(self) -> None:
        """Claim now rather than at the next poll (intake calls this after writing rows); safe from any thread."""
        self._alone = {}  # new rows may be another agency's
        background.wake_up(self._loop, self._wakeup)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim one round of due rows (as if at `now`), send them, record every outcome; return how many were sent."""
        async with self._round_session() as session:
            claims = await self._claim(now if now is not None else self.clock())
            tasks = [self._spawn(claim, session, now) for claim in claims]
            if tasks:
                await asyncio.gather(*tasks)
        return len(claims)

    # -- the background loop ------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wakeup.clear()
            try:
                claims = await self._claim(self.clock())
                failures = 0
            except Exception as exc:  # the database is down or busy: wait and try again, never die
                failures += 1
                log.warning("outbox.claim_failed", error=type(exc).__name__, detail=_db_error(exc), failures=failures)
                await self._wait(min(MAX_CLAIM_BACKOFF, self.poll * 2.0 ** min(failures, 8)))
                continue
            for claim in claims:
                self._spawn(claim, self._session, None)
            if claims and self._backlog and self._claimable() > 0:
                continue  # more is due and there is room: claim again at once
            await self._wait(self.poll)

    async def _wait(self, seconds: float) -> None:
        await background.wait_for_wake_up(self._wakeup, seconds)

    @contextlib.asynccontextmanager
    async def _round_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        if self._session is not None:
            yield self._session
            return
        # run_once without start(): a session for this round only.
        async with self._new_session() as session:
            yield session

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max(100, self.concurrency))
        return aiohttp.ClientSession(timeout=HTTP_TIMEOUT, connector=connector)

    # -- claiming -----------------------------------------------------------------------------

    def _claimable(self) -> int:
        """How many rows could be claimed now, across the transports' own caps."""
        # Outcomes waiting for the store count too: a slow store slows claiming instead of piling up leases.
        free = min(self.concurrency - sum(self._in_flight.values()), 2 * self.concurrency - self._unrecorded)
        room = sum(max(0, self.per_transport - self._in_flight[t]) for t in self.deliverers)
        return max(0, min(self.batch, free, room))

    async def _claim(self, now: datetime) -> list[_Claim]:
        async with self._claim_lock:
            free = self._claimable()
            if free == 0:
                return []
            room = {t: self.per_transport - self._in_flight[t] for t in self.deliverers}
            agency_room = {key: self.per_agency - n for key, n in self._agency_in_flight.items()}
            claims, self._backlog = await self._in_thread(self._claim_prepared, now, free, room, agency_room)
            for claim in claims:
                self._in_flight[claim.delivery.transport] += 1
                if claim.delivery.agency is not None:
                    self._agency_in_flight[(claim.delivery.transport, claim.delivery.agency)] += 1
            self._unrecorded += len(claims)
            return claims

    def _claim_prepared(self, now: datetime, free: int, room: dict[str, int],
                        agency_room: dict[tuple[str, str], int]) -> tuple[list[_Claim], bool]:
        """Claim rows, then prepare their deliveries; a failed preparation only leaves each deliverer to do its own."""
        claims, more = self._claim_rows(now, free, room, agency_room)
        if claims and self.prepare is not None:
            try:
                prepared = self.prepare([claim.delivery for claim in claims])
            except Exception as exc:
                log.warning("outbox.prepare_failed", count=len(claims), error=type(exc).__name__, detail=_db_error(exc))
            else:
                claims = [dataclasses.replace(claim, delivery=d) for claim, d in zip(claims, prepared, strict=True)]
        return claims, more

    def _claim_rows(self, now: datetime, free: int, room: dict[str, int],
                    agency_room: dict[tuple[str, str], int] | None = None) -> tuple[list[_Claim], bool]:
        """Take up to `free` due rows, most overdue first, within each transport's and each agency's room; mark
        them sending.

        `agency_room` holds the slots left per (transport, agency) with sends under way; an agency not in it has
        `per_agency` slots. An agency's cap holds only while another agency of the same transport is sending or
        has rows due (checked when the agency reaches its cap; found alone, it is not checked again for ALONE_TTL
        or until wake()): alone, an agency may use the whole transport, though it cannot take back slots from
        sends already under way. Rows of an agency at its cap are left in the store (a claimed row waiting for a
        slot would only see its lease run down), and the query leaves them out so they cannot crowd out others.

        Return the claims and whether more may be due. Runs in one short write transaction: on SQLite
        it starts with BEGIN IMMEDIATE, whose write lock makes select-then-update safe; on PostgreSQL
        rows locked by another worker's claim are skipped, not waited for, and rows selected here but
        not taken are unlocked again at commit.
        """
        rows: list[Any] = []
        open_ = {t: n for t, n in room.items() if n > 0}
        agency_open = {key: n for key, n in (agency_room or {}).items() if key[0] in room}
        more = len(open_) < len(room)  # a transport at its cap may well have rows due
        busy = set((agency_room or {}))  # (transport, agency) pairs with sends under way
        contended: dict[tuple[str, str], bool] = {}  # whether an agency's cap holds in this claim
        alone = self._alone

        def capped(conn: Connection, key: tuple[str, str]) -> bool:
            """Whether another agency of the transport is sending, taken in this claim, or has rows due."""
            if key not in contended:
                transport, agency = key
                if any(t == transport and a != agency for t, a in busy) or any(
                        r.transport == transport and r.agency not in (None, agency) for r in rows):
                    contended[key] = True
                elif alone.get(key, 0.0) > time.monotonic():
                    contended[key] = False
                else:
                    contended[key] = outbox.others_due(conn, now, transport, [agency], [r.id for r in rows])
                    if not contended[key]:
                        alone[key] = time.monotonic() + ALONE_TTL
            return contended[key]

        with self.db.relaxed.begin() as conn:
            for key, n in agency_open.items():
                if n <= 0 and key[0] in open_ and capped(conn, key):
                    more = True  # an agency at its cap may well have rows due
            while open_ and len(rows) < free:
                want = free - len(rows)
                full = {key for key, n in agency_open.items() if n <= 0 and key[0] in open_ and contended.get(key)}
                # Rows taken in an earlier round are still due in the store until the update below: leave them out.
                found = outbox.due_rows(conn, now, sorted(open_), want, full, [r.id for r in rows])
                truncated = any(n >= want for n in Counter(r.part for r in found).values())
                more = more or truncated
                skipped = False
                for r in sorted(found, key=lambda r: r.next_attempt_at):
                    if len(rows) == free:
                        break
                    key = (r.transport, r.agency) if r.agency is not None else None
                    if open_[r.transport] <= 0 or (key is not None and agency_open.get(key, self.per_agency) <= 0
                                                   and capped(conn, key)):
                        skipped = True
                        continue
                    rows.append(r)
                    open_[r.transport] -= 1
                    if key is not None:
                        agency_open[key] = agency_open.get(key, self.per_agency) - 1
                open_ = {t: n for t, n in open_.items() if n > 0}
                # Look again only when a transport or an agency at its cap crowded out rows that others have room for
                # (the next query leaves the full agencies out, so each round fills at least one more cap).
                if not (skipped and truncated):
                    break
            outbox.record_lost(conn, rows, now, LOST_DETAIL)
            refusals = self._refusals(conn, now, rows)
            refused = [r for r in rows if r.id in refusals]
            if refused:
                outbox.refuse(conn, refused, {r.id: refusals[r.id].reason for r in refused}, now)
                rows = [r for r in rows if r.id not in refusals]
                more = True  # the refused took room that rows still due may use
            if rows:
                outbox.mark_sending(conn, [r.id for r in rows], now, now + self.lease)
        for r in refused:
            # The rule only: the reason is on the row, and the target (a citizen's number) is never logged.
            log.warning("outbox.refused", delivery_id=r.delivery_id, transport=r.transport, notice=r.event,
                        attempt=r.attempts + 1, rule=refusals[r.id].rule)
        claims = [
            _Claim(r.id, Delivery(r.delivery_id, r.transport, r.target, r.event, r.payload or {}, r.attempts + 1,
                                  r.agency, claimed_at=now), r.created_at)
            for r in rows
        ]
        return claims, more

    def _refusals(self, conn: Connection, now: datetime, rows: list[Any]) -> dict[int, limits.Refusal]:
        """Decide which SMS and e-mails to citizens among the rows the send limits refuse, by row id, with the reason.

        Counts what went out (rows delivered or being sent, by their `updated_at`) from the store, so the limits
        hold across instances; rows of this claim are counted as they are allowed, not as they were. Only the sends
        that may be to the same destinations are read, and the hour's are counted, not read.
        """
        notices = [limits.Notice(r.id, r.transport, r.target) for r in rows if limits.limited(r.audience, r.transport)]
        if not notices:
            return {}
        outbox.lock_send_limits(conn)
        send_limits = self.send_limits()
        taken = [r.id for r in rows]
        this_hour = outbox.count_citizen_sends(conn, limits.LIMITED_TRANSPORTS, taken, now - limits.HOUR)
        wanted = limits.lookup(notices, send_limits)
        destinations = outbox.Destinations(limits.SMS_TRANSPORTS, limits.SEPARATORS, wanted.numbers,
                                           limits.EMAIL_TRANSPORT, wanted.mailboxes)
        sent = outbox.citizen_sends_to(conn, limits.LIMITED_TRANSPORTS, taken, now - limits.DAY, destinations)
        return limits.refusals(notices, (limits.Sent(s.transport, s.target, s.updated_at) for s in sent), this_hour,
                               send_limits, now)

    # -- sending ------------------------------------------------------------------------------

    def _spawn(self, claim: _Claim, session: aiohttp.ClientSession, fixed_now: datetime | None) -> asyncio.Task:
        task = asyncio.create_task(self._deliver(claim, session, fixed_now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(self, claim: _Claim, session: aiohttp.ClientSession, fixed_now: datetime | None) -> None:
        transport = claim.delivery.transport
        try:
            try:
                outcome = await self._send(claim, session)
            except asyncio.CancelledError:
                self._record(claim, _released(self.clock()), self.clock())
                raise
            finally:
                # The slot is free once the send is over; the row stays leased until its outcome is written.
                self._in_flight[transport] -= 1
                if self._in_flight[transport] <= 0:
                    del self._in_flight[transport]
                if claim.delivery.agency is not None:
                    key = (transport, claim.delivery.agency)
                    self._agency_in_flight[key] -= 1
                    if self._agency_in_flight[key] <= 0:
                        del self._agency_in_flight[key]
                self._maybe_wake()
            now = fixed_now if fixed_now is not None else self.clock()
            decision = _decide(outcome, claim.delivery.attempts, claim.created_at, now, self.rng)
            await self._record(claim, decision, now)
        finally:
            self._unrecorded -= 1
            self._maybe_wake()

    def _maybe_wake(self) -> None:
        """Wake the claim loop when more is due and enough room has opened for a worthwhile claim."""
        if self._backlog and self._claimable() >= self._refill:
            self._wakeup.set()

    async def _send(self, claim: _Claim, session: aiohttp.ClientSession) -> Outcome:
        """Call the deliverer; a crash, a hang or a wrong answer is a retry, never the worker's end."""
        d = claim.delivery
        timer = asyncio.timeout(self.send_timeout)
        try:
            async with timer:
                outcome = await self.deliverers[d.transport](d, session)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, TimeoutError) and timer.expired():
                return RetryLater(f"no outcome within {self.send_timeout:g} s")
            # The type only: messages of client errors carry URLs, and Bot API URLs carry the token.
            log.warning("outbox.deliverer_crashed", delivery_id=d.delivery_id, transport=d.transport,
                        agency=d.agency, attempt=d.attempts, error=type(exc).__name__)
            return RetryLater(f"deliverer crashed: {type(exc).__name__}")
        if not isinstance(outcome, (Delivered, RetryLater, Permanent)):
            log.warning("outbox.deliverer_crashed", delivery_id=d.delivery_id, transport=d.transport,
                        agency=d.agency, attempt=d.attempts, error=f"returned {type(outcome).__name__}")
            return RetryLater(f"deliverer returned {type(outcome).__name__}")
        # Every deliverer's detail, here and nowhere else, before the store, the log and the digests see it.
        return dataclasses.replace(outcome, detail=redact(outcome.detail, d.target))

    # -- recording ----------------------------------------------------------------------------

    def _record(self, claim: _Claim, decision: _Decision, now: datetime) -> asyncio.Future:
        """Queue an outcome; outcomes that finish together are written in one short transaction."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((_Result(claim, decision, now), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-record")
        return future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            results = [r for r, _ in batch]
            try:
                applied = await self._in_thread(self._write_results, results)
            except Exception as exc:
                # The rows stay `sending` and come back when their lease ends.
                log.error("outbox.record_failed", count=len(results), error=type(exc).__name__, detail=_db_error(exc))
                applied = None
            for (result, future), ok in zip(batch, applied or [None] * len(batch)):
                if ok is not None:
                    _log_result(result, ok)
                if not future.done():
                    future.set_result(None)

    def _write_results(self, results: list[_Result]) -> list[bool]:
        """Write each outcome, guarded by the claim's attempt; return which rows the claim still owned."""
        sms = fallback.SMS_TRANSPORT in self.deliverers
        for attempt in range(RECORD_ATTEMPTS):
            try:
                with self.db.relaxed.begin() as conn:
                    written = [_written(result) for result in results]
                    applied = outbox.write_outcomes(conn, written)
                    owned = [(r, w) for r, w, ok in zip(results, written, applied) if ok]
                    fell_back = [fallback.fall_back(conn, w.row_id, w.at, sms) for _, w in owned if w.fallback]
                    # A status callback that outran this record of the send waits for the message's id.
                    named = [(w.row_id, r.claim.delivery.transport, w.provider_message_id)
                             for r, w in owned if w.provider_message_id]
                    adopted = fallback.adopt_statuses(conn, named, results[0].now, sms) if named else 0
                if any(fell_back) or adopted:
                    self.wake()  # the SMS standing in is due now
                return applied
            except DBAPIError:
                if attempt + 1 == RECORD_ATTEMPTS:
                    raise
                time.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")

    def _in_thread(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        """Run blocking store work off the event loop, on the worker's own two threads."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(2, thread_name_prefix="outbox")
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)


def _attempt_outcome(decision: _Decision) -> str:
    """The attempt's outcome as recorded: delivered, retry, permanent, gave_up or released (and, written at a
    reclaim, lost)."""
    if decision.reason == "stopped":
        return "released"
    if decision.state == "delivered":
        return "delivered"
    if decision.state == "failed":
        return "retry"
    return decision.reason or "permanent"  # permanent | gave_up | undeliverable


def _written(result: _Result) -> outbox.Written:
    """What an outcome writes to the store: its row's next state and the attempt."""
    claim, decision = result.claim, result.decision
    detail = decision.last_error or (f"message id {decision.message_id}" if decision.message_id else None)
    return outbox.Written(claim.row_id, claim.delivery.delivery_id, claim.delivery.attempts, decision.state,
                          decision.next_attempt_at, decision.last_error, _attempt_outcome(decision),
                          _clip(detail) if detail else None, result.now,
                          provider_message_id=decision.message_id, fallback=decision.fallback)


def _log_result(result: _Result, applied: bool) -> None:
    """One line per attempt; the target (a citizen's phone or address) is never logged."""
    d, decision = result.claim.delivery, result.decision
    fields = {"delivery_id": d.delivery_id, "transport": d.transport, "agency": d.agency, "attempt": d.attempts}
    if not applied:
        # Our lease ran out and another claim owns the row now: its outcome counts, not ours.
        log.warning("outbox.stale_outcome", **fields, outcome=decision.state)
    elif decision.reason == "stopped":
        log.info("outbox.released", **fields)
    elif decision.state == "delivered":
        log.info("outbox.delivered", **fields)
    elif decision.state == "failed":
        log.info("outbox.retry_scheduled", **fields, delay=round(decision.delay or 0.0, 1), detail=decision.last_error)
    elif decision.state == "undeliverable":
        log.warning("outbox.undeliverable", **fields, detail=decision.last_error)
    else:
        log.warning("outbox.dead", **fields, reason=decision.reason, detail=decision.last_error)
