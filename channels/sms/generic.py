"""The generic SMS gateway (Android phone gateways, local providers): SPEC's JSON with an HMAC header, both ways."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import orjson

from channels.sms import split
from channels.ladder import Ignored, Malformed
from channels.sms.common import MAX_ID, inbound, valid_sender
from complaints.model import InboundMessage
from complaints.phone import e164
from channels.sms.settings import SmsSettings
from providers.outcome import Deliverer, Delivered, Delivery, Outcome, Permanent, RetryLater, classify_status
from providers.redact import blank_secrets

VIA = "sms-generic"
HEADER = "X-Aduan-Signature"
TIMEOUT = aiohttp.ClientTimeout(total=20)


def sign(secret: str, body: bytes) -> str:
    """Return the header value `sha256=<hex HMAC-SHA256(secret, body)>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Tell whether the header is the HMAC of these exact bytes (hex compared without regard to case)."""
    if not header:
        return False
    scheme, _, digest = header.strip().partition("=")
    if scheme.lower() != "sha256":
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, digest.strip().lower().encode())


def parse(body: bytes, now: datetime) -> InboundMessage | Ignored | Malformed:
    """Normalize `{"id", "from", "to", "text", "timestamp"}`; the id is the gateway's, the dedupe key."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return Malformed("not JSON")
    if not isinstance(data, dict):
        return Malformed("not a JSON object")
    msg_id = data.get("id")
    if isinstance(msg_id, int) and not isinstance(msg_id, bool):
        msg_id = str(msg_id)
    if not isinstance(msg_id, str) or not msg_id.strip() or len(msg_id) > MAX_ID:
        return Malformed("no valid id")
    sender = data.get("from")
    if not valid_sender(sender):
        return Malformed("no valid from")
    text = data.get("text")
    if text is None:  # a gateway forwarding an MMS or a data SMS may have no words: nothing to take, no retry
        return Ignored("no text")
    if not isinstance(text, str):
        return Malformed("text is not a string")
    if not isinstance(data.get("to"), (str, type(None))):
        return Malformed("to is not a string")
    timestamp = data.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float, str, type(None))):
        return Malformed("timestamp is not a number or a string")
    if not text.strip():
        return Ignored("empty message")
    # "+62 812-0000-1111" is stored "+6281200001111"; a local "0812…" or a sender name stays as given.
    # Replies go to `from` as the gateway wrote it: that is the form it knows.
    return inbound(msg_id, e164(sender), text, body.decode("utf-8"), now, VIA, reply_to=sender)


def deliverer(env: SmsSettings) -> Deliverer | None:
    """Return the deliverer of transport "sms-generic", or None without the secret or the send URL."""
    secret, url = env.sms_secret, env.sms_send_url
    if not (secret and url):
        return None
    # A gateway's send URL often carries its own key (query or user info): keep every part of it out of details.
    parts = urlsplit(url)
    hidden = (secret, url, parts.password, *(v for _, v in parse_qsl(parts.query) if len(v) >= 4))

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        """POST each part as `{"id", "to", "text"}`; parts of a long reply get ids "<delivery id>-1", "-2"…

        A retry sends every part again under the same ids, so the gateway drops the ones it already has.
        """
        parts = split.split(str(delivery.payload.get("text") or ""))
        if not delivery.target or not parts:
            return Permanent("no recipient or no text")
        for n, text in enumerate(parts, start=1):
            part_id = delivery.delivery_id if len(parts) == 1 else f"{delivery.delivery_id}-{n}"
            body = orjson.dumps({"id": part_id, "to": delivery.target, "text": text})
            headers = {"Content-Type": "application/json", HEADER: sign(secret, body)}
            try:
                async with session.post(url, data=body, headers=headers, timeout=TIMEOUT) as resp:
                    reason = "" if resp.status < 300 else (await resp.text(errors="replace"))[:200] or (resp.reason or "")
                    outcome = classify_status(resp.status, blank_secrets(reason, hidden), resp.headers.get("Retry-After"))
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                return RetryLater(f"sms gateway unreachable: {type(exc).__name__}")
            if not isinstance(outcome, Delivered):
                return outcome
        return Delivered(f"{len(parts)} part(s)")

    return deliver
