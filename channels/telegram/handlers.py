"""The Telegram webhook's HTTP edge: the only module of the package that touches aiohttp's Request."""

from __future__ import annotations

import structlog
from aiohttp import web

from channels.body import read_capped
from channels.telegram.bots import bot_for, known_username
from channels.telegram.inbound import Ignored, Malformed, parse, verify
from store.db import StoreUnavailable

log = structlog.get_logger("channels.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes; a message quoting another stays far below this.
MAX_BODY_BYTES = 256 * 1024


def _answer(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    # Plain text: a JSON answer with a "method" field would be taken by Telegram as a Bot API call.
    return web.Response(status=status, text=text, headers=headers)


class TelegramWebhook:
    """`POST /webhooks/telegram`, bound to the service's runtime."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    def _username(self) -> str | None:
        env = self.runtime.env
        return known_username(bot_for(env.telegram_token, env.telegram_api_url))

    async def handle(self, request: web.Request) -> web.Response:
        """Check the secret token, parse the update, hand every message to intake, answer once stored."""
        env = self.runtime.env
        if not env.telegram_token:
            return _answer(404, "not found")
        received = request.headers.get(SECRET_HEADER)
        if not verify(received, env.telegram_secret):
            reason = "secret not configured" if not env.telegram_secret else "missing secret token" if received is None else "wrong secret token"
            log.warning("telegram.rejected", channel="telegram", reason=reason)
            return _answer(403, "forbidden")
        body = await read_capped(request, MAX_BODY_BYTES)
        result = parse(body, self._username())
        if isinstance(result, Malformed):
            log.info("telegram.malformed", channel="telegram", reason=result.reason, bytes=len(body))
            return _answer(400, "bad request")
        if isinstance(result, Ignored):
            if result.understood:
                log.info("telegram.ignored", channel="telegram", reason=result.reason, update_id=result.update_id)
            else:
                # Still 200: the secret proved it is Telegram, and a retry would only bring the same bytes again.
                log.warning("telegram.unreadable", channel="telegram", reason=result.reason, update_id=result.update_id)
            return _answer(200, "ok")
        for msg in result:
            try:
                accepted = await self.runtime.intake.accept(msg)
            except StoreUnavailable:
                log.warning("telegram.store_unavailable", channel="telegram", provider_message_id=msg.provider_message_id)
                return _answer(503, "try again", {"Retry-After": "5"})
            structlog.contextvars.bind_contextvars(code=accepted.code)
            log.info("telegram.accepted", channel="telegram", code=accepted.code, outcome=accepted.outcome,
                     provider_message_id=msg.provider_message_id)
        return _answer(200, "ok")
