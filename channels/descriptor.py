"""What a channel declares about itself, and what the service gives its edge; everything else is derived from these.

A channel package exposes one `CHANNEL`: its name, display names, whether citizens converse on it, its settings
class (fields read from ADUAN_<FIELD> by `config.env.read_settings`, secrets marked), how it adds its routes and
which deliverers and media fetchers it offers. `channels.REGISTRY` lists them; `Env`, the CLI, the config check,
the reports and the API's channel lists come from there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from complaints.model import InboundMessage, IntakeResult
from config.loader import Config
from edges.ratelimit import RateLimiter
from providers.outcome import Deliverer, Permanent, RetryLater, StatusReport
from router import InForce


class Accepts(Protocol):
    """The intake a channel hands messages to: answers once the message is committed (StoreUnavailable if not)."""

    async def accept(self, msg: InboundMessage) -> IntakeResult: ...


@dataclass(frozen=True)
class Ports:
    """What the service gives a channel's edge at construction, instead of the whole runtime."""

    intake: Accepts
    in_force: InForce  # the config in force (body limits, rate limits, categories)
    public_url: str
    var_dir: str
    limiter: RateLimiter
    read: Callable[..., Awaitable[Any]]  # run fn(connection, *args) on a reader connection off the loop
    secret_key: bytes
    # Run fn(connection, *args) in one write transaction off the loop: a change after intake (a button pressed in an
    # agency's Telegram group), then wake the outbox for what it queued.
    write: Callable[..., Awaitable[Any]]
    wake_outbox: Callable[[], None]
    # Keep providers' status callbacks with the deliveries they belong to (a failed one falls back to SMS): answers
    # the counts once committed, StoreUnavailable if not.
    record_statuses: Callable[[Sequence[StatusReport]], Awaitable[Mapping[str, int]]]

    @property
    def config(self) -> Config:
        return self.in_force.config


@dataclass(frozen=True)
class NoSettings:
    """The settings of a channel that reads no variable of its own."""


def no_deliverers(_settings: object) -> dict[str, Deliverer]:
    """A channel that replies through none of its own transports."""
    return {}


@dataclass(frozen=True, slots=True)
class Fetched:
    """A file downloaded from a provider: its bytes (never more than the size cap) and the type the provider named."""

    data: bytes
    content_type: str | None = None


class Get(Protocol):
    """The media fetcher's download (SPEC 16): GET a URL on an allowed host, size-capped, redirects followed to allowed
    hosts only and without `headers` (credentials go to the first host only); an error as RetryLater or Permanent."""

    async def __call__(self, url: str, headers: Mapping[str, str] | None = None) -> Fetched | RetryLater | Permanent: ...


# (the attachment's provider reference, the download) -> the file, or why not
Fetcher = Callable[[str, Get], Awaitable[Fetched | RetryLater | Permanent]]


def no_fetchers(_settings: object) -> dict[str, Fetcher]:
    """A channel whose citizens' media is never fetched."""
    return {}


def no_api_roots(_settings: object) -> tuple[str, ...]:
    """A channel that calls no provider's API of its own."""
    return ()


@dataclass(frozen=True)
class Channel:
    """One channel, as it describes itself."""

    name: str  # the `channel` of its complaints, its route prefix /webhooks/<name>, its log field
    names: Mapping[str, str]  # display names by language: {"id": ..., "en": ...}
    messaging: bool  # citizens converse on it: status commands, replies, objections
    add_routes: Callable[[web.Application, Ports, Any], None]  # (app, ports, its settings)
    settings: type = NoSettings
    deliverers: Callable[[Any], dict[str, Deliverer]] = no_deliverers  # its settings -> {transport: deliverer}
    fetchers: Callable[[Any], dict[str, Fetcher]] = no_fetchers  # its settings -> {attachments' fetch_via: fetcher}
    # its settings -> the provider API roots it calls, whose hosts the media fetcher may request (SPEC 16)
    api_roots: Callable[[Any], tuple[str, ...]] = no_api_roots
