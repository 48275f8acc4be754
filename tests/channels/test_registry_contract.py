"""Every messaging channel in the registry, end to end and against the same contract.

A citizen writes → the webhook answers 200 → one complaint is stored and routed → the outbox worker
delivers the acknowledgement with the tracking code to the (fake) provider API → `STATUS <code>` is
answered with the current status. And for each: a missing or wrong signature is refused with nothing
stored, signed garbage is a 400 (never a 500), a redelivered message makes one complaint and one
acknowledgement, and no configured secret reaches the logs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlencode

import pytest
from aiohttp import web
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

import channels
from api.app import create_app
from api.logging import configure
from api.runtime import build_runtime
from store import models as m

PUBLIC_URL = "http://aduan.test"
SECRETS = dict(
    telegram_token="123456:TEST-telegram-bot-token", telegram_secret="tg-secret-Abc_123",
    facebook_app_secret="fb-app-secret-1", facebook_verify_token="fb-verify-1", facebook_page_token="fb-page-token-1",
    whatsapp_app_secret="wa-app-secret-1", whatsapp_verify_token="wa-verify-1", whatsapp_token="wa-token-1",
    whatsapp_phone_id="106540352242922",
    twilio_auth_token="twilio-token-1", twilio_account_sid="AC00000000000000000000000000000001", twilio_from="+15550001708",
    vonage_signature_secret="vonage-secret-1", vonage_signature_method="sha256", vonage_api_key="vkey",
    vonage_api_secret="vonage-api-secret-1", vonage_from="1708",
    sms_secret="generic-secret-1",
)


class FakeProviders:
    """One loopback server standing in for the Bot API, the Graph API, Twilio, Vonage and a phone gateway."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []  # (transport, to, text)
        self.down = False  # every provider answers 503 while set
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path
        if self.down and not path.endswith("/getMe"):
            self.refused += 1
            return web.json_response({"error": "temporarily unavailable"}, status=503)
        raw = await request.read()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = dict((await request.post()).items()) if raw else {}
        if path.endswith("/getMe"):
            return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Aduan", "username": "AduanNtbBot"}})
        if path.endswith("/sendMessage"):
            if not data:
                data = dict((await request.post()).items())
            chat = str(data.get("chat_id"))
            # Agencies' groups (negative ids, @names) get tickets through the same bot: keep them apart.
            self.sent.append(("telegram_chat" if chat.startswith(("-", "@")) else "telegram", chat, data.get("text", "")))
            return web.json_response({"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}})
        if path == "/graph/me/messages":
            self.sent.append(("facebook", json.dumps(data["recipient"]), data["message"]["text"]))
            return web.json_response({"recipient_id": "x", "message_id": "m"})
        if path.startswith("/graph/") and path.endswith("/messages"):
            self.sent.append(("whatsapp", data.get("to", ""), data["text"]["body"]))
            return web.json_response({"messages": [{"id": "wamid.out"}]})
        if path.endswith("/Messages.json"):
            form = dict(data) if data else dict((await request.post()).items())
            self.sent.append(("sms-twilio", form["To"], form["Body"]))
            return web.json_response({"sid": "SMout"}, status=201)
        if path == "/sms/json":
            form = dict(data) if data else dict((await request.post()).items())
            self.sent.append(("sms-vonage", form["to"], form["text"]))
            return web.json_response({"message-count": "1", "messages": [{"status": "0", "message-id": "x"}]})
        if path == "/gateway/send":
            self.sent.append(("sms-generic", data["to"], data["text"]))
            return web.json_response({"ok": True})
        return web.json_response({"error": f"fake has no {path}"}, status=404)


@dataclass(frozen=True)
class Case:
    """How one channel is reached: its webhook, a signed text message, and how to spoil the signature."""

    transport: str
    path: str
    method: str
    build: Callable[[str, str, str], tuple[bytes, dict[str, str], str]]  # (text, message id, sender) -> body, headers, query


def telegram(text, mid, sender):
    body = json.dumps({"update_id": int(mid), "message": {
        "message_id": int(mid), "date": int(time.time()), "text": text,
        "from": {"id": int(sender), "is_bot": False, "first_name": "Siti"},
        "chat": {"id": int(sender), "type": "private", "first_name": "Siti"}}}).encode()
    return body, {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRETS["telegram_secret"]}, ""


def meta_signature(body: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def facebook(text, mid, sender):
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE1", "time": int(time.time() * 1000), "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": "PAGE1"}, "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_{mid}", "text": text}}]}]}).encode()
    return body, meta_signature(body, SECRETS["facebook_app_secret"]), ""


def whatsapp(text, mid, sender):
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001708", "phone_number_id": SECRETS["whatsapp_phone_id"]},
        "contacts": [{"profile": {"name": "Baiq Nurul"}, "wa_id": sender}],
        "messages": [{"from": sender, "id": f"wamid.{mid}", "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}]}}]}]}).encode()
    return body, meta_signature(body, SECRETS["whatsapp_app_secret"]), ""


def twilio(text, mid, sender):
    params = {"MessageSid": f"SM{mid:0>32}", "SmsSid": f"SM{mid:0>32}", "AccountSid": SECRETS["twilio_account_sid"],
              "From": f"+{sender}", "To": SECRETS["twilio_from"], "Body": text, "NumMedia": "0"}
    signature = RequestValidator(SECRETS["twilio_auth_token"]).compute_signature(f"{PUBLIC_URL}/webhooks/sms/twilio", params)
    return urlencode(params).encode(), {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}, ""


def vonage(text, mid, sender):
    now = int(time.time())
    params = {"msisdn": sender, "to": "1708", "messageId": f"0A{mid:0>14}", "text": text, "type": "text",
              "message-timestamp": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
              "timestamp": str(now), "nonce": str(uuid.uuid4())}
    signed = "".join(f"&{k}={v.replace('&', '_').replace('=', '_')}" for k, v in sorted(params.items()))
    params["sig"] = hmac.new(SECRETS["vonage_signature_secret"].encode(), signed.encode(), "sha256").hexdigest()
    return b"", {}, urlencode(params)


def generic(text, mid, sender):
    body = json.dumps({"id": f"gw-{mid}", "from": f"+{sender}", "to": "1708", "text": text, "timestamp": int(time.time())}).encode()
    digest = hmac.new(SECRETS["sms_secret"].encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Aduan-Signature": f"sha256={digest}"}, ""


CASES = {
    "telegram": Case("telegram", "/webhooks/telegram", "POST", telegram),
    "facebook": Case("facebook", "/webhooks/facebook", "POST", facebook),
    "whatsapp": Case("whatsapp", "/webhooks/whatsapp", "POST", whatsapp),
    "sms-twilio": Case("sms-twilio", "/webhooks/sms/twilio", "POST", twilio),
    "sms-vonage": Case("sms-vonage", "/webhooks/sms/vonage", "GET", vonage),
    "sms-generic": Case("sms-generic", "/webhooks/sms/generic", "POST", generic),
}


def test_every_messaging_channel_in_the_registry_has_a_case():
    """A channel added to the registry without a case here fails, so the contract cannot be skipped."""
    names = {c.__name__.removeprefix("channels.") for c in channels.REGISTRY} - {"web"}
    covered = {name.split("-")[0] for name in CASES}
    assert names == covered


@pytest.fixture
async def world(aiohttp_server, aiohttp_client, env, sample_config):
    fake = FakeProviders()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    root = str(server.make_url("")).rstrip("/")
    configured = replace(env, public_url=PUBLIC_URL, telegram_api_url=root, graph_api_url=f"{root}/graph", twilio_api_url=root,
                         vonage_api_url=root, sms_send_url=f"{root}/gateway/send", **SECRETS)
    runtime = build_runtime(configured, sample_config)
    runtime.limiter.per_minute = 10_000
    client = await aiohttp_client(create_app(runtime))
    yield client, runtime, fake
    runtime.readers.shutdown(wait=True)
    runtime.db.dispose()


async def send(client, case: Case, text: str, mid: str, sender: str, spoil: bool = False):
    body, headers, query = case.build(text, mid, sender)
    if spoil:
        headers = {k: v for k, v in headers.items() if k.lower() not in ("x-telegram-bot-api-secret-token", "x-hub-signature-256",
                                                                           "x-twilio-signature", "x-aduan-signature")}
        query = "&".join(p for p in query.split("&") if not p.startswith("sig="))
    url = case.path + (f"?{query}" if query else "")
    return await client.request(case.method, url, data=body or None, headers=headers)


def count(runtime, model) -> int:
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


async def replies_to(fake: FakeProviders, transport: str, n: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [text for t, _, text in fake.sent if t == transport]
        if len(texts) >= n:
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"{transport}: expected {n} replies, the fake got {fake.sent}")


@pytest.mark.parametrize("name", list(CASES))
async def test_message_in_acknowledged_out_and_status_answered(world, name):
    """Webhook in → complaint stored and routed → acknowledgement with the code at the provider → STATUS answered."""
    client, runtime, fake = world
    case = CASES[name]
    resp = await send(client, case, "Jalan rusak parah dan berlubang di Selong, Lombok Timur", "1001", "6281200001111")
    assert resp.status == 200, await resp.text()
    with runtime.db.reader.connect() as conn:
        code, agency = conn.execute(select(m.Complaint.code, m.Complaint.agency)).one()
    assert agency == "pupr-lotim"
    (ack,) = await replies_to(fake, case.transport, 1)
    assert code in ack
    resp = await send(client, case, f"STATUS {code}", "1002", "6281200001111")
    assert resp.status == 200
    status_reply = (await replies_to(fake, case.transport, 2))[1]
    assert code in status_reply and "Diteruskan ke instansi" in status_reply
    assert count(runtime, m.Complaint) == 1


@pytest.mark.parametrize("name", list(CASES))
async def test_unsigned_request_is_refused_and_nothing_stored(world, name):
    """Without the provider's signature or secret: 401/403, and no row at all."""
    client, runtime, _ = world
    resp = await send(client, CASES[name], "Jalan rusak di Selong", "2001", "6281200002222", spoil=True)
    assert resp.status in (401, 403)
    assert count(runtime, m.InboundMessage) == 0 and count(runtime, m.Complaint) == 0


@pytest.mark.parametrize("name", list(CASES))
async def test_redelivery_makes_one_complaint_and_one_acknowledgement(world, name):
    """The same provider message 10 times in a row and 20 times at once: one complaint, one acknowledgement."""
    client, runtime, fake = world
    case = CASES[name]
    for _ in range(10):
        assert (await send(client, case, "Banjir di Kota Bima, air setinggi lutut", "3001", "6281200003333")).status == 200
    results = await asyncio.gather(*(send(client, case, "Banjir di Kota Bima, air setinggi lutut", "3001", "6281200003333")
                                     for _ in range(20)))
    assert {r.status for r in results} == {200}
    assert count(runtime, m.Complaint) == 1
    await replies_to(fake, case.transport, 1)
    await asyncio.sleep(0.3)
    assert len([1 for t, _, _ in fake.sent if t == case.transport]) == 1


@pytest.mark.parametrize("command", ["STATUS NTB-7K3QX9P2", "/start", "BANTUAN", "halo"])
@pytest.mark.parametrize("name", list(CASES))
async def test_a_command_resent_is_answered_200_and_answered_once(world, name, command):
    """A status request, /start, a help word or a greeting sent again byte for byte: 200 every time, one answer."""
    client, runtime, fake = world
    case = CASES[name]
    assert (await send(client, case, command, "6001", "6281200006666")).status == 200
    answer = " ".join(await replies_to(fake, case.transport, 1))
    assert ("NTB-7K3QX9P2" in answer) if command.startswith("STATUS") else ("STATUS" in answer)
    await asyncio.sleep(0.3)
    sent = len(fake.sent)  # a long answer may go as several SMS: one answer, however many parts
    statuses = [(await send(client, case, command, "6001", "6281200006666")).status for _ in range(2)]
    assert statuses == [200, 200]
    await asyncio.sleep(0.3)
    assert len(fake.sent) == sent
    assert count(runtime, m.Complaint) == 0
    with runtime.db.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Outbox).where(m.Outbox.audience == "citizen")).scalar_one() == 1


@pytest.mark.parametrize("name", ["telegram", "facebook", "whatsapp", "sms-generic"])
async def test_signed_garbage_is_400_never_500(world, name):
    """A body with a valid signature but not the provider's format is a 400."""
    client, runtime, _ = world
    case = CASES[name]
    for garbage in (b"{not json", b"[1, 2, 3]", b"\xff\xfe\x00", b'{"entry": "nope"}'):
        headers = {"Content-Type": "application/json"}
        if name == "telegram":
            headers["X-Telegram-Bot-Api-Secret-Token"] = SECRETS["telegram_secret"]
        elif name in ("facebook", "whatsapp"):
            headers.update(meta_signature(garbage, SECRETS[f"{name}_app_secret"]))
        else:
            headers["X-Aduan-Signature"] = "sha256=" + hmac.new(SECRETS["sms_secret"].encode(), garbage, hashlib.sha256).hexdigest()
        resp = await client.post(case.path, data=garbage, headers=headers)
        assert resp.status == 400, (garbage, resp.status)
    assert count(runtime, m.InboundMessage) == 0


async def test_no_configured_secret_reaches_the_logs(world):
    """Across every channel's traffic, bad signatures and replies, no secret appears in a log line."""
    client, runtime, fake = world
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    try:
        for i, case in enumerate(CASES.values()):
            await send(client, case, "Sampah menumpuk di pasar Cakranegara", str(4000 + i), f"62812000044{i:02d}")
            await send(client, case, "Sampah menumpuk di pasar Cakranegara", str(4100 + i), f"62812000045{i:02d}", spoil=True)
        for transport in {c.transport for c in CASES.values()}:
            await replies_to(fake, transport, 1)
    finally:
        configure("INFO")
    logs = buffer.getvalue()
    assert logs
    for secret in runtime.env.secrets():
        assert secret not in logs, f"a secret leaked into the logs: {secret[:4]}…"


@pytest.mark.parametrize("name", list(CASES))
async def test_provider_down_reply_waits_in_the_outbox_and_goes_out_when_back(world, name):
    """With the provider's API failing, the webhook still answers 200 at once; the reply goes out once it is back."""
    from datetime import timedelta

    from api.app import OUTBOX

    client, runtime, fake = world
    case = CASES[name]
    fake.down = True
    started = time.monotonic()
    resp = await send(client, case, "Lampu jalan mati di Ampenan", "5001", "6281200005555")
    elapsed = time.monotonic() - started
    assert resp.status == 200 and elapsed < 1.0
    outbox = client.app[OUTBOX]
    deadline = time.monotonic() + 10
    while fake.refused == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    with runtime.db.reader.connect() as conn:
        state = conn.execute(select(m.Outbox.state).where(m.Outbox.audience == "citizen")).scalar_one()
    assert fake.refused >= 1 and state in ("failed", "pending")
    assert not [t for t, _, _ in fake.sent if t == case.transport]
    fake.down = False
    await outbox.run_once(now=datetime.now(timezone.utc) + timedelta(hours=2))
    (ack,) = await replies_to(fake, case.transport, 1)
    assert "NTB-" in ack
    with runtime.db.reader.connect() as conn:
        state = conn.execute(select(m.Outbox.state).where(m.Outbox.audience == "citizen")).scalar_one()
    assert state == "delivered"
