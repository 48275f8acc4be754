"""Build the running service from the environment and one checked config: every part given what it needs, once."""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from channels import REGISTRY
from channels.descriptor import Fetcher
from channels.telegram.settings import TelegramSettings
from config.env import Env
from config.loader import Config, load_config
from delivery.email import make_email_deliverer
from delivery.telegram_group import make_telegram_group_deliverer
from delivery.citizen import claim_preparer
from delivery.ticket import TicketSource
from delivery.webhook import make_webhook_deliverer
from delivery.worker import OutboxWorker
from edges.metrics import Metrics
from edges.ratelimit import RateLimiter
from edges.runtime import Runtime
from intake.process_writer import ProcessWriter
from intake.service import Intake, Observer
from intake.writer import ThreadWriter
from media.hosts import Hosts, hosts_of
from media.worker import MediaFetcher
from providers.outcome import Deliverer
from router import InForce, compile_router
from store.db import Database, open_database
from sweep.schedule import SweepScheduler

API_CHANNEL = "api"  # complaints submitted through POST /api/v1/complaints


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


def collect_deliverers(env: Env, source: TicketSource, registry) -> dict[str, Deliverer]:
    """Each channel's deliverers for the transports it has configured, and the agencies', by transport name."""
    bot = env.settings("telegram", TelegramSettings)  # agencies' groups are reached through the channel's bot
    deliverers: dict[str, Deliverer] = {"webhook": make_webhook_deliverer(source)}
    for transport, deliverer in (("email", make_email_deliverer(env.smtp_url, source)),
                                 ("telegram_chat", make_telegram_group_deliverer(bot.telegram_token,
                                                                                 bot.telegram_api_url, source))):
        if deliverer is not None:
            deliverers[transport] = deliverer
    for channel in registry:
        deliverers.update(channel.deliverers(env.settings(channel.name, channel.settings)))
    return deliverers


def collect_fetchers(env: Env, registry) -> dict[str, Fetcher]:
    """Each channel's media fetchers for what it has configured, by the attachments' `fetch_via`."""
    fetchers: dict[str, Fetcher] = {}
    for channel in registry:
        fetchers.update(channel.fetchers(env.settings(channel.name, channel.settings)))
    return fetchers


def media_hosts(env: Env, registry=REGISTRY) -> Hosts:
    """The hosts media is fetched from (SPEC 16): the configured API roots', the providers' own, ADUAN_MEDIA_HOSTS."""
    roots = tuple(root for channel in registry
                  for root in channel.api_roots(env.settings(channel.name, channel.settings)))
    return hosts_of(roots, env.media_hosts)


def environment(environ=None, registry=REGISTRY) -> Env:
    """Read the service's variables and each registered channel's settings."""
    return Env.from_environ(environ, channels=[(channel.name, channel.settings) for channel in registry])


def channel_names(registry=REGISTRY) -> tuple[str, ...]:
    """Every value a complaint's `channel` can take: the registered channels, then the API."""
    return (*(channel.name for channel in registry), API_CHANNEL)


def display_names(language: str, registry=REGISTRY) -> dict[str, str]:
    """Each channel's name for people, in a language ("id" or "en")."""
    return {**{channel.name: channel.names[language] for channel in registry}, API_CHANNEL: "API"}


def counting(metrics: Metrics, outbox: OutboxWorker, media: MediaFetcher | None = None) -> Observer:
    """The observer of intake: count what was stored and wake the outbox (the reply goes out now, not at its poll),
    and the media fetcher when the message carried attachments."""

    def observe(msg, result) -> None:
        if result.outcome != "duplicate":
            metrics.count(metrics.messages_in, msg.channel)
            outbox.wake()
            if media is not None and msg.attachments:
                media.wake()
        if result.outcome == "opened":
            metrics.count(metrics.routing, result.rule or "(triage)")

    return observe


def _writer(env: Env, db: Database):
    if env.intake_writer == "thread":
        return ThreadWriter(db, env.public_url)
    if env.intake_writer == "process":
        return ProcessWriter(env.database_url, env.public_url)
    raise ValueError(f'ADUAN_INTAKE_WRITER is "process" or "thread", not "{env.intake_writer}"')


def build_runtime(env: Env, config: Config, *, metrics: Metrics | None = None, registry=REGISTRY) -> Runtime:
    """Wire store, intake, deliverers, the outbox worker and the scheduled sweep for one checked config."""
    db = open_database(env.database_url)
    in_force = InForce(compile_router(config))
    readers = ThreadPoolExecutor(8, thread_name_prefix="store-read")
    source = TicketSource(db, in_force, env.public_url, readers)
    outbox = OutboxWorker(db, collect_deliverers(env, source, registry), prepare=claim_preparer(source),
                          send_limits=lambda: in_force.config.settings.send_limits)
    media = MediaFetcher(db, collect_fetchers(env, registry), media_hosts(env, registry), env.var_dir,
                         lambda: in_force.config.settings)
    metrics = metrics or Metrics()
    intake = Intake(_writer(env, db), in_force, observe=counting(metrics, outbox, media))
    scheduler = (SweepScheduler(db, lambda: in_force.config, env.public_url, swept=outbox.wake)
                 if env.sweep_scheduler else None)
    return Runtime(
        env=env, db=db, in_force=in_force, intake=intake,
        limiter=RateLimiter(config.settings.rate_limit_per_minute, env.trust_forwarded_for),
        secret_key=secret_key(env), metrics=metrics, outbox=outbox, tickets=source, scheduler=scheduler,
        load=partial(load_config, channels=channel_names(registry)), readers=readers,
        messaging_channels=frozenset(channel.name for channel in registry if channel.messaging),
        channel_names=channel_names(registry),
        channel_labels={language: display_names(language, registry) for language in ("id", "en")},
        media=media,
    )
