"""The fake Bot API and the constants the Telegram tests share (a module, so tests can import it)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "7350012345:AAFakeTokenForTests_x9QpLmZ0123456789"
SECRET = "webhook-Secret_0123456789abcdef"
BOT_USERNAME = "AduanTestBot"
BOT_USER = {"id": 7350012345, "is_bot": True, "first_name": "Aduan", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


def fixture_bytes(name: str) -> bytes:
    """Return a fixture payload exactly as stored (the bytes Telegram would post)."""
    return (FIXTURES / f"{name}.json").read_bytes()


@dataclass
class Recorded:
    """One request the fake Bot API received."""

    method: str
    path: str
    token: str
    content_type: str
    params: dict


class FakeBotApi:
    """A Bot API server answering `/bot<token>/<method>` as Telegram does, recording every request."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.requests: list[Recorded] = []
        self.pending: list[dict] = []  # updates getUpdates serves until an offset confirms them
        self.scripted: dict[str, list[tuple[int, dict]]] = {}  # method -> answers to give first
        self.url = ""
        self._message_id = 1000
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self.handle)

    def script(self, method: str, status: int, body: dict) -> None:
        """Answer the next call of `method` with this status and body."""
        self.scripted.setdefault(method, []).append((status, body))

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method]

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return dict(await request.post())
        return dict(request.query)

    async def handle(self, request: web.Request) -> web.Response:
        method, token = request.match_info["method"], request.match_info["token"]
        params = await self._params(request)
        self.requests.append(Recorded(method, request.path, token, request.content_type, params))
        if token != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if self.scripted.get(method):
            status, body = self.scripted[method].pop(0)
            return web.json_response(body, status=status)
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT_USER})
        if method == "sendMessage":
            self._message_id += 1
            chat_id = str(params["chat_id"])
            chat = {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "private"}
            result = {"message_id": self._message_id, "date": int(time.time()), "chat": chat, "text": params["text"]}
            return web.json_response({"ok": True, "result": result})
        if method == "answerCallbackQuery":
            return web.json_response({"ok": True, "result": True})
        if method in ("editMessageText", "editMessageReplyMarkup"):
            # Like Telegram, answer with the edited message (a message sent by the bot, not an inline one).
            chat_id = str(params["chat_id"])
            chat = {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0, "type": "supergroup"}
            result = {"message_id": int(params["message_id"]), "date": int(time.time()), "edit_date": int(time.time()),
                      "chat": chat, "text": params.get("text", "")}
            return web.json_response({"ok": True, "result": result})
        if method == "getUpdates":
            offset = params.get("offset")
            if offset not in (None, ""):
                self.pending = [u for u in self.pending if u["update_id"] >= int(offset)]
            if not self.pending:
                # Long polling: hold the call a little, as Telegram holds it up to `timeout` seconds.
                await asyncio.sleep(min(float(params.get("timeout") or 0), 0.05))
            return web.json_response({"ok": True, "result": list(self.pending)})
        if method in ("setWebhook", "deleteWebhook"):
            description = "Webhook was set" if method == "setWebhook" else "Webhook was deleted"
            return web.json_response({"ok": True, "result": True, "description": description})
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
