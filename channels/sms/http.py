"""The HTTP edge of the SMS gateways: the only module of the package that touches aiohttp.web.Request."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import orjson
import structlog
from aiohttp import web

from channels.descriptor import Ports
from channels.ladder import Ignored, Ladder, Unauthentic, plain, unavailable
from channels.sms import generic, twilio, vonage
from channels.sms.common import form_params
from channels.sms.parts import Group, PartSpool, group_key
from channels.sms.settings import SmsSettings
from complaints.model import InboundMessage
from edges.body import read_capped

log = structlog.get_logger("channels.sms")
SWEEP_SECONDS = 30.0


def _twiml() -> web.Response:
    return web.Response(status=200, text=twilio.EMPTY_TWIML, content_type="text/xml")


def _empty() -> web.Response:
    return plain(200, "")


class SmsHandlers:
    """The three webhooks and the sweep of held Vonage parts."""

    def __init__(self, ports: Ports, settings: SmsSettings) -> None:
        self.ports = ports
        self.env = settings
        self.twilio_ladder = Ladder("sms", ports.intake, _twiml)
        self.vonage_ladder = Ladder("sms", ports.intake, _empty)
        self.generic_ladder = Ladder("sms", ports.intake, lambda: web.json_response({"status": "ok"}))
        self.spool = PartSpool(Path(ports.var_dir) / "sms" / "vonage-parts")
        # One lock for the spool: long messages are few, and it keeps check-then-write of a group whole.
        self.lock = asyncio.Lock()

    async def _body(self, request: web.Request) -> bytes:
        return await read_capped(request, self.ports.config.settings.max_body_bytes)

    async def _accept(self, msg: InboundMessage, gateway: str) -> web.Response | None:
        """Hand one message to intake; None once it is stored, else the 503 that makes the gateway retry."""
        return None if await self.vonage_ladder.accept(msg, gateway=gateway) is not None else unavailable()

    async def twilio(self, request: web.Request) -> web.Response:
        """Take Twilio's incoming-message webhook; answer empty TwiML (replies go through the outbox)."""
        body = await self._body(request)
        ladder = self.twilio_ladder
        try:
            params = form_params(body)
        except ValueError:
            return ladder.malformed("body is not UTF-8 form data", gateway="twilio")
        # Twilio signs the URL it was given; behind a proxy that is the public URL, not the one we see.
        url = self.ports.public_url.rstrip("/") + request.raw_path
        if not twilio.verify(self.env.twilio_auth_token, url, params, request.headers.get("X-Twilio-Signature")):
            # A SharedKey-signed webhook names its algorithm; we check only the Auth Token's HMAC-SHA1.
            settings = request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
            return ladder.refuse(Unauthentic("signature does not match"), gateway="twilio",
                                 has_header="X-Twilio-Signature" in request.headers,
                                 algorithm=settings.partition("algorithm=")[2][:16] or None)
        parsed = twilio.parse(params, body.decode("utf-8"), datetime.now(timezone.utc))
        return await ladder.take(parsed, gateway="twilio")

    async def vonage(self, request: web.Request) -> web.Response:
        """Take a Vonage inbound SMS (GET query, or POST form or JSON); hold the parts of a long one."""
        try:
            if request.method == "POST" and (body := await self._body(request)):
                raw = body.decode("utf-8")
                if request.content_type == "application/json":
                    data = orjson.loads(body)
                    params = vonage.string_params(data) if isinstance(data, dict) else None
                else:
                    params = vonage.last_values(form_params(body))
            else:
                raw = request.rel_url.raw_query_string
                params = vonage.last_values(form_params(raw))
        except ValueError:  # orjson.JSONDecodeError and UnicodeDecodeError are ValueErrors
            params = None
        ladder = self.vonage_ladder
        if params is None:
            return ladder.malformed("unreadable parameters", gateway="vonage")
        env = self.env
        now = datetime.now(timezone.utc)
        if not vonage.verify(env.vonage_signature_secret, env.vonage_signature_method, params):
            return ladder.refuse(Unauthentic("signature does not match"), gateway="vonage", has_sig="sig" in params)
        if not vonage.fresh(params, now):
            return ladder.refuse(Unauthentic("timestamp outside five minutes"), gateway="vonage")
        parsed = vonage.parse(params, raw, now)
        if isinstance(parsed, vonage.Part):
            return await self._part(parsed) or _empty()
        return await ladder.take(parsed, gateway="vonage")

    async def _part(self, part: vonage.Part, now: float | None = None) -> web.Response | None:
        """Keep one part durably, and hand its message to intake when the last part is in."""
        now = time.time() if now is None else now
        try:
            return await self._keep(part, now)
        except OSError as exc:  # the spool's disk: full, read-only… Vonage must retry, not lose the part
            log.error("sms.spool_unavailable", channel="sms", gateway="vonage", error=type(exc).__name__)
            return unavailable()

    async def _keep(self, part: vonage.Part, now: float) -> web.Response | None:
        """Under the spool lock: drop a known part, flush an expired group, keep this part, hand over when whole."""
        key = group_key(part.msisdn, part.ref)
        async with self.lock:
            group = await asyncio.to_thread(self.spool.load, key)
            if part.message_id in group.done:
                self.vonage_ladder.ignored(Ignored("part of a message already handed over"), gateway="vonage")
                return None
            if group.expired(now):
                if (failed := await self._hand_over(group, now)) is not None:
                    return failed
                if any(p.message_id == part.message_id for p in group.parts.values()):
                    return None
            await asyncio.to_thread(self.spool.keep, part, now)
            group = await asyncio.to_thread(self.spool.load, key)
            log.info("sms.part_kept", channel="sms", gateway="vonage", part=part.number, total=part.total,
                     held=len(group.parts))
            if group.complete():
                return await self._hand_over(group, now)
        return None

    async def _hand_over(self, group: Group, now: float) -> web.Response | None:
        """Accept the joined message of a group (whole, or cut after the window), then forget its parts."""
        msg = vonage.join(list(group.parts.values()), datetime.fromtimestamp(now, timezone.utc))
        log.info("sms.parts_joined", channel="sms", gateway="vonage", parts=len(group.parts), complete=group.complete())
        if (failed := await self._accept(msg, "vonage")) is not None:
            return failed
        await asyncio.to_thread(self.spool.handed_over, group, now)
        return None

    async def sweep(self, now: float | None = None) -> int:
        """Hand over every group left incomplete past the window; drop old records. Return the groups handed over."""
        now = time.time() if now is None else now
        handed = 0
        async with self.lock:
            for key in await asyncio.to_thread(self.spool.keys):
                group = await asyncio.to_thread(self.spool.load, key)
                if group.expired(now):
                    if await self._hand_over(group, now) is None:
                        handed += 1
                else:
                    await asyncio.to_thread(self.spool.prune, group, now)
        return handed

    async def sweeper(self, _app: web.Application) -> AsyncIterator[None]:
        """Run the sweep every half minute while the app runs (cleanup context)."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(SWEEP_SECONDS)
                structlog.contextvars.clear_contextvars()  # this task's own context: no code of a past sweep
                try:
                    await self.sweep()
                except Exception:  # one bad sweep must not stop the next
                    log.exception("sms.sweep_failed", channel="sms", gateway="vonage")

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def generic(self, request: web.Request) -> web.Response:
        """Take the generic gateway's JSON message, signed over the raw body."""
        body = await self._body(request)
        ladder = self.generic_ladder
        if not generic.verify(self.env.sms_secret, body, request.headers.get(generic.HEADER)):
            return ladder.refuse(Unauthentic("signature does not match"), gateway="generic",
                                 has_header=generic.HEADER in request.headers)
        return await ladder.take(generic.parse(body, datetime.now(timezone.utc)), gateway="generic")


HANDLERS = web.AppKey("sms_handlers", SmsHandlers)
