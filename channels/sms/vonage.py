"""Vonage SMS API: signed inbound messages (`sig`), concatenated parts, replies through `/sms/json`.

Signature, as Vonage documents it (https://developer.vonage.com/en/getting-started/concepts/signing-messages,
"Manually generate a signature") and its SDKs compute it (vonage-python-sdk `Client.signature`,
@vonage/sms `verifySignature`): take every parameter except `sig`, sorted by name; in each value replace
"&" and "=" with "_"; build "&name=value&name=value…". With "MD5 hash" (`md5hash`) the signature is the
lowercase hex MD5 of that string followed by the signature secret; with the HMAC methods (`md5`, `sha1`,
`sha256`, `sha512`) it is the hex HMAC of the string keyed with the secret (the .NET SDK sends the HMAC
in upper case, so the comparison ignores case). `timestamp` (Unix seconds) is signed too, which lets us
refuse replays older than five minutes.

Inbound fields: https://developer.vonage.com/messaging/sms/guides/inbound-sms (msisdn, to, messageId,
text, type, keyword, message-timestamp, timestamp, nonce, sig; concat, concat-ref, concat-total,
concat-part on each part of a long message).

Numbers: Vonage's SMS API spec (https://developer.vonage.com/api/sms; github.com/Nexmo/api-specification,
definitions/sms.yml) writes them "in E.164 format" without the "+": an inbound `msisdn` is "447700900001",
and the `to` of a send takes 7 to 15 digits (pattern `\\d{7,15}`, example 447700900000). So the reporter's
number is stored "+<msisdn>" and replies go to the digits.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import aiohttp

from channels.sms import split
from channels.ladder import Ignored, Malformed
from channels.sms.common import MAX_ID, inbound, valid_sender
from complaints.model import InboundMessage
from complaints.phone import e164
from channels.sms.settings import SmsSettings
from providers.outcome import Deliverer, Delivered, Delivery, Outcome, Permanent, RetryLater, classify_status
from providers.redact import blank_secrets

VIA = "sms-vonage"
METHODS = {"md5hash": None, "md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
MAX_AGE = 300  # seconds: a signed request older (or newer) than this is a replay or a broken clock
MAX_PARTS = 255  # concat-total is one octet of the concatenation header: no phone sends more parts
TIMEOUT = aiohttp.ClientTimeout(total=20)
# https://developer.vonage.com/api-errors/sms: 1 throttled, 5 internal error ("if the error persists,
# contact support"), 9 no credit ("top-up and retry"), 10 too many binds: trying later can succeed.
RETRY_STATUSES = frozenset({"1", "5", "9", "10"})
# What a delivery receipt carries and an inbound SMS never does (DeliveryReceipt in Vonage's SMS API spec;
# https://developer.vonage.com/messaging/sms/guides/delivery-receipts): `status`, `err-code`, `scts`, and
# `network-code` with `price`. A receipt may come with only `status`, `messageId`, `msisdn` and `to`.
RECEIPT_FIELDS = ("status", "err-code", "scts")
# What only an inbound SMS carries: its words or data and their parts. A request with any of them is a
# message, whatever else it carries, so no citizen's text is ever dropped as a receipt.
MESSAGE_FIELDS = ("text", "keyword", "data", "udh", "concat")


@dataclass(frozen=True)
class Part:
    """One part of a concatenated inbound SMS, held until its siblings arrive."""

    msisdn: str
    to: str
    ref: str
    total: int
    number: int
    message_id: str
    text: str
    raw: str


def string_params(data: Mapping[str, object]) -> dict[str, str] | None:
    """Return the parameters as strings (JSON bodies may hold numbers or booleans), or None if one is nested."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            out[key] = str(value)
        elif value is None:
            out[key] = ""
        else:
            return None
    return out


