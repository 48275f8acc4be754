"""What a deliverer says about one attempt: delivered, retry later, or a permanent failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Delivery:
    """One outbox row as a deliverer sees it."""

    delivery_id: str
    transport: str  # telegram | facebook | whatsapp | sms | email | webhook | telegram_chat
    target: str | None  # chat id, PSID, phone number, address, URL
    event: str
    payload: dict  # citizen replies: {"text": ..., "language": ..., "code": ...}
    attempts: int = 0
    agency: str | None = None
    ticket: Mapping | None = None  # an agency delivery's ticket, rendered at claim time (delivery.ticket)


@dataclass(frozen=True)
class Delivered:
    """The provider took it (any 2xx)."""

    detail: str = ""


@dataclass(frozen=True)
class RetryLater:
    """Worth trying again: 5xx, 429, a timeout, a connection error. `detail` never holds a secret."""

    detail: str
    retry_after: float | None = None  # seconds, when the provider said


@dataclass(frozen=True)
class Permanent:
    """Trying again will not help: another 4xx, a bad address, the transport not configured."""

    detail: str


Outcome = Delivered | RetryLater | Permanent
Deliverer = Callable[[Delivery, aiohttp.ClientSession], Awaitable[Outcome]]


def classify_status(status: int, detail: str, retry_after: str | None = None) -> Outcome:
    """Classify an HTTP answer: 2xx delivered; 5xx, 429 and 408 retry; any other 4xx permanent."""
    if 200 <= status < 300:
        return Delivered(f"HTTP {status}")
    if status >= 500 or status in (408, 429):
        seconds = None
        if retry_after and retry_after.strip().isdigit():
            seconds = float(retry_after.strip())
        return RetryLater(f"HTTP {status}: {detail}"[:300], seconds)
    return Permanent(f"HTTP {status}: {detail}"[:300])
