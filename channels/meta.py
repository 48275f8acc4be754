"""Meta's webhook envelope, shared by Facebook and WhatsApp: handshake, signature, entries, the HTTP edge, replies.

Pure functions first (`handshake`, `verify_signature`, `decode`, `entries`, `placeholder`,
`classify_graph_answer`), then the one class that touches `aiohttp.web.Request` for both channels
(`MetaWebhook`), then the Graph API call both deliverers make (`post_graph`).
Docs: https://developers.facebook.com/docs/graph-api/webhooks/getting-started/ and
https://developers.facebook.com/docs/messenger-platform/webhooks#validate-payloads
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from channels.ladder import Ladder, Malformed, Parsed, Unauthentic
from edges.body import read_within
from channels.descriptor import Accepts, Ports
from complaints.model import Attachment
from providers.outcome import Delivered, Outcome, Permanent, RetryLater, classify_status
from providers.redact import blank_secrets

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_SIGNATURE_LENGTH = len(_PREFIX) + 64  # 71, as nyaruka/courier checks before comparing
# WhatsApp payloads can be up to 3 MB (WhatsApp webhooks overview); a little room for the envelope.
MAX_BODY = 3 * 1024 * 1024 + 64 * 1024
GRAPH_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=10)
GRAPH_API_URL = "https://graph.facebook.com/v26.0"  # ADUAN_GRAPH_API_URL's default


class BadShape(Exception):
    """Raised inside a parser when one event breaks Meta's documented shape."""


Parser = Callable[[bytes, datetime], Parsed | Malformed]


def _same(given: str, expected: str) -> bool:
    """Compare two strings in constant time (as bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def handshake(query: Mapping[str, str], verify_token: str | None) -> str | None:
    """Return the challenge to echo when the query is Meta's subscription with our verify token, else None."""
    token = query.get("hub.verify_token")
    if not verify_token or query.get("hub.mode") != "subscribe" or token is None:
        return None
    if not _same(token, verify_token):
        return None
    challenge = query.get("hub.challenge", "")
    # Meta sends an integer; anything else is not Meta, and is never echoed.
    return challenge if challenge.isascii() and challenge.isdigit() and len(challenge) <= 64 else None


def signature_of(app_secret: str, body: bytes) -> str:
    """Return the `X-Hub-Signature-256` value Meta sends for these exact bytes."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Check `X-Hub-Signature-256` against an HMAC-SHA256 of the raw bytes (Meta signs escaped unicode)."""
    if header is None or len(header) != _SIGNATURE_LENGTH or not header.startswith(_PREFIX):
        return False
    return _same(_PREFIX + header[len(_PREFIX):].lower(), signature_of(app_secret, body))


def decode(body: bytes) -> tuple[dict, str] | Malformed:
    """Decode a signed body to (payload, raw text), or Malformed when it is not a JSON object of Meta's envelope."""
    try:
        raw = body.decode("utf-8")
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Malformed("not JSON")
    if not isinstance(payload, dict):
        return Malformed("not a JSON object")
    if not isinstance(payload.get("object"), str) or not isinstance(payload.get("entry"), list):
        return Malformed("no object or entry list")
    if not all(isinstance(e, dict) for e in payload["entry"]):
        return Malformed("an entry is not an object")
    return payload, raw


def entries(payload: dict, key: str) -> Iterator[tuple[dict, dict]]:
    """Yield (entry, event) for every event of every entry under `key` (`messaging` or `changes`)."""
    for entry in payload["entry"]:
        events = entry.get(key, [])
        if not isinstance(events, list):
            raise BadShape(f"entry.{key} is not a list")
        for event in events:
            if not isinstance(event, dict):
                raise BadShape(f"an entry.{key} item is not an object")
            yield entry, event


def obj(value: object, what: str) -> dict:
    """Return `value` when it is a JSON object, else raise BadShape naming `what`."""
    if not isinstance(value, dict):
        raise BadShape(f"{what} is not an object")
    return value


