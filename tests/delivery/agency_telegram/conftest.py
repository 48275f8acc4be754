"""Fixtures of the agency Telegram group deliverer's tests: a fake Bot API on loopback, complaints filed through intake."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from aiohttp import web
from sqlalchemy import select

from providers.telegram import close_bots
from providers.outcome import Delivery
from store.models import Outbox


@dataclass
class Call:
    """One request the fake Bot API received."""

    method: str
    path: str
    params: dict


@dataclass
class FakeBotApi:
    """Answers `/bot<token>/getMe` and `/sendMessage` as Telegram does, or as scripted; records every request."""

    token: ClassVar[str] = "7350099999:AAGroupTokenForTests_x9QpLmZ0123456789"

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    scripted: list[tuple[int, dict]] = field(default_factory=list)  # answers to sendMessage, given first
    ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    def sent(self) -> list[dict]:
        """The parameters of every sendMessage call."""
        return [c.params for c in self.calls if c.method == "sendMessage"]

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await request.json() if request.content_type == "application/json" else dict(await request.post())
        self.calls.append(Call(method, request.path, params))
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": 7350099999, "is_bot": True, "first_name": "Aduan",
                                                             "username": "AduanGroupTestBot"}})
        if method == "sendMessage":
            if self.scripted:
                status, body = self.scripted.pop(0)
                return web.json_response(body, status=status)
            chat_id = str(params["chat_id"])
            chat = ({"id": int(chat_id), "type": "supergroup", "title": "Dinas"} if chat_id.lstrip("-").isdigit()
                    else {"id": -1009999999999, "type": "channel", "username": chat_id.lstrip("@")})
            result = {"message_id": next(self.ids), "date": int(time.time()), "chat": chat, "text": params["text"]}
            return web.json_response({"ok": True, "result": result})
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)


@pytest.fixture
async def bot_api(aiohttp_server) -> FakeBotApi:
    """A fake Bot API on 127.0.0.1; the Bots made against it are closed after the test."""
    fake = FakeBotApi()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await close_bots()


@pytest.fixture
def outbox_deliveries():
    """Return the outbox rows of one transport as the worker would hand them to a deliverer (oldest first)."""

    def read(runtime, transport: str) -> list[Delivery]:
        query = select(Outbox.__table__).where(Outbox.transport == transport).order_by(Outbox.id)
        with runtime.db.reader.connect() as conn:
            rows = conn.execute(query).all()
        return [Delivery(r.delivery_id, r.transport, r.target, r.event, r.payload, r.attempts + 1, r.agency) for r in rows]

    return read
