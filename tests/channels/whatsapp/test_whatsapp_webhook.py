"""The webhook's contract: Meta's handshake, the signature over raw bytes, 3 MB payloads, one complaint per message."""

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

CAP = 3 * 1024 * 1024 + 64 * 1024


@pytest.mark.parametrize(("query", "status", "body"), [
    ({"hub.mode": "subscribe", "hub.verify_token": "wa-verify-token-7d02ee", "hub.challenge": "1158201444"}, 200, "1158201444"),
    ({"hub.mode": "subscribe", "hub.verify_token": "fb-verify-token-a61d2c", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.mode": "subscribe", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.mode": "unsubscribe", "hub.verify_token": "wa-verify-token-7d02ee", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.verify_token": "wa-verify-token-7d02ee", "hub.challenge": "1158201444"}, 403, "forbidden"),
], ids=["right token", "another channel's token", "no token", "other mode", "no mode"])
async def test_handshake_echoes_the_challenge_only_for_our_token(wa, wa_client, query, status, body):
    """Meta's GET with the WhatsApp verify token echoes hub.challenge as text/plain; anything else is 403."""
    resp = await wa_client.get(wa.path, params=query)
    assert resp.status == status
    assert await resp.text() == body
    if status == 200:
        assert resp.content_type == "text/plain"


def sha1_header(body: bytes, secret: str) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@pytest.mark.parametrize(("headers", "status"), [
    (lambda wa, body: {}, 401),
    (lambda wa, body: {"X-Hub-Signature": sha1_header(body, wa.app_secret)}, 401),
    (lambda wa, body: wa.sign(body, "fb-app-secret-5f1c0e9a7b"), 403),
    (lambda wa, body: wa.sign(body + b"\n"), 403),
    (lambda wa, body: {"X-Hub-Signature-256": "sha256=" + "0" * 64}, 403),
    (lambda wa, body: {"X-Hub-Signature-256": wa.sign(body)["X-Hub-Signature-256"] + "00"}, 403),
], ids=["no signature", "only the SHA-1 header", "another app's secret", "other body", "zeros", "too long"])
async def test_unauthentic_requests_are_refused_and_store_nothing(wa, wa_client, count, headers, status):
    """Without a valid X-Hub-Signature-256 over the raw body: 401 or 403, and no row is written."""
    body = wa.fixture("messages__text")
    resp = await wa_client.post(wa.path, data=body, headers={"Content-Type": "application/json", **headers(wa, body)})
    assert resp.status == status
    assert count(models.InboundMessage) == 0 and count(models.Complaint) == 0


async def test_digest_of_reserialized_unicode_is_refused(wa, wa_client, count):
    """Meta signs the escaped bytes it sends (\\u00e9); a digest over decoded, re-serialized JSON does not match."""
    body = wa.fixture("messages__text")
    assert b"\\u00e9" in body
    reserialized = json.dumps(json.loads(body), ensure_ascii=False).encode()
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(reserialized))
    assert resp.status == 403 and count(models.InboundMessage) == 0
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(body))
    assert resp.status == 200 and count(models.InboundMessage) == 1


def notification(value: dict) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": value}]}]}).encode()


@pytest.mark.parametrize("body", [
    b"", b"garbage", b"{", b"[]", b"42", b'{"object": "whatsapp_business_account"}',
    b'{"object": "whatsapp_business_account", "entry": [{"changes": {}}]}',
    b'{"object": "whatsapp_business_account", "entry": [{"changes": ["x"]}]}',
    b"\xc3\x28", b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "va',
], ids=lambda b: repr(b[:48]))
async def test_garbage_and_truncated_bodies_are_400(wa, wa_client, count, body):
    """A signed body that is not Meta's envelope answers 400, never 500, and stores nothing."""
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(body))
    assert resp.status == 400
    assert count(models.InboundMessage) == 0


@pytest.mark.parametrize("body", [
    notification({"messages": {}}),
    notification({"messages": ["x"]}),
    notification({"messages": [{"id": "wamid.1", "type": "text", "text": {"body": "x"}}]}),
    notification({"messages": [{"from": "62812", "type": "text", "text": {"body": "x"}}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "text", "text": "x"}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "image", "image": {"mime_type": "image/jpeg"}}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "location", "location": {"latitude": "x"}}]}),
    notification({"messages": [{"from": "62812", "id": "w" * 300, "type": "text", "text": {"body": "x"}}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "edit", "edit": {"message": {}}}]}),
    notification({"statuses": {}}),
], ids=lambda b: repr(b[-90:]))
async def test_unreadable_messages_in_a_meta_envelope_are_ignored_with_200(wa, wa_client, count, body):
    """A message of Meta's envelope that cannot be read is ignored with 200 (no retry loop) and stores nothing."""
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(body))
    assert resp.status == 200
    assert count(models.InboundMessage) == 0


