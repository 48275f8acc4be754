"""The sweep on a schedule (SPEC section 9): APScheduler 3 in the service's event loop, one sweep per slot.

Slots are fixed in the root region's time zone: every `sweep_interval_hours` from midnight of 1 January 2000,
so with 8 hours they start at 00:00, 08:00 and 16:00 local on every instance and across restarts. Each
instance keeps its own in-memory job store (a job store is never shared between processes); the store's
sweep lease and history make several instances run one sweep per slot:

- the job fires at a slot; it takes the lease (another instance sweeping: this one skips), then skips too
  when a scheduled sweep already finished in this slot, or in the 15 minutes before it (a catch-up or retry
  just before the slot stands for it: no second round of digests minutes later);
- a misfire grace of half an interval and coalescing: an event loop held up for a while still runs the
  slot's sweep once, never a burst of them;
- at start, when no scheduled sweep finished in the current slot (the service was down across one or more
  slots, or this is its first start), one catch-up sweep runs at once;
- a slot's sweep that finds another sweep running looks again a minute later, and one that fails (the store
  unreachable) five minutes later, until some instance has swept the slot.

A sweep runs in a worker thread, so the loop keeps serving while it writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import structlog
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from config.loader import Config
from store.db import Database
from sweep.job import LEASE_HELD, SweepResult, instance_name, run_sweep, swept_in_slot, utcnow

log = structlog.get_logger("sweep")

JOB_ID = "sweep"
CATCH_UP_ID = "sweep-catch-up"
RETRY_ID = "sweep-retry"
RETRY_AFTER = timedelta(minutes=1)  # a slot's sweep that found another sweep running looks again this much later
FAILED_RETRY_AFTER = timedelta(minutes=5)  # a slot's sweep that failed (the store down, say) is tried again then
EARLY = timedelta(minutes=15)  # a sweep this close before a slot (a catch-up, a retry) counts as that slot's
EPOCH = datetime(2000, 1, 1)  # local midnight the slots count from


def zone_of(config: Config) -> ZoneInfo:
    return ZoneInfo(config.regions[config.root].timezone)


def anchor(config: Config) -> datetime:
    """Midnight of 1 January 2000 in the root region's zone: the first slot's start."""
    return EPOCH.replace(tzinfo=zone_of(config))


def slot_start(config: Config, now: datetime) -> datetime:
    """The start of the slot `now` falls in (UTC)."""
    interval = timedelta(hours=config.settings.sweep_interval_hours)
    first = anchor(config)
    return (first + ((now - first) // interval) * interval).astimezone(timezone.utc)


def covered_since(config: Config, now: datetime) -> datetime:
    """A scheduled sweep started at or after this time stands for the slot `now` falls in: the slot's start, or a
    little before it, so a catch-up or retry just before a slot does not bring a second sweep (and a second round of
    digests) minutes later."""
    return slot_start(config, now) - EARLY


def misfire_grace(config: Config) -> int:
    """Seconds a slot's sweep may still start late: half an interval."""
    return config.settings.sweep_interval_hours * 3600 // 2


def scheduled_sweep(db: Database, config: Config, public_url: str, trigger: str, *, instance: str | None = None,
                    clock: Callable[[], datetime] = utcnow) -> SweepResult:
    """The schedule's sweep of the current slot, unless another instance runs it or a sweep already did."""
    now = clock()
    return run_sweep(db, config, public_url=public_url, as_of=now, trigger=trigger, instance=instance, clock=clock,
                     unless_swept_since=covered_since(config, now))


def trigger(config: Config) -> IntervalTrigger:
    """Every `sweep_interval_hours` on the slot grid of the root region's zone."""
    return IntervalTrigger(hours=config.settings.sweep_interval_hours, start_date=anchor(config), timezone=zone_of(config))


class SweepScheduler:
    """The service's sweep schedule: started and stopped with the application."""

    def __init__(self, db: Database, config: Callable[[], Config], public_url: str, *,
                 clock: Callable[[], datetime] = utcnow, instance: str | None = None,
                 swept: Callable[[], None] | None = None) -> None:
        self.db = db
        self.config = config  # the config in force at each sweep (a reload changes the rules it re-routes with)
        self.public_url = public_url
        self.clock = clock
        self.instance = instance or instance_name()
        self.swept = swept  # told after a sweep that did its work (the outbox has digests to send)
        first = config()
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()}, executors={"default": AsyncIOExecutor()}, timezone=zone_of(first),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace(first)},
        )
        self.last: SweepResult | None = None

    async def _run(self, trigger: str) -> None:
        config = self.config()
        try:
            self.last = await asyncio.get_running_loop().run_in_executor(
                None, lambda: scheduled_sweep(self.db, config, self.public_url, trigger, instance=self.instance,
                                              clock=self.clock))
        except Exception:
            log.exception("sweep.scheduled_failed", trigger=trigger, retry_in_s=FAILED_RETRY_AFTER.total_seconds())
            self._retry(trigger, FAILED_RETRY_AFTER)
            return
        if self.last.skipped == LEASE_HELD:
            # Another sweep is running, perhaps one of the previous slot that started just before this one: look
            # again shortly, and sweep then unless some instance has swept this slot by then.
            self._retry(trigger, RETRY_AFTER)
        elif self.swept is not None and self.last.skipped is None:
            self.swept()

    def _retry(self, trigger: str, after: timedelta) -> None:
        """Run the slot's sweep again `after` from now (it does nothing if some instance has swept the slot by then)."""
        self.scheduler.add_job(self._run, args=(trigger,), id=RETRY_ID, name="sweep retry", replace_existing=True,
                               next_run_time=self.clock() + after)

    def start(self) -> None:
        """Register the slot job and, when the current slot has no scheduled sweep yet, a catch-up run now."""
        config = self.config()
        interval = config.settings.sweep_interval_hours
        self.scheduler.add_job(self._run, trigger(config), args=("schedule",), id=JOB_ID, name="triage sweep",
                               replace_existing=True)
        with self.db.reader.connect() as conn:
            behind = not swept_in_slot(conn, covered_since(config, self.clock()))
        if behind:
            self.scheduler.add_job(self._run, args=("catch-up",), id=CATCH_UP_ID, name="catch-up sweep",
                                   next_run_time=self.clock())
        self.scheduler.start()
        job = self.scheduler.get_job(JOB_ID)
        log.info("sweep.scheduled", every_hours=interval, next=job.next_run_time.isoformat(), catch_up=behind,
                 instance=self.instance)

    def follow(self, config: Config) -> None:
        """Take a reloaded config's interval and zone: the slot grid moves with them (a reload's rules the next sweep
        takes anyway)."""
        job = self.scheduler.get_job(JOB_ID)
        if job is None:
            return
        wanted = trigger(config)
        if (job.trigger.interval, str(job.trigger.timezone)) == (wanted.interval, str(wanted.timezone)):
            return
        self.scheduler.modify_job(JOB_ID, misfire_grace_time=misfire_grace(config))
        job = self.scheduler.reschedule_job(JOB_ID, trigger=wanted)
        log.info("sweep.rescheduled", every_hours=config.settings.sweep_interval_hours,
                 next=job.next_run_time.isoformat() if job.next_run_time else None)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
