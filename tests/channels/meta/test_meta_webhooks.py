"""Every Meta channel's webhook contract: handshake, signature over raw bytes, fixed answers, one complaint each."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json

import pytest

from app.server import create_app
from channels.meta import SIGNATURE_HEADER
from config.logging import configure
from store import models
from store.db import StoreUnavailable
from tests.channels.meta.meta_channels import another, each_channel
from tests.channels.meta.meta_helpers import CHALLENGE, MAX_BODY, handshake_query, running
from tests.conftest import with_env

# label: (the GET's query for a channel, HTTP status)
HANDSHAKES = {
    "right token": (lambda ch: handshake_query(ch.verify_token), 200),
    "wrong token": (lambda ch: handshake_query("wrong-token"), 403),
    "another channel's token": (lambda ch: handshake_query(another(ch).verify_token), 403),
    "no token": (lambda ch: handshake_query(None), 403),
    "other mode": (lambda ch: handshake_query(ch.verify_token, mode="unsubscribe"), 403),
    "no mode": (lambda ch: handshake_query(ch.verify_token, mode=None), 403),
    "challenge not a number": (lambda ch: handshake_query(ch.verify_token, challenge="<script>"), 403),
    "nothing": (lambda ch: {}, 403),
}


@pytest.mark.parametrize(("query", "status"), HANDSHAKES.values(), ids=HANDSHAKES.keys())
async def test_handshake_echoes_the_challenge_only_for_our_token(channel, channel_client, query, status):
    """Meta's GET with the channel's verify token echoes hub.challenge as text/plain; anything else is a bare 403."""
    resp = await channel_client.get(channel.path, params=query(channel))
    assert resp.status == status
    assert await resp.text() == (CHALLENGE if status == 200 else "forbidden")
    if status == 200:
        assert resp.content_type == "text/plain"


async def test_handshake_is_refused_without_a_verify_token(aiohttp_client, channel, env, sample_config):
    """With no verify token configured, no handshake succeeds, whatever token is sent."""
    with running(with_env(env, **channel.without(channel.verify_token_setting)), sample_config) as runtime:
        client = await aiohttp_client(create_app(runtime))
        for token in ("", "None", channel.verify_token):
            assert (await client.get(channel.path, params=handshake_query(token, challenge="42"))).status == 403


def sha1_header(body: bytes, secret: str) -> str:
    """Return the legacy X-Hub-Signature value (SHA-1), which alone never authenticates a request."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def good(ch, body: bytes) -> str:
    """Return the channel's valid X-Hub-Signature-256 value for a body."""
    return ch.sign(body)[SIGNATURE_HEADER]


# label: (the headers for a channel and a body, HTTP status)
FORGERIES = {
    "no signature": (lambda ch, body: {}, 401),
    "only the SHA-1 header": (lambda ch, body: {"X-Hub-Signature": sha1_header(body, ch.app_secret)}, 401),
    "other secret": (lambda ch, body: ch.sign(body, "another-app-secret"), 403),
    "another channel's secret": (lambda ch, body: ch.sign(body, another(ch).app_secret), 403),
    "other body (a space more)": (lambda ch, body: ch.sign(body + b" "), 403),
    "other body (a newline more)": (lambda ch, body: ch.sign(body + b"\n"), 403),
    "digest cut short": (lambda ch, body: {SIGNATURE_HEADER: good(ch, body)[:-1]}, 403),
    "too long": (lambda ch, body: {SIGNATURE_HEADER: good(ch, body) + "00"}, 403),
    "wrong prefix": (lambda ch, body: {SIGNATURE_HEADER: good(ch, body).replace("sha256=", "sha1=  ")}, 403),
    "no prefix": (lambda ch, body: {SIGNATURE_HEADER: good(ch, body).removeprefix("sha256=")}, 403),
    "not hex": (lambda ch, body: {SIGNATURE_HEADER: "sha256=" + "zz" * 32}, 403),
    "zeros": (lambda ch, body: {SIGNATURE_HEADER: "sha256=" + "0" * 64}, 403),
    "empty": (lambda ch, body: {SIGNATURE_HEADER: ""}, 403),
    "non-ASCII": (lambda ch, body: {SIGNATURE_HEADER: "sha256=" + "é" * 64}, 403),
}


