"""Replies through the WhatsApp Cloud API, against a fake Graph API on loopback: the documented request, failures classified."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web

import channels.meta
from channels.whatsapp import deliverers
from delivery.outcome import Delivered, Delivery, Permanent, RetryLater

TOKEN = "EAAwaSystemUserToken987654"
PHONE_ID = "106540352242922"
TEXT = "Aduan Anda sudah diterima. Kode: NTB-7K3QX9P2. Ketik STATUS NTB-7K3QX9P2 untuk melihat statusnya."


class FakeGraph:
    """A Graph API stand-in: records each request and answers with the status (and body) it is told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.body: dict = {"messaging_product": "whatsapp", "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
                           "messages": [{"id": "wamid.SENT0001"}]}
        self.headers: dict[str, str] = {}

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query),
                              "authorization": request.headers.get("Authorization"), "json": await request.json()})
        return web.json_response(self.body, status=self.status, headers=self.headers)


@pytest.fixture
async def graph(aiohttp_server):
    """A fake Graph API on 127.0.0.1 and its root URL (version path included)."""
    fake = FakeGraph()
    app = web.Application()
    app.router.add_post("/v26.0/{path:.*}", fake.handle)
    server = await aiohttp_server(app)
    fake.url = str(server.make_url("/v26.0"))
    return fake


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def send_with(env, graph_url: str):
    return deliverers(replace(env, whatsapp_token=TOKEN, whatsapp_phone_id=PHONE_ID, graph_api_url=graph_url))["whatsapp"]


def delivery(target: str | None, text: str = TEXT) -> Delivery:
    return Delivery(delivery_id="d-1", transport="whatsapp", target=target, event="citizen.ack",
                    payload={"text": text, "language": "id", "code": "NTB-7K3QX9P2"})


def test_no_deliverer_without_token_and_phone_id(env):
    """Without both ADUAN_WHATSAPP_TOKEN and ADUAN_WHATSAPP_PHONE_ID the channel offers no deliverer."""
    assert deliverers(env) == {}
    assert deliverers(replace(env, whatsapp_token=TOKEN)) == {}
    assert deliverers(replace(env, whatsapp_phone_id=PHONE_ID)) == {}
    assert set(deliverers(replace(env, whatsapp_token=TOKEN, whatsapp_phone_id=PHONE_ID))) == {"whatsapp"}


async def test_reply_is_a_cloud_api_text_message(env, graph, session):
    """A reply POSTs to /<phone id>/messages with the bearer token and a documented text message."""
    outcome = await send_with(env, graph.url)(delivery("6281234567890"), session)
    assert outcome == Delivered("HTTP 200")
    assert graph.requests == [{
        "method": "POST", "path": f"/v26.0/{PHONE_ID}/messages", "query": {}, "authorization": f"Bearer {TOKEN}",
        "json": {"messaging_product": "whatsapp", "to": "6281234567890", "type": "text", "text": {"body": TEXT}},
    }]


@pytest.mark.parametrize("bsuid", ["ID.1502576394655843", "US.ENT.11815799212886844830"])
async def test_reply_to_a_username_user_goes_by_bsuid(env, graph, session, bsuid):
    """A sender known only by a business-scoped user id is answered with `recipient`, not `to`."""
    outcome = await send_with(env, graph.url)(delivery(bsuid), session)
    assert outcome == Delivered("HTTP 200")
    assert graph.requests[0]["json"] == {"messaging_product": "whatsapp", "recipient": bsuid, "type": "text",
                                         "text": {"body": TEXT}}


async def test_long_text_is_cut_to_the_cloud_api_limit(env, graph, session):
    """Text over 4,096 characters is cut (the Cloud API refuses it whole)."""
    await send_with(env, graph.url)(delivery("6281234567890", "ü" * 5000), session)
    sent = graph.requests[0]["json"]["text"]["body"]
    assert len(sent) == 4096 and sent.endswith("…")


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (500, {"error": {"message": "(#131000) Something went wrong", "type": "OAuthException", "code": 131000}}, {}, RetryLater),
    (503, {"error": {"message": "(#131016) Service unavailable", "code": 131016}}, {"Retry-After": "12"}, RetryLater),
    (429, {}, {}, RetryLater),
    (400, {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}}, {}, RetryLater),
    (400, {"error": {"message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                     "code": 131056}}, {}, RetryLater),
    (400, {"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047}}, {}, Permanent),
    (400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}, {}, Permanent),
    (401, {"error": {"message": f"Error validating access token: {TOKEN} has expired", "type": "OAuthException",
                     "code": 190}}, {}, Permanent),
], ids=["500", "503 retry-after", "429", "400 rate limit", "400 pair rate limit", "400 outside 24h window",
        "400 invalid parameter", "401 expired token"])
async def test_failures_are_classified_without_the_token(env, graph, session, status, body, headers, expected):
    """5xx, 429 and WhatsApp's rate-limit codes retry; other 4xx are permanent; the detail never holds the token."""
    graph.status, graph.body, graph.headers = status, body, headers
    outcome = await send_with(env, graph.url)(delivery("6281234567890"), session)
    assert type(outcome) is expected
    assert str(status) in outcome.detail and TOKEN not in outcome.detail
    if headers.get("Retry-After"):
        assert outcome.retry_after == 12.0


async def test_connection_refused_retries_later(env, session):
    """With nothing listening, the reply is retried later, and the detail holds no token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = await send_with(env, f"http://127.0.0.1:{port}/v26.0")(delivery("6281234567890"), session)
    assert type(outcome) is RetryLater and TOKEN not in outcome.detail


async def test_slow_graph_api_retries_later(env, aiohttp_server, session, monkeypatch):
    """A Graph API slower than the client timeout gives RetryLater("timeout"), not an exception."""

    async def slow(_request):
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_post(f"/v26.0/{PHONE_ID}/messages", slow)
    server = await aiohttp_server(app)
    monkeypatch.setattr(channels.meta, "GRAPH_TIMEOUT", aiohttp.ClientTimeout(total=0.2))
    outcome = await send_with(env, str(server.make_url("/v26.0")))(delivery("6281234567890"), session)
    assert outcome == RetryLater("timeout")


async def test_missing_target_or_text_is_permanent(env, graph, session):
    """A delivery with no wa_id or no text cannot succeed later: permanent, and nothing is sent."""
    send = send_with(env, graph.url)
    assert type(await send(delivery(None), session)) is Permanent
    assert type(await send(delivery("6281234567890", ""), session)) is Permanent
    assert graph.requests == []
