"""Twilio SMS: `X-Twilio-Signature`, the incoming-message webhook's form fields, replies through the REST API."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from channels.ladder import Ignored, Malformed
from channels.sms import split
from channels.sms.common import MAX_CONTENT_TYPE, MAX_ID, attachment_kind, inbound, placeholder, valid_sender
from channels.sms.settings import SmsSettings
from complaints.model import Attachment, InboundMessage
from complaints.phone import e164
from providers.outcome import Deliverer, Delivery, Outcome, Permanent, RetryLater, classify_status
from providers.redact import blank_secrets

VIA = "sms-twilio"
# An empty TwiML answer: Twilio sends nothing back by itself; our reply leaves through the outbox.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_MEDIA = 10  # Twilio's MMS limit
TIMEOUT = aiohttp.ClientTimeout(total=20)

Params = Sequence[tuple[str, str]]


def compute_signature(auth_token: str, url: str, params: Params, distinct_values: bool = True) -> str:
    """Return base64(HMAC-SHA1(auth token, URL + each name and value, names sorted, values sorted)).

    As https://www.twilio.com/docs/usage/security defines it and twilio-python's RequestValidator computes
    it: the names are sorted, and a repeated name contributes every value, sorted (the SDK keeps each
    distinct value once).
    """
    values: dict[str, list[str]] = {}
    for name, value in params:
        values.setdefault(name, []).append(value)
    signed = url
    for name in sorted(values):
        for value in sorted(set(values[name]) if distinct_values else values[name]):
            signed += name + value
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> list[str]:
    """Return the URL with and without its default port: Twilio signs either, as the SDK's validator notes."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return [url]
    host = parts.netloc
    if port is not None:
        without = host.rpartition(":")[0]
        return [url, urlunsplit(parts._replace(netloc=without))]
    default = 443 if parts.scheme == "https" else 80
    return [url, urlunsplit(parts._replace(netloc=f"{host}:{default}"))]


def verify(auth_token: str, url: str, params: Params, signature: str | None) -> bool:
    """Tell whether `signature` is Twilio's for this URL (with or without its port) and these parameters."""
    if not signature:
        return False
    given = signature.strip().encode()
    # The SDK signs a value repeated under one name once; should Twilio sign it each time, accept that too.
    styles = (True, False) if len(set(params)) != len(params) else (True,)
    ok = False
    for candidate in url_variants(url):
        for distinct in styles:
            # Constant-time and no early exit: every candidate is computed and compared.
            ok |= hmac.compare_digest(compute_signature(auth_token, candidate, params, distinct).encode(), given)
    return ok


def parse(params: Params, raw: str, now: datetime) -> InboundMessage | Ignored | Malformed:
    """Normalize one incoming-message webhook: text and MMS media, replies to the sender through Twilio."""
    first: dict[str, str] = {}
    for name, value in params:
        first.setdefault(name, value)
    # An incoming message says SmsStatus=received; a status callback of a message we sent says
    # queued/sent/delivered/undelivered/failed/read (https://www.twilio.com/docs/messaging/guides/webhook-request).
    status = (first.get("MessageStatus") or first.get("SmsStatus") or "").lower()
    if status not in ("", "received"):
        return Ignored(f"status callback: {status}")
    sid = first.get("MessageSid") or first.get("SmsMessageSid") or first.get("SmsSid") or ""
    sender = first.get("From", "")
    if not sid or len(sid) > MAX_ID:
        return Malformed("no MessageSid")
    if not valid_sender(sender):
        return Malformed("no valid From")
    try:
        count = int(first.get("NumMedia") or 0)
    except ValueError:
        return Malformed("NumMedia is not a number")
    attachments = []
    for i in range(max(0, min(count, MAX_MEDIA))):
        url = first.get(f"MediaUrl{i}")
        if url:
            # Without MediaContentType<N> the kind is "unknown": the media fetcher asks Twilio (a HEAD) later.
            content_type = first.get(f"MediaContentType{i}", "").strip() or None
            attachments.append(Attachment(kind=attachment_kind(content_type),
                                          content_type=content_type[:MAX_CONTENT_TYPE] if content_type else None,
                                          channel_ref=url))
    body = first.get("Body", "")
    text = body if body.strip() else placeholder(tuple(attachments))
    if not text:
        return Ignored("empty message")
    # Twilio's From is E.164 already ("+62…"); e164 only strips it, as for the other gateways.
    return inbound(sid, e164(sender), text, raw, now, VIA, tuple(attachments))


def deliverer(env: SmsSettings) -> Deliverer | None:
    """Return the deliverer of transport "sms-twilio", or None when the account, token or sender is missing."""
    token, sid, sender = env.twilio_auth_token, env.twilio_account_sid, env.twilio_from
    if not (token and sid and sender):
        return None
    url = f"{env.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    headers = {"Authorization": aiohttp.encode_basic_auth(sid, token)}

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        """POST the reply to Twilio's Messages resource; Twilio concatenates, we cap the length."""
        text = split.cap(str(delivery.payload.get("text") or ""))
        if not delivery.target or not text:
            return Permanent("no recipient or no text")
        form = {"To": delivery.target, "From": sender, "Body": text}
        try:
            async with session.post(url, data=form, headers=headers, timeout=TIMEOUT) as resp:
                detail = await _error_detail(resp)
                return classify_status(resp.status, blank_secrets(detail, (token,)), resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return RetryLater(f"twilio unreachable: {type(exc).__name__}")

    return deliver


async def _error_detail(resp: aiohttp.ClientResponse) -> str:
    """Twilio's error code and message (https://www.twilio.com/docs/api/errors), or the status reason."""
    if resp.status < 300:
        return ""
    try:
        data = await resp.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return resp.reason or ""
    if isinstance(data, dict):
        return f"{data.get('code', '')} {data.get('message', '')}".strip()[:200]
    return resp.reason or ""