@pytest.mark.parametrize(("headers", "status"), FORGERIES.values(), ids=FORGERIES.keys())
async def test_unauthentic_requests_are_refused_and_store_nothing(channel, channel_client, count, headers, status):
    """Without a valid X-Hub-Signature-256 over the raw body: 401 or 403, and no row is written."""
    body = channel.fixture(channel.text_fixture)
    resp = await channel_client.post(channel.path, data=body,
                                     headers={"Content-Type": "application/json", **headers(channel, body)})
    assert resp.status == status
    assert count(models.InboundMessage) == 0 and count(models.Complaint) == 0


async def test_uppercase_hex_digest_is_accepted(channel, channel_client, count):
    """The hex digest is compared without regard to case (Meta sends lowercase)."""
    body = channel.fixture(channel.text_fixture)
    header = "sha256=" + good(channel, body).removeprefix("sha256=").upper()
    resp = await channel_client.post(channel.path, data=body, headers={SIGNATURE_HEADER: header})
    assert resp.status == 200 and count(models.InboundMessage) == 1


async def test_digest_of_reserialized_unicode_is_refused(channel, channel_client, count):
    """Meta signs the escaped bytes it sends (\\u00e9); a digest over decoded, re-serialized JSON does not match."""
    body = channel.fixture(channel.text_fixture)
    assert b"\\u00e9" in body and b"\\ud83d\\udea7" in body
    reserialized = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert "Désa".encode() in reserialized
    resp = await channel_client.post(channel.path, data=body, headers=channel.sign(reserialized))
    assert resp.status == 403 and count(models.InboundMessage) == 0
    assert (await channel.post(channel_client, body)).status == 200 and count(models.InboundMessage) == 1


# Bodies that are not Meta's envelope; OBJECT and EVENTS stand for the channel's object and events key.
GARBAGE = (
    b"", b"not json", b"{", b"[]", b"null", b"42", b'"OBJECT"', b"\xff\xfe{}", b"\xc3\x28",
    b'{"object": "OBJECT"}', b'{"object": "OBJECT", "entry": {}}', b'{"object": "OBJECT", "entry": ["x"]}',
    b'{"object": 1, "entry": []}', b'{"object": "OBJECT", "entry": [{"EVENTS": {}}]}',
    b'{"object": "OBJECT", "entry": [{"EVENTS": [1]}]}', b'{"object": "OBJECT", "entry": [{"EVENTS": ["x"]}]}',
    b'{"object": "OBJECT", "entry": [{"id": "1", "EVENTS": [{"sender"', b'{"object": "OBJECT", "entry": [' * 5000,
)


def numbered(bodies) -> dict[str, tuple[bytes]]:
    """Return bodies by an id of their own: a number and how the body begins."""
    return {f"{i}: {b[:40]!r}": (b,) for i, b in enumerate(bodies, 1)}


def garbage(ch) -> dict[str, tuple[bytes]]:
    """Return the garbage bodies in the channel's words."""
    return numbered(b.replace(b"OBJECT", ch.object.encode()).replace(b"EVENTS", ch.events_key.encode()) for b in GARBAGE)


@pytest.mark.parametrize(("channel", "body"), each_channel(garbage))
async def test_garbage_and_truncated_bodies_are_400(channel, channel_client, count, body):
    """A signed body that is not Meta's envelope answers 400, never 500, and stores nothing."""
    assert (await channel.post(channel_client, body)).status == 400
    assert count(models.InboundMessage) == 0


async def test_truncated_fixture_is_400(channel, channel_client, count):
    """A fixture cut in the middle (a dropped connection behind a proxy) answers 400."""
    body = channel.fixture(channel.text_fixture)[:-40]
    assert (await channel.post(channel_client, body)).status == 400 and count(models.InboundMessage) == 0


@pytest.mark.parametrize(("channel", "body"), each_channel(lambda ch: numbered(ch.unreadable)))
async def test_unreadable_events_in_a_meta_envelope_are_ignored_with_200(channel, channel_client, count, body):
    """An event of Meta's envelope that cannot be read is ignored with 200 (no retry loop) and stores nothing."""
    assert (await channel.post(channel_client, body)).status == 200
    assert count(models.InboundMessage) == 0