async def test_redelivered_message_creates_one_complaint(wa, wa_client, count):
    """The same message ten times in a row and twenty times at once: 200 each time, one complaint, one reply."""
    body = wa.fixture("messages__text")
    for _ in range(10):
        assert (await wa_client.post(wa.path, data=body, headers=wa.sign(body))).status == 200
    resps = await asyncio.gather(*(wa_client.post(wa.path, data=body, headers=wa.sign(body)) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert count(models.InboundMessage) == 1 and count(models.Complaint) == 1
    assert count(models.Outbox, models.Outbox.audience == "citizen") == 1


async def test_concurrent_first_deliveries_make_one_complaint(wa, wa_client, count):
    """Twenty simultaneous first deliveries of one image (retries to every subscribed app): one complaint."""
    body = wa.fixture("messages__image")
    resps = await asyncio.gather(*(wa_client.post(wa.path, data=body, headers=wa.sign(body)) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert count(models.InboundMessage) == 1 and count(models.Complaint) == 1 and count(models.Attachment) == 1


def padded_notification(size: int) -> bytes:
    """Return a real-shaped notification of at least `size` bytes: one message and many status callbacks."""
    message = {"from": "6281234567890", "id": "wamid.BIG0001", "timestamp": "1764028800", "type": "text",
               "text": {"body": "Jembatan gantung di Désa Aikmel putus"}}
    status = {"id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ0QTc1RjE3QkU5RTAwMDAwMA==", "status": "delivered",
              "timestamp": "1764028800", "recipient_id": "6281234567890",
              "conversation": {"id": "c0ffee0000000001", "origin": {"type": "service"}},
              "pricing": {"billable": False, "pricing_model": "PMP", "category": "service"}}
    per = len(json.dumps(status)) + 2
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881",
             "phone_number_id": "106540352242922"}, "messages": [message], "statuses": [status] * (size // per + 1)}
    return notification(value)


async def test_three_megabyte_payload_is_accepted(wa, wa_client, count):
    """A 3 MB notification (over 3 MiB even) is read whole, verified and stored; the 1 MiB default would refuse it."""
    body = padded_notification(3 * 1024 * 1024 + 1000)
    assert 3 * 1024 * 1024 < len(body) <= CAP
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(body))
    assert resp.status == 200
    assert count(models.InboundMessage) == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_payload_over_the_cap_is_413(wa, wa_client, count, chunked):
    """A body over 3 MiB and a little is refused with 413, whether its length is announced or not."""
    body = padded_notification(CAP + 10)
    assert len(body) > CAP

    async def stream():
        for i in range(0, len(body), 256 * 1024):
            yield body[i:i + 256 * 1024]

    resp = await wa_client.post(wa.path, data=stream() if chunked else body, headers=wa.sign(body))
    assert resp.status == 413 and count(models.InboundMessage) == 0


async def test_store_unavailable_answers_503_so_meta_retries(wa, wa_client, wa_runtime, monkeypatch):
    """When intake cannot store the message the webhook answers 503 (Meta retries for 7 days), never 200."""

    async def down(_msg):
        raise StoreUnavailable("could not connect")

    monkeypatch.setattr(wa_runtime.intake, "accept", down)
    body = wa.fixture("messages__text")
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(body))
    assert resp.status == 503


async def test_statuses_alone_store_nothing(wa, wa_client, count):
    """Delivery and read callbacks of our own replies answer 200 and write nothing."""
    for name in ("statuses__delivered", "statuses__failed"):
        body = wa.fixture(name)
        assert (await wa_client.post(wa.path, data=body, headers=wa.sign(body))).status == 200
    assert count(models.InboundMessage) == 0 and count(models.Complaint) == 0


async def test_channel_is_off_without_the_app_secret(aiohttp_client, wa, wa_env, sample_config):
    """Without ADUAN_WHATSAPP_APP_SECRET the route does not exist, even with the other WhatsApp settings."""
    runtime = build_runtime(replace(wa_env, whatsapp_app_secret=None), sample_config)
    client = await aiohttp_client(wa.app_with_channel(runtime))
    body = wa.fixture("messages__text")
    assert (await client.post(wa.path, data=body, headers=wa.sign(body))).status == 404
    runtime.readers.shutdown(wait=True)
    runtime.db.dispose()


async def test_no_secret_reaches_the_logs(wa, wa_client):
    """App secret, verify token, access token and signatures (good or forged) never appear in the logs."""
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    try:
        body = wa.fixture("messages__text")
        good = wa.sign(body)
        forged = wa.sign(body, "forged-secret-1111")
        await wa_client.get(wa.path, params={"hub.mode": "subscribe", "hub.verify_token": wa.verify_token, "hub.challenge": "9"})
        await wa_client.get(wa.path, params={"hub.mode": "subscribe", "hub.verify_token": "guess-token-abc", "hub.challenge": "9"})
        await wa_client.post(wa.path, data=body, headers=forged)
        await wa_client.post(wa.path, data=body, headers=good)
        status = wa.fixture("statuses__failed")
        await wa_client.post(wa.path, data=status, headers=wa.sign(status))
    finally:
        configure("INFO")
    text = buffer.getvalue()
    assert "whatsapp.accepted" in text and "whatsapp.forged" in text and "whatsapp.ignored" in text
    for secret in (wa.app_secret, wa.verify_token, wa.access_token, "guess-token-abc", good["X-Hub-Signature-256"][7:],
                   forged["X-Hub-Signature-256"][7:]):
        assert secret not in text
