"""The shared Meta test helpers themselves: the signature checked against hmac, the handshake, the fake Graph API."""

from __future__ import annotations

import hashlib
import hmac

import aiohttp

from tests.channels.meta.fake_graph import graph_error, start_graph
from tests.channels.meta.meta_helpers import CHALLENGE, handshake_query, sign


def test_sign_is_an_hmac_sha256_of_the_raw_bytes(channel):
    """The helpers' signature is `sha256=` and the hex HMAC-SHA256 of the exact bytes, computed here independently."""
    for body in (channel.fixture(channel.text_fixture), b"", "D\u00e9sa".encode()):
        expected = "sha256=" + hmac.new(channel.app_secret.encode(), body, hashlib.sha256).hexdigest()
        assert sign(channel.app_secret, body) == {"Content-Type": "application/json", "X-Hub-Signature-256": expected}
        assert channel.sign(body)["X-Hub-Signature-256"] == expected
    assert channel.sign(b"{}", "other")["X-Hub-Signature-256"] != channel.sign(b"{}")["X-Hub-Signature-256"]


def test_handshake_query_is_metas_subscription_get():
    """The query has hub.mode, hub.verify_token and hub.challenge, and leaves out what is None."""
    assert handshake_query("tok") == {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": CHALLENGE}
    assert handshake_query(None, challenge=None, mode=None) == {}


async def test_fake_graph_records_requests_and_answers_metas_errors(aiohttp_server):
    """The fake Graph API records each POST and answers with the status and error object it is told."""
    graph = await start_graph(aiohttp_server, {"message_id": "m_1"})
    async with aiohttp.ClientSession() as session:
        async with session.post(graph.url + "/me/messages", json={"a": 1}, params={"access_token": "t"}) as resp:
            assert resp.status == 200 and await resp.json() == {"message_id": "m_1"}
        graph.fail(429, 4, "(#4) Application request limit reached", is_transient=True)
        async with session.post(graph.url + "/1/messages", json={}, headers={"Authorization": "Bearer t"}) as resp:
            assert resp.status == 429
            assert (await resp.json())["error"] == {"message": "(#4) Application request limit reached",
                                                    "type": "OAuthException", "code": 4, "is_transient": True,
                                                    "fbtrace_id": graph_error(4, "")["error"]["fbtrace_id"]}
    assert graph.requests == [
        {"method": "POST", "path": "/v26.0/me/messages", "query": {"access_token": "t"}, "authorization": None,
         "json": {"a": 1}},
        {"method": "POST", "path": "/v26.0/1/messages", "query": {}, "authorization": "Bearer t", "json": {}},
    ]
