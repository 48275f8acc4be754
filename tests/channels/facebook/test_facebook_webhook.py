"""The webhook's contract: Meta's handshake, the signature over raw bytes, fixed answers, one complaint per message."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
from dataclasses import replace

import pytest

from api.logging import configure
from api.runtime import build_runtime
from store import models
from store.db import StoreUnavailable


@pytest.mark.parametrize(("query", "status", "body"), [
    ({"hub.mode": "subscribe", "hub.verify_token": "fb-verify-token-a61d2c", "hub.challenge": "1158201444"}, 200, "1158201444"),
    ({"hub.mode": "subscribe", "hub.verify_token": "wrong-token", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.mode": "subscribe", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.mode": "unsubscribe", "hub.verify_token": "fb-verify-token-a61d2c", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.verify_token": "fb-verify-token-a61d2c", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.mode": "subscribe", "hub.verify_token": "fb-verify-token-a61d2c", "hub.challenge": "<script>"}, 403, "forbidden"),
    ({}, 403, "forbidden"),
], ids=["right token", "wrong token", "no token", "other mode", "no mode", "challenge not a number", "nothing"])
async def test_handshake_echoes_the_challenge_only_for_our_token(fb_client, query, status, body):
    """Meta's GET with our verify token echoes hub.challenge as text/plain; anything else is 403 without it."""
    resp = await fb_client.get("/webhooks/facebook", params=query)
    assert resp.status == status
    assert await resp.text() == body
    if status == 200:
        assert resp.content_type == "text/plain"


