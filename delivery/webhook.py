"""The agency webhook (transport "webhook"): the ticket (or a sweep's digest) as JSON, signed with the agency's secret,
POSTed to its URL.

SPEC section 8: headers `X-Aduan-Event`, `X-Aduan-Delivery` (the outbox row's id, the same on every retry, so
the agency drops a duplicate) and `X-Aduan-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`; any 2xx is
delivered. The secret is read from `ADUAN_AGENCY_SECRET_<CODE>` at send time, so a secret set or rotated is used
from the next attempt on; it never appears in an outcome's detail.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import aiohttp
import orjson
from yarl import URL

from config.loader import agency_secret_variable
from delivery.digest import DIGEST_EVENT, digest_of
from delivery.ticket import TicketSource, fetch_ticket
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater, classify_status
from providers.redact import blank_secrets

TRANSPORT = "webhook"
USER_AGENT = "Aduan"
SIGNATURE_HEADER = "X-Aduan-Signature"
# Enough of an error answer to tell what went wrong; a hostile endpoint cannot make us read more.
ANSWER_BYTES = 1024
DETAIL_CHARS = 200


def sign(secret: str, body: bytes) -> str:
    """Return `sha256=<hex HMAC-SHA256(secret, body)>` for the signature header."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def render(delivery: Delivery, content: Mapping, sent_at: datetime, key: str = "ticket") -> bytes:
    """Serialize the body once, the content under `key` ("ticket" or "digest"): these bytes are signed and sent."""
    return orjson.dumps(
        {"event": delivery.event, "delivery_id": delivery.delivery_id, "sent_at": sent_at.isoformat(), key: content}
    )


def headers(delivery: Delivery, secret: str, body: bytes) -> dict[str, str]:
    """The request's headers; the delivery id is the agency's key for dropping duplicates."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Aduan-Event": delivery.event,
        "X-Aduan-Delivery": delivery.delivery_id,
        SIGNATURE_HEADER: sign(secret, body),
    }


def valid_url(target: str | None) -> URL | None:
    """Return the target as an absolute http(s) URL with a host, or None."""
    if not target:
        return None
    try:
        url = URL(target.strip())
    except (ValueError, TypeError):
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return url


def retry_after_seconds(value: str | None, now: datetime) -> str | None:
    """Return Retry-After as whole seconds: given so, or counted from an HTTP date (RFC 9110 section 10.2.3)."""
    if not value or value.strip().isdigit():
        return value
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return str(max(0, math.ceil((when - now).total_seconds())))


def make_webhook_deliverer(source: TicketSource) -> Deliverer:
    """Return the deliverer of transport "webhook"; always available, each agency's secret is read when sending."""

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        """POST the agency's view of the ticket, or the digest, signed; never follow a redirect with the signature."""
        if not delivery.agency:
            return Permanent("webhook delivery names no agency, so there is no secret to sign it with")
        variable = agency_secret_variable(delivery.agency)
        secret = os.environ.get(variable)
        if not secret:
            return Permanent(f"webhook secret of agency {delivery.agency} is not set: set {variable}")
        url = valid_url(delivery.target)
        if url is None:
            return Permanent(f"invalid webhook URL for agency {delivery.agency}: an absolute http(s) URL is needed")
        if delivery.event == DIGEST_EVENT:
            key, content = "digest", digest_of(delivery)
        else:
            key, content = "ticket", await fetch_ticket(source, delivery)
        if not isinstance(content, Mapping):
            return content
        body = render(delivery, content, datetime.now(timezone.utc), key)
        try:
            async with session.post(url, data=body, headers=headers(delivery, secret, body),
                                    allow_redirects=False) as resp:
                if 200 <= resp.status < 300:
                    return Delivered(f"HTTP {resp.status}")
                if 300 <= resp.status < 400:
                    # Following would send the signed ticket wherever the answer points: the agency must fix its URL.
                    location = blank_secrets(resp.headers.get("Location", "(none)"), (secret,))
                    detail = f"HTTP {resp.status}: redirect to {location} not followed; update the agency's webhook URL"
                    return Permanent(detail[:300])
                answer = (await resp.content.read(ANSWER_BYTES)).decode("utf-8", errors="replace").strip()
                reason = blank_secrets(answer[:DETAIL_CHARS] or resp.reason or "", (secret,))
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"), datetime.now(timezone.utc))
                return classify_status(resp.status, reason, retry_after)
        except aiohttp.InvalidURL:
            return Permanent(f"invalid webhook URL for agency {delivery.agency}")
        except asyncio.TimeoutError as exc:  # aiohttp's ServerTimeoutError is one too
            return RetryLater(f"agency webhook timed out: {type(exc).__name__}")
        except aiohttp.ClientError as exc:
            # The type only: an exception's text may carry the URL, and a URL may carry the agency's own key.
            return RetryLater(f"agency webhook unreachable: {type(exc).__name__}")

    return deliver
