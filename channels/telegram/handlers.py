"""The Telegram webhook's HTTP edge: the only module of the package that touches aiohttp's Request."""

from __future__ import annotations

from aiohttp import web

from channels.descriptor import Ports
from channels.ladder import Ladder, Unauthentic, plain, unavailable
from channels.telegram.group_desk import GroupDesk
from channels.telegram.group_updates import Answer, Press
from channels.telegram.inbound import parse, verify
from channels.telegram.settings import TelegramSettings
from edges.body import read_capped
from providers.telegram import bot_for, known_username

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes; a message quoting another stays far below this.
MAX_BODY_BYTES = 256 * 1024


class TelegramWebhook:
    """`POST /webhooks/telegram`: the secret token checked, the update parsed, its messages handed to intake (a
    group's button press or reply to the desk)."""

    def __init__(self, ports: Ports, settings: TelegramSettings) -> None:
        self.settings = settings
        self.ladder = Ladder("telegram", ports.intake)
        self.desk = GroupDesk(ports, settings)

    def _username(self) -> str | None:
        return known_username(bot_for(self.settings.telegram_token, self.settings.telegram_api_url))

    async def handle(self, request: web.Request) -> web.Response:
        """Check the secret token, parse the update, hand every message to intake, answer once stored."""
        settings = self.settings
        if not settings.telegram_token:
            return plain(404, "not found")
        received = request.headers.get(SECRET_HEADER)
        if not verify(received, settings.telegram_secret):
            reason = ("secret not configured" if not settings.telegram_secret
                      else "missing secret token" if received is None else "wrong secret token")
            return self.ladder.refuse(Unauthentic(reason))
        body = await read_capped(request, MAX_BODY_BYTES)
        result = parse(body, self._username())
        if isinstance(result, (Press, Answer)):
            return self.ladder.ok() if await self.desk.take(result) else unavailable()
        return await self.ladder.take(result, bytes=len(body))