async def test_redelivered_message_creates_one_complaint(channel, channel_client, count):
    """The same message ten times in a row and twenty times at once: 200 each time, one complaint, one reply."""
    body = channel.fixture(channel.text_fixture)
    for _ in range(10):
        assert (await channel.post(channel_client, body)).status == 200
    resps = await asyncio.gather(*(channel.post(channel_client, body) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert count(models.InboundMessage) == 1 and count(models.Complaint) == 1
    assert count(models.Outbox, models.Outbox.audience == "citizen") == 1


async def test_concurrent_first_deliveries_make_one_complaint(channel, channel_client, count):
    """Twenty simultaneous first deliveries of one photo (retries to every subscribed app): one complaint."""
    body = channel.fixture(channel.media_fixture)
    resps = await asyncio.gather(*(channel.post(channel_client, body) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert count(models.InboundMessage) == 1 and count(models.Complaint) == 1 and count(models.Attachment) == 1


async def test_store_unavailable_answers_503_so_meta_retries(channel, channel_client, channel_runtime, monkeypatch):
    """When intake cannot store the message the webhook answers 503 (Meta retries for 7 days), never 200."""

    async def down(_msg):
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(channel_runtime.intake, "accept", down)
    resp = await channel.post(channel_client, channel.fixture(channel.text_fixture))
    assert resp.status == 503 and resp.headers["Retry-After"] == "5"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_body_over_the_cap_is_413(channel, channel_client, count, chunked):
    """A body over 3 MiB and a little is refused with 413, announced or not, before its signature is checked."""
    body = b'{"object": "%s", "entry": []' % channel.object.encode() + b" " * MAX_BODY + b"}"

    async def stream():
        for i in range(0, len(body), 256 * 1024):
            yield body[i:i + 256 * 1024]

    resp = await channel_client.post(channel.path, data=stream() if chunked else body, headers=channel.sign(body))
    assert resp.status == 413 and count(models.InboundMessage) == 0


@pytest.mark.parametrize("others", [False, True], ids=["no settings", "every other setting"])
async def test_channel_is_off_without_the_app_secret(aiohttp_client, channel, env, sample_config, others):
    """Without the channel's app secret its route does not exist, even with all its other settings."""
    settings = channel.without(channel.app_secret_setting) if others else {channel.app_secret_setting: None}
    with running(with_env(env, **settings), sample_config) as runtime:
        client = await aiohttp_client(create_app(runtime))
        assert (await channel.post(client, channel.fixture(channel.text_fixture))).status == 404
        assert (await client.get(channel.path, params=handshake_query(channel.verify_token))).status in (404, 405)


async def test_no_secret_reaches_the_logs(channel, channel_client):
    """App secret, verify token, access token and signatures (good, forged or SHA-1) never appear in the logs."""
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    try:
        body = channel.fixture(channel.text_fixture)
        forged = channel.sign(body, "forged-secret-0000")
        sha1 = sha1_header(body, channel.app_secret)
        await channel_client.get(channel.path, params=handshake_query(channel.verify_token, challenge="7"))
        await channel_client.get(channel.path, params=handshake_query("guess-token-xyz", challenge="7"))
        await channel_client.post(channel.path, data=body, headers=forged)
        await channel_client.post(channel.path, data=body, headers={"X-Hub-Signature": sha1})
        await channel.post(channel_client, body)
        await channel.post(channel_client, b"{")
        await channel.post(channel_client, channel.fixture(channel.ignored_fixture))
    finally:
        configure("INFO")
    text = buffer.getvalue()
    logged = {(line["event"], line.get("channel")) for line in map(json.loads, text.splitlines())}
    for event in ("subscribed", "handshake_refused", "unauthentic", "accepted", "malformed", "ignored"):
        assert (f"channel.{event}", channel.name) in logged
    signatures = (good(channel, body)[7:], forged[SIGNATURE_HEADER][7:], sha1[5:])
    for secret in (*channel.secrets, "guess-token-xyz", *signatures):
        assert secret not in text