def last_values(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Collapse query or form pairs to one value a name (the last), as Vonage sends each name once."""
    return dict(pairs)


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    """Compute the lowercase hex signature of the parameters (all but `sig`) with the account's method."""
    signed = "".join(
        f"&{name}={params[name].replace('&', '_').replace('=', '_')}" for name in sorted(params) if name != "sig"
    )
    digest = METHODS[method.lower()]
    if digest is None:
        return hashlib.md5((signed + secret).encode()).hexdigest()
    return hmac.new(secret.encode(), signed.encode(), digest).hexdigest()


def verify(secret: str, method: str, params: Mapping[str, str]) -> bool:
    """Tell whether the request's `sig` is the signature of its other parameters."""
    given = params.get("sig", "").strip().lower()
    if not given:
        return False
    return hmac.compare_digest(signature(secret, method, params).encode(), given.encode())


def sent_at(params: Mapping[str, str]) -> datetime | None:
    """Return when Vonage sent the request: `timestamp` (Unix seconds), else `message-timestamp` (UTC)."""
    try:
        if params.get("timestamp", "").strip():
            return datetime.fromtimestamp(int(params["timestamp"].strip()), timezone.utc)
        if params.get("message-timestamp", "").strip():
            return datetime.strptime(params["message-timestamp"].strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def fresh(params: Mapping[str, str], now: datetime) -> bool:
    """Tell whether the signed send time is within five minutes of now."""
    at = sent_at(params)
    return at is not None and abs((now - at).total_seconds()) <= MAX_AGE


def is_receipt(params: Mapping[str, str]) -> bool:
    """Tell whether a request is a delivery receipt: a receipt's fields and none of a message's."""
    if any(name in params for name in MESSAGE_FIELDS):
        return False
    return any(name in params for name in RECEIPT_FIELDS) or ("network-code" in params and "price" in params)


def parse(params: Mapping[str, str], raw: str, now: datetime) -> InboundMessage | Part | Ignored | Malformed:
    """Normalize one inbound SMS, or return the part of a concatenated one to hold until it is whole."""
    if is_receipt(params):
        # A receipt of a reply we sent, delivered to this URL: nothing to store.
        return Ignored(f"delivery receipt: {params.get('status', '')[:32]}")
    msg_id, sender, to = params.get("messageId", ""), params.get("msisdn", ""), params.get("to", "")
    if not msg_id or len(msg_id) > MAX_ID:
        return Malformed("no messageId")
    if not valid_sender(sender):
        return Malformed("no valid msisdn")
    kind = params.get("type", "text").lower()
    if kind not in ("text", "unicode"):
        return Ignored(f"{kind} message")
    text = params.get("text", "")
    if params.get("concat", "").lower() == "true":
        # Signed by Vonage, so a 400 would only bring it back for a day: a part we cannot place is ignored.
        try:
            total, number = int(params.get("concat-total", "")), int(params.get("concat-part", ""))
        except ValueError:
            return Ignored("part of a long message: concat-total or concat-part is not a number")
        ref = params.get("concat-ref", "")
        if not ref or len(ref) > 64 or not 1 <= number <= total <= MAX_PARTS:
            return Ignored("part of a long message: bad concat-ref, concat-total or concat-part")
        # The msisdn as Vonage sent it: it names the part's group in the spool, so parts kept before
        # numbers were stored with "+" still join their siblings.
        return Part(sender.strip(), to, ref, total, number, msg_id, text, raw)
    if not text.strip():
        return Ignored("empty message")
    return _message(msg_id, sender, text, raw, now)


def _message(provider_id: str, msisdn: str, text: str, raw: str, now: datetime) -> InboundMessage:
    """Build the message of one sender: the reporter's number "+<msisdn>", replies to the msisdn as given."""
    return inbound(provider_id, e164(msisdn, plus_implied=True), text, raw, now, VIA, reply_to=msisdn)


def join(parts: Sequence[Part], now: datetime) -> InboundMessage:
    """Join the parts of one long SMS in order; a part that never came shows as "[…]".

    Its id is "concat:<msisdn>:<concat-ref>:<messageId of the first part held>": the ref alone is one byte
    that phones reuse, so it cannot stay a dedupe key for ever.
    """
    ordered = sorted({p.number: p for p in parts}.values(), key=lambda p: p.number)
    first = ordered[0]
    have = {p.number: p for p in ordered}
    pieces = [have[n].text if n in have else " […] " for n in range(1, first.total + 1)]
    text = "".join(pieces).strip() or "[…]"
    provider_id = f"concat:{first.msisdn}:{first.ref}:{first.message_id}"[:MAX_ID]
    return _message(provider_id, first.msisdn, text, "\n".join(p.raw for p in ordered), now)


def to_number(target: str) -> str:
    """Write a recipient as Vonage's `to` takes it: an international number's digits without "+" (a web
    reporter's "+62 812-…" too); anything else as given."""
    number = e164(target)
    return number[1:] if number.startswith("+") else number


def deliverer(env: SmsSettings) -> Deliverer | None:
    """Return the deliverer of transport "sms-vonage", or None without the API key, secret or sender."""
    key, secret, sender = env.vonage_api_key, env.vonage_api_secret, env.vonage_from
    if not (key and secret and sender):
        return None
    url = f"{env.vonage_api_url.rstrip('/')}/sms/json"

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        """POST the reply to Vonage's SMS API; Vonage concatenates, we cap the length and say when it is unicode."""
        text = split.cap(str(delivery.payload.get("text") or ""))
        if not delivery.target or not text:
            return Permanent("no recipient or no text")
        form = {"api_key": key, "api_secret": secret, "from": sender, "to": to_number(delivery.target), "text": text}
        if split.encoding(text) == split.UCS2:
            form["type"] = "unicode"
        try:
            async with session.post(url, data=form, timeout=TIMEOUT) as resp:
                if resp.status >= 300:
                    reason = (await resp.text(errors="replace"))[:200] or (resp.reason or "")
                    return classify_status(resp.status, blank_secrets(reason, (secret,)), resp.headers.get("Retry-After"))
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return RetryLater(f"vonage unreachable: {type(exc).__name__}")
        except ValueError:
            return RetryLater("vonage answered 200 without JSON")
        return _outcome(data, (secret,))

    return deliver


def _outcome(data: object, secrets: tuple[str, ...]) -> Outcome:
    """Read `messages[].status` of a 200 answer: every "0" delivered; a retryable code retries; any other is final."""
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages:
        return RetryLater("vonage answered without messages")
    failures = [m for m in messages if not isinstance(m, dict) or str(m.get("status")) != "0"]
    if not failures:
        return Delivered(f"{len(messages)} part(s)")
    detail = "; ".join(
        f"status {m.get('status')}: {m.get('error-text', '')}" if isinstance(m, dict) else "malformed" for m in failures
    )
    detail = blank_secrets(detail, secrets)[:300]
    if all(isinstance(m, dict) and str(m.get("status")) in RETRY_STATUSES for m in failures):
        return RetryLater(detail)
    return Permanent(detail)
