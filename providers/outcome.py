"""What a deliverer says about one attempt: delivered, retry later, or a permanent failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

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
    # A citizen notice on a platform with reply windows (SPEC 16), filled at claim time (delivery/citizen.py): when
    # the claim was made, whether the window was looked up, when the citizen last wrote by the platform's clock (None:
    # never, as far as we know), and the WhatsApp template this notice goes as outside the window ({"name",
    # "language", "parameters"}; None: none). A notice whose window was not looked up goes as if inside it, and the
    # platform's refusal (or WhatsApp's failed status) decides.
    claimed_at: datetime | None = None
    window_checked: bool = False
    last_inbound_at: datetime | None = None
    template: Mapping | None = None


@dataclass(frozen=True)
class Delivered:
    """The provider took it (any 2xx)."""

    detail: str = ""
    message_id: str | None = None  # the provider's id of what it took (a WhatsApp wamid), for its status callbacks


@dataclass(frozen=True)
class RetryLater:
    """Worth trying again: 5xx, 429, a timeout, a connection error. `detail` never holds a secret."""

    detail: str
    retry_after: float | None = None  # seconds, when the provider said


@dataclass(frozen=True)
class Permanent:
    """Trying again will not help: another 4xx, a bad address, the transport not configured.

    `fallback`: the platform's rules refused a citizen notice (outside its window, the citizen blocked the bot, the
    template refused): the row is recorded undeliverable, and the notice goes by SMS when the reporter's number is
    known (store/fallback.py)."""

    detail: str
    fallback: bool = False


@dataclass(frozen=True)
class StatusReport:
    """A provider's status callback for a message it took from us (WhatsApp's `statuses[]`)."""

    transport: str  # the outbox transport of the delivery: "whatsapp"
    provider_message_id: str  # the id the send returned (a wamid)
    status: str  # sent | delivered | read | failed
    at: datetime | None = None  # the provider's timestamp
    code: int | None = None  # a failure's error code (131047, 131026, ...)
    title: str | None = None  # its title or message
    recipient: str | None = None  # whom the message went to (WhatsApp's `recipient_id`)


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