def ident(value: object, what: str) -> str:
    """Return an id (Meta sends strings; a number is taken as its digits), else raise BadShape."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise BadShape(f"{what} is missing")
    if len(str(value)) > 200:
        raise BadShape(f"{what} is too long")  # Meta's ids are far shorter; our columns hold 255 at most
    return str(value)


def opt_str(value: object, limit: int | None = None) -> str | None:
    """Return a non-empty string (cut to `limit` characters when given), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value[:limit] if limit else value


def opt_float(value: object) -> float | None:
    """Return a finite number as float (WhatsApp may send it as a string), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def coordinates(lat: object, lon: object) -> tuple[float, float] | None:
    """Return (lat, lon) when both are numbers on the globe, else None."""
    la, lo = opt_float(lat), opt_float(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return la, lo


def sent_time(value: object, received_at: datetime, per_second: int = 1) -> datetime | None:
    """The provider's `timestamp` of a message (WhatsApp: seconds, as a string; Messenger: milliseconds) as a time,
    never later than it reached us (a clock ahead must not stretch a reply window); None when it is not a time."""
    number = opt_float(value)
    if number is None or number <= 0:
        return None
    try:
        at = datetime.fromtimestamp(number / per_second, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return min(at, received_at)


_PLACEHOLDERS = {"image": "[foto]", "video": "[video]", "audio": "[audio]", "voice": "[pesan suara]",
                 "document": "[dokumen]", "sticker": "[stiker]"}


def placeholder(attachments: tuple[Attachment, ...], located: bool) -> str:
    """Return the Indonesian stand-in text of a message with no words: "[foto]", "[lokasi]", "[foto] [lokasi]"."""
    parts = [_PLACEHOLDERS.get(a.kind, "[berkas]") for a in attachments]
    if located:
        parts.append("[lokasi]")
    return " ".join(dict.fromkeys(parts)) or "[pesan]"


def now() -> datetime:
    """Return the current time, UTC and aware."""
    return datetime.now(timezone.utc)


class MetaWebhook:
    """The HTTP edge of one Meta channel: GET answers the handshake, POST verifies, parses and hands to intake."""

    def __init__(self, channel: str, intake: Accepts, app_secret: str, verify_token: str | None, parse: Parser,
                 max_body: int = MAX_BODY, statuses=None) -> None:
        self.channel = channel
        self.ladder = Ladder(channel, intake, statuses=statuses)
        self._app_secret = app_secret
        self._verify_token = verify_token
        self.parse = parse
        self.max_body = max_body
        self.log = structlog.get_logger(f"channels.{channel}")

    def add_routes(self, app: web.Application) -> None:
        """Add `GET, POST /webhooks/<channel>`: the handshake and the events."""
        app.router.add_get(f"/webhooks/{self.channel}", self.subscribe, name=f"{self.channel}.subscribe")
        app.router.add_post(f"/webhooks/{self.channel}", self.receive, name=f"{self.channel}.receive")

    async def subscribe(self, request: web.Request) -> web.Response:
        """Answer Meta's subscription handshake: the challenge as text/plain, or 403."""
        challenge = handshake(request.query, self._verify_token)
        if challenge is None:
            self.log.warning("channel.handshake_refused", channel=self.channel, mode=request.query.get("hub.mode", "")[:32])
            return web.Response(status=403, text="forbidden")
        self.log.info("channel.subscribed", channel=self.channel)
        return web.Response(text=challenge, content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        """Take one event POST: 413 too big, 401/403 not Meta's, 400 malformed, 503 store down, else 200."""
        body = await read_within(request, self.max_body)
        if body is None:
            self.log.warning("channel.too_large", channel=self.channel, limit=self.max_body)
            return web.Response(status=413, text="payload too large")
        header = request.headers.get(SIGNATURE_HEADER)
        if header is None:
            # The SHA-1 X-Hub-Signature alone is not enough: only the SHA-256 header is checked.
            return self.ladder.refuse(Unauthentic("no X-Hub-Signature-256", 401),
                                      sha1_only="X-Hub-Signature" in request.headers)
        if not verify_signature(self._app_secret, body, header):
            return self.ladder.refuse(Unauthentic("signature does not match"), size=len(body))
        return await self.ladder.take(self.parse(body, now()), size=len(body))


def meta_routes(channel: str, parse: Parser, secrets: Callable[[Any], tuple[str | None, str | None]],
                max_body: int = MAX_BODY) -> Callable[[web.Application, Ports, Any], None]:
    """Return a Meta channel's `add_routes`: `GET, POST /webhooks/<channel>` when its app secret is set (else off).

    `secrets(settings)` gives the channel's (app secret, verify token).
    """

    def add_routes(app: web.Application, ports: Ports, settings: Any) -> None:
        app_secret, verify_token = secrets(settings)
        if app_secret:
            MetaWebhook(channel, ports.intake, app_secret, verify_token, parse, max_body,
                        ports.record_statuses).add_routes(app)

    return add_routes


# Graph API error codes that clear by themselves although the HTTP status is 4xx: rate limits and
# temporary faults (https://developers.facebook.com/docs/graph-api/guides/error-handling,
# https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
_TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131016, 131056, 133004})


