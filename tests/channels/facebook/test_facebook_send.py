"""Replies through the Send API, against a fake Graph API on loopback: the request Meta documents, failures classified."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web

import channels.meta
from channels.facebook import deliverers
from delivery.outcome import Delivered, Delivery, Permanent, RetryLater

PAGE_TOKEN = "EAAfbPageToken0123456789"
TEXT = "Aduan Anda sudah diterima. Kode: NTB-7K3QX9P2. Ketik STATUS NTB-7K3QX9P2 untuk melihat statusnya."


class FakeGraph:
    """A Graph API stand-in: records each request and answers with the status (and body) it is told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.body: dict = {"recipient_id": "7400000000000001", "message_id": "m_SENT0001"}
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
    return deliverers(replace(env, facebook_page_token=PAGE_TOKEN, graph_api_url=graph_url))


def delivery(transport: str, target: str | None, text: str = TEXT) -> Delivery:
    return Delivery(delivery_id="d-1", transport=transport, target=target, event="citizen.ack",
                    payload={"text": text, "language": "id", "code": "NTB-7K3QX9P2"})


def test_no_deliverers_without_the_page_token(env):
    """Without ADUAN_FACEBOOK_PAGE_TOKEN the channel offers no deliverer."""
    assert deliverers(env) == {}
    assert set(send_with(env, "http://x")) == {"facebook", "facebook-comment"}


async def test_messenger_reply_is_a_send_api_response(env, graph, session):
    """A Messenger reply POSTs to /me/messages with the page token, the PSID and messaging_type RESPONSE."""
    outcome = await send_with(env, graph.url)["facebook"](delivery("facebook", "7400000000000001"), session)
    assert outcome == Delivered("HTTP 200")
    assert graph.requests == [{
        "method": "POST", "path": "/v26.0/me/messages", "query": {"access_token": PAGE_TOKEN}, "authorization": None,
        "json": {"recipient": {"id": "7400000000000001"}, "messaging_type": "RESPONSE", "message": {"text": TEXT}},
    }]


async def test_comment_reply_is_a_private_reply(env, graph, session):
    """A reply to a page comment POSTs a private reply: recipient.comment_id, to /me/messages."""
    outcome = await send_with(env, graph.url)["facebook-comment"](delivery("facebook-comment", "200_3000001"), session)
    assert outcome == Delivered("HTTP 200")
    assert graph.requests == [{
        "method": "POST", "path": "/v26.0/me/messages", "query": {"access_token": PAGE_TOKEN}, "authorization": None,
        "json": {"recipient": {"comment_id": "200_3000001"}, "message": {"text": TEXT}},
    }]


async def test_long_text_is_cut_to_the_send_api_limit(env, graph, session):
    """Text over 2,000 characters is cut (the Send API refuses it whole)."""
    await send_with(env, graph.url)["facebook"](delivery("facebook", "7400000000000001", "é" * 2500), session)
    sent = graph.requests[0]["json"]["message"]["text"]
    assert len(sent) == 2000 and sent.endswith("…")


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (500, {"error": {"message": "An unexpected error has occurred.", "type": "OAuthException", "code": 2,
                     "is_transient": True}}, {}, RetryLater),
    (503, {}, {"Retry-After": "30"}, RetryLater),
    (429, {}, {}, RetryLater),
    (400, {"error": {"message": "(#100) No matching user found", "type": "OAuthException", "code": 100,
                     "error_subcode": 2018001}}, {}, Permanent),
    (400, {"error": {"message": "(#613) Calls to this api have exceeded the rate limit.", "type": "OAuthException",
                     "code": 613}}, {}, RetryLater),
    (400, {"error": {"message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException",
                     "code": 10, "error_subcode": 2018278}}, {}, Permanent),
    (401, {"error": {"message": f"Invalid OAuth access token - Cannot parse access token {PAGE_TOKEN}",
                     "type": "OAuthException", "code": 190}}, {}, Permanent),
], ids=["500 transient", "503 retry-after", "429", "400 no user", "400 rate limit", "400 outside window", "401 bad token"])
async def test_failures_are_classified_without_the_token(env, graph, session, status, body, headers, expected):
    """5xx, 429 and Meta's rate-limit codes retry; other 4xx are permanent; the detail never holds the token."""
    graph.status, graph.body, graph.headers = status, body, headers
    outcome = await send_with(env, graph.url)["facebook"](delivery("facebook", "7400000000000001"), session)
    assert type(outcome) is expected
    assert str(status) in outcome.detail and PAGE_TOKEN not in outcome.detail
    if headers.get("Retry-After"):
        assert outcome.retry_after == 30.0


async def test_connection_refused_retries_later(env, session):
    """With nothing listening, the reply is retried later, and the detail holds neither URL nor token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for transport, target in (("facebook", "7400000000000001"), ("facebook-comment", "200_3000001")):
        outcome = await send_with(env, f"http://127.0.0.1:{port}/v26.0")[transport](delivery(transport, target), session)
        assert type(outcome) is RetryLater
        assert PAGE_TOKEN not in outcome.detail and "access_token" not in outcome.detail


async def test_missing_target_or_text_is_permanent(env, graph, session):
    """A delivery with no PSID or no text cannot succeed later: permanent, and nothing is sent."""
    send = send_with(env, graph.url)
    assert type(await send["facebook"](delivery("facebook", None), session)) is Permanent
    assert type(await send["facebook-comment"](delivery("facebook-comment", "200_1", "  "), session)) is Permanent
    assert graph.requests == []


async def test_slow_graph_api_retries_later(env, aiohttp_server, session, monkeypatch):
    """A Graph API slower than the client timeout gives RetryLater("timeout"), not an exception."""
    async def slow(_request):
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/v26.0/me/messages", slow)
    server = await aiohttp_server(app)
    monkeypatch.setattr(channels.meta, "GRAPH_TIMEOUT", aiohttp.ClientTimeout(total=0.2))
    outcome = await send_with(env, str(server.make_url("/v26.0")))["facebook"](delivery("facebook", "74"), session)
    assert outcome == RetryLater("timeout")