async def test_handshake_is_refused_without_a_verify_token(aiohttp_client, fb, fb_env, sample_config):
    """With no verify token configured, no handshake succeeds, whatever token is sent."""
    runtime = build_runtime(replace(fb_env, facebook_verify_token=None), sample_config)
    client = await aiohttp_client(fb.app_with_channel(runtime))
    for token in ("", "None", "fb-verify-token-a61d2c"):
        resp = await client.get(fb.path, params={"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "42"})
        assert resp.status == 403
    runtime.readers.shutdown(wait=True)
    runtime.db.dispose()


def sha1_header(body: bytes, secret: str) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@pytest.mark.parametrize(("headers", "status"), [
    (lambda fb, body: {}, 401),
    (lambda fb, body: {"X-Hub-Signature": sha1_header(body, fb.app_secret)}, 401),
    (lambda fb, body: fb.sign(body, "another-app-secret"), 403),
    (lambda fb, body: fb.sign(body + b" "), 403),
    (lambda fb, body: {"X-Hub-Signature-256": fb.sign(body)["X-Hub-Signature-256"][:-1]}, 403),
    (lambda fb, body: {"X-Hub-Signature-256": fb.sign(body)["X-Hub-Signature-256"].replace("sha256=", "sha1=  ")}, 403),
    (lambda fb, body: {"X-Hub-Signature-256": "sha256=" + "zz" * 32}, 403),
    (lambda fb, body: {"X-Hub-Signature-256": ""}, 403),
    (lambda fb, body: {"X-Hub-Signature-256": "sha256=" + "é" * 64}, 403),
    (lambda fb, body: {"X-Hub-Signature-256": hmac.new(fb.app_secret.encode(), body, hashlib.sha256).hexdigest()}, 403),
], ids=["no signature", "only the SHA-1 header", "other secret", "other body", "digest cut short", "wrong prefix",
        "not hex", "empty", "non-ASCII", "no prefix"])
async def test_unauthentic_requests_are_refused_and_store_nothing(fb, fb_client, count, headers, status):
    """Without a valid X-Hub-Signature-256 over the raw body: 401 or 403, and no row is written."""
    body = fb.fixture("message__text")
    resp = await fb_client.post(fb.path, data=body, headers={"Content-Type": "application/json", **headers(fb, body)})
    assert resp.status == status
    assert count(models.InboundMessage) == 0 and count(models.Complaint) == 0


async def test_uppercase_hex_digest_is_accepted(fb, fb_client, count):
    """The hex digest is compared without regard to case (Meta sends lowercase)."""
    body = fb.fixture("message__text")
    header = fb.sign(body)["X-Hub-Signature-256"]
    resp = await fb_client.post(fb.path, data=body, headers={"X-Hub-Signature-256": "sha256=" + header[7:].upper()})
    assert resp.status == 200 and count(models.InboundMessage) == 1


async def test_digest_of_reserialized_unicode_is_refused(fb, fb_client, count):
    """Meta signs the escaped bytes it sends (\\u00e9); a digest over decoded, re-serialized JSON does not match."""
    body = fb.fixture("message__text")
    assert b"\\u00e9" in body and b"\\ud83d\\udea7" in body
    reserialized = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert "Désa".encode() in reserialized
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(reserialized))
    assert resp.status == 403 and count(models.InboundMessage) == 0
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == 200 and count(models.InboundMessage) == 1


@pytest.mark.parametrize("body", [
    b"", b"not json", b"{", b'{"object": "page", "entry": [{"id": "1", "messaging": [{"sender"', b"[]", b"null", b'"page"',
    b'{"object": "page"}', b'{"object": "page", "entry": {}}', b'{"object": "page", "entry": ["x"]}',
    b'{"object": 1, "entry": []}', b'{"object": "page", "entry": [{"messaging": {}}]}',
    b'{"object": "page", "entry": [{"messaging": [1]}]}',
    b"\xff\xfe{}", b'{"object": "page", "entry": [' * 5000,
], ids=lambda b: repr(b[:40]))
async def test_garbage_and_truncated_bodies_are_400(fb, fb_client, count, body):
    """A signed body that is not Meta's envelope answers 400, never 500, and stores nothing."""
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == 400
    assert count(models.InboundMessage) == 0


@pytest.mark.parametrize("body", [
    b'{"object": "page", "entry": [{"messaging": [{"message": {"mid": "m_1", "text": "x"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"text": "x"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": "x"}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"mid": "m", "attachments": {}}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "postback": {"title": "x"}}]}]}',
    b'{"object": "page", "entry": [{"changes": [{"field": "feed", "value": {"item": "comment", "verb": "add"}}]}]}',
], ids=lambda b: repr(b[28:90]))
async def test_unreadable_events_in_a_meta_envelope_are_ignored_with_200(fb, fb_client, count, body):
    """An event of Meta's envelope that cannot be read is ignored with 200 (no retry loop) and stores nothing."""
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == 200
    assert count(models.InboundMessage) == 0


async def test_truncated_fixture_is_400(fb, fb_client, count):
    """A fixture cut in the middle (a dropped connection behind a proxy) answers 400."""
    body = fb.fixture("message__text")[:-40]
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == 400 and count(models.InboundMessage) == 0


async def test_redelivered_message_creates_one_complaint(fb, fb_client, count):
    """The same message ten times in a row and twenty times at once: 200 each time, one complaint, one reply."""
    body = fb.fixture("message__text")
    for _ in range(10):
        assert (await fb_client.post(fb.path, data=body, headers=fb.sign(body))).status == 200
    other = fb.fixture("feed__comment")
    resps = await asyncio.gather(*(fb_client.post(fb.path, data=other, headers=fb.sign(other)) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert count(models.InboundMessage) == 2
    assert count(models.Complaint) == 2  # a Messenger PSID and a commenter are different senders
    assert count(models.Outbox, models.Outbox.audience == "citizen") == 2


async def test_store_unavailable_answers_503_so_meta_retries(fb, fb_client, fb_runtime, monkeypatch, count):
    """When intake cannot store the message the webhook answers 503 (Meta retries), never 200."""

    async def down(_msg):
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(fb_runtime.intake, "accept", down)
    body = fb.fixture("message__text")
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == 503 and resp.headers["Retry-After"] == "5"


async def test_body_over_the_cap_is_413(fb, fb_client, count):
    """A body over 3 MiB and a little is refused with 413 before its signature is even checked."""
    body = b'{"object": "page", "entry": []' + b" " * (3 * 1024 * 1024 + 64 * 1024) + b"}"
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == 413 and count(models.InboundMessage) == 0


async def test_channel_is_off_without_the_app_secret(aiohttp_client, fb, runtime):
    """Without ADUAN_FACEBOOK_APP_SECRET the route does not exist."""
    client = await aiohttp_client(fb.app_with_channel(runtime))
    body = fb.fixture("message__text")
    assert (await client.post(fb.path, data=body, headers=fb.sign(body))).status == 404
    assert (await client.get(fb.path, params={"hub.mode": "subscribe"})).status in (404, 405)


async def test_no_secret_reaches_the_logs(fb, fb_client):
    """App secret, verify token, page token and signatures (good or forged) never appear in the logs."""
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    try:
        body = fb.fixture("message__text")
        good = fb.sign(body)
        forged = fb.sign(body, "forged-secret-0000")
        await fb_client.get(fb.path, params={"hub.mode": "subscribe", "hub.verify_token": fb.verify_token, "hub.challenge": "7"})
        await fb_client.get(fb.path, params={"hub.mode": "subscribe", "hub.verify_token": "guess-token-xyz", "hub.challenge": "7"})
        await fb_client.post(fb.path, data=body, headers=forged)
        await fb_client.post(fb.path, data=body, headers={"X-Hub-Signature": sha1_header(body, fb.app_secret)})
        await fb_client.post(fb.path, data=body, headers=good)
        await fb_client.post(fb.path, data=b"{", headers=fb.sign(b"{"))
    finally:
        configure("INFO")
    text = buffer.getvalue()
    assert "facebook.accepted" in text and "facebook.forged" in text and "facebook.rejected" in text
    for secret in (fb.app_secret, fb.verify_token, fb.page_token, "guess-token-xyz", good["X-Hub-Signature-256"][7:],
                   forged["X-Hub-Signature-256"][7:], sha1_header(body, fb.app_secret)[5:]):
        assert secret not in text
