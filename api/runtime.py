"""What the running service holds: env, database, config in force, intake, limiter; reload keeps the old on error."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import structlog
from sqlalchemy.exc import DBAPIError

from api.ratelimit import RateLimiter
from config.env import Env
from config.loader import Config, load_config
from intake.service import Intake
from intake.process_writer import ProcessWriter
from intake.writer import ThreadWriter
from router import Router, compile_router
from store.db import Database, StoreUnavailable, open_database

log = structlog.get_logger("runtime")
T = TypeVar("T")


@dataclass
class Runtime:
    """Shared by the API, the pages and the channels; built once by main.py."""

    env: Env
    db: Database
    intake: Intake
    limiter: RateLimiter
    secret_key: bytes
    readers: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8, thread_name_prefix="store-read"))
    outbox_wake: Callable[[], None] | None = None
    reloaded: list[Callable[[Config], None]] = field(default_factory=list)  # told of each config switched to

    @property
    def router(self) -> Router:
        return self.intake.router

    @property
    def config(self) -> Config:
        return self.intake.router.config

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` on a reader connection off the event loop."""

        def run() -> T:
            with self.db.reader.connect() as conn:
                return fn(conn, *args)

        try:
            return await asyncio.get_running_loop().run_in_executor(self.readers, run)
        except DBAPIError as exc:
            raise StoreUnavailable(str(exc).splitlines()[0][:200]) from exc

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` in one write transaction off the event loop (actions after intake)."""

        def run() -> T:
            with self.db.writer.begin() as conn:
                return fn(conn, *args)

        try:
            return await asyncio.get_running_loop().run_in_executor(self.readers, run)
        except DBAPIError as exc:
            raise StoreUnavailable(str(exc).splitlines()[0][:200]) from exc

    def wake_outbox(self) -> None:
        """Tell the outbox worker new rows are waiting (it also finds them at its next poll)."""
        if self.outbox_wake is not None:
            self.outbox_wake()

    def reload(self) -> tuple[bool, list[str], list[str]]:
        """Load the config folder again; switch to it only when it has no errors."""
        result = load_config(self.env.config_dir)
        if result.config is None:
            log.warning("config.reload_refused", errors=len(result.errors), kept=self.config.version)
            return False, result.errors, result.warnings
        self.intake.use(compile_router(result.config))
        self.limiter.per_minute = result.config.settings.rate_limit_per_minute
        for listener in self.reloaded:
            listener(result.config)
        log.info("config.reloaded", version=result.config.version, warnings=len(result.warnings))
        return True, [], result.warnings


def secret_key(env: Env) -> bytes:
    """The key that signs form tokens: ADUAN_SECRET_KEY, else one generated once under var/."""
    if env.secret_key:
        return env.secret_key.encode()
    path = Path(env.var_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def build_runtime(env: Env, config: Config) -> Runtime:
    """Wire database, router, intake and limiter for one checked config."""
    db = open_database(env.database_url)
    if env.intake_writer == "thread":
        writer = ThreadWriter(db, env.public_url)
    elif env.intake_writer == "process":
        writer = ProcessWriter(env.database_url, env.public_url)
    else:
        raise ValueError(f'ADUAN_INTAKE_WRITER is "process" or "thread", not "{env.intake_writer}"')
    intake = Intake(writer, compile_router(config))
    return Runtime(env=env, db=db, intake=intake, limiter=RateLimiter(config.settings.rate_limit_per_minute, env.trust_forwarded_for),
                   secret_key=secret_key(env))