def classify_graph_answer(status: int, body: str, retry_after: str | None, secrets: tuple[str, ...]) -> Outcome:
    """Classify a Graph API answer: as `classify_status`, but a 4xx whose error Meta marks transient retries."""
    detail, transient = body, False
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError, RecursionError):
        error = None
    if isinstance(error, dict):
        code = error.get("code")
        transient = error.get("is_transient") is True or (isinstance(code, int) and code in _TRANSIENT_CODES)
        # The subcode tells Messenger's window apart (10/2018278) from other permission errors.
        subcode = error.get("error_subcode")
        full = f"{code}/{subcode}" if isinstance(subcode, int) else f"{code}"
        detail = f"{error.get('type', 'error')} {full}: {error.get('message', '')}"
    # Redact before cutting, so no prefix of a secret survives at the cut.
    detail = blank_secrets(detail, secrets)[:200]
    if 400 <= status < 500 and transient:
        return RetryLater(f"HTTP {status}: {detail}"[:300], _seconds(retry_after))
    return classify_status(status, detail, retry_after)


def _seconds(value: str | None) -> float | None:
    return float(value.strip()) if value and value.strip().isdigit() else None


def sent_id(text: str) -> str | None:
    """The id of the message the Graph API took: WhatsApp's `messages[0].id` (a wamid), the Send API's `message_id`."""
    try:
        answer = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(answer, dict):
        return None
    messages = answer.get("messages")
    found = messages[0].get("id") if isinstance(messages, list) and messages and isinstance(messages[0], dict) \
        else answer.get("message_id")
    return found if isinstance(found, str) and 0 < len(found) <= 255 else None


async def post_graph(session: aiohttp.ClientSession, url: str, body: dict, *, secrets: tuple[str, ...],
                     params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                     fallback: bool = False) -> Outcome:
    """POST JSON to the Graph API and classify the answer; never raises for a remote failure, never leaks a secret.

    `fallback`: a refusal is the platform's last word on a citizen notice, which then goes by SMS if it can."""
    try:
        async with session.post(url, json=body, params=params, headers=headers, timeout=GRAPH_TIMEOUT,
                                raise_for_status=False) as resp:
            text = await resp.text(errors="replace")
            if 200 <= resp.status < 300:
                return Delivered(f"HTTP {resp.status}", message_id=sent_id(text))
            outcome = classify_graph_answer(resp.status, text, resp.headers.get("Retry-After"), secrets)
            if fallback and isinstance(outcome, Permanent):
                return Permanent(outcome.detail, fallback=True)
            return outcome
    except asyncio.TimeoutError:
        return RetryLater("timeout")
    except aiohttp.InvalidURL:
        return Permanent("invalid Graph API URL")
    except aiohttp.ClientError as exc:
        # The exception text may carry the URL, and the URL may carry the page token: name the class only.
        return RetryLater(f"connection failed: {type(exc).__name__}")
