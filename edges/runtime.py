"""What the running service holds for its HTTP edges: env, store, intake, limiter, outbox; reload keeps the old on error.

Built whole by the composition root (`app.build`); nothing here builds or rewires a part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

import structlog

from config.env import Env
from config.loader import Config, LoadResult
from delivery.ticket import TicketSource
from delivery.worker import OutboxWorker
from edges.metrics import Metrics
from edges.ratelimit import RateLimiter
from intake.service import Intake
from providers.outcome import StatusReport
from router import InForce, Router, compile_router
from store import fallback
from store.db import Database, off_loop, reading, writing
from sweep.schedule import SweepScheduler

log = structlog.get_logger("runtime")
T = TypeVar("T")


class Background(Protocol):
    """A worker that runs beside the server (the media fetcher), woken when intake stored something for it."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def wake(self) -> None: ...


@dataclass
class Runtime:
    """Shared by the API, the pages and the channels' edges; built once by `app.build.build_runtime`."""

    env: Env
    db: Database
    in_force: InForce
    intake: Intake
    limiter: RateLimiter
    secret_key: bytes
    metrics: Metrics
    outbox: OutboxWorker
    tickets: TicketSource  # what the agencies' deliverers read tickets with
    load: Callable[[str], LoadResult]  # reads a config folder (for reload)
    scheduler: SweepScheduler | None  # None: this instance never sweeps on a schedule
    messaging_channels: frozenset[str]  # channels a citizen can answer on (status, objections)
    channel_names: tuple[str, ...]  # every value of a complaint's `channel`
    channel_labels: Mapping[str, Mapping[str, str]]  # language -> channel -> its name
    readers: ThreadPoolExecutor  # the store's reads and the actions' writes, off the event loop
    media: Background | None = None  # the media fetcher (SPEC 16); started with the outbox worker

    @property
    def router(self) -> Router:
        return self.in_force.router

    @property
    def config(self) -> Config:
        return self.in_force.config

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` on a reader connection off the event loop."""
        return await off_loop(self.readers, reading, self.db, fn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` in one write transaction off the event loop (actions after intake)."""
        return await off_loop(self.readers, writing, self.db, fn, *args)

    async def record_statuses(self, reports: Sequence[StatusReport]) -> dict[str, int]:
        """Keep providers' status callbacks with their deliveries (store/fallback.py); a failed notice goes by SMS
        when a gateway is configured and the reporter's number known, and the outbox is woken for it."""
        sms = fallback.SMS_TRANSPORT in self.outbox.deliverers
        counts = await self.write(fallback.record_statuses, reports, datetime.now(timezone.utc), sms)
        if counts["fell_back"]:
            self.wake_outbox()
        return counts

    def wake_outbox(self) -> None:
        """Tell the outbox worker new rows are waiting (it also finds them at its next poll)."""
        self.outbox.wake()

    def reload(self) -> tuple[bool, list[str], list[str]]:
        """Load the config folder again; switch to it only when it has no errors."""
        result = self.load(self.env.config_dir)
        if result.config is None:
            log.warning("config.reload_refused", errors=len(result.errors), kept=self.config.version)
            return False, result.errors, result.warnings
        self.in_force.use(compile_router(result.config))
        self.limiter.per_minute = result.config.settings.rate_limit_per_minute
        if self.scheduler is not None:
            self.scheduler.follow(result.config)
        log.info("config.reloaded", version=result.config.version, warnings=len(result.warnings))
        return True, [], result.warnings
