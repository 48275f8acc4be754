"""Replies leave through the gateway's API as it documents it, and every failure is classified, never raised."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
from dataclasses import replace

import aiohttp
import pytest
from aiohttp import web

from channels import sms
from channels.sms import generic, twilio, vonage
from channels.sms.settings import SmsSettings
from providers.outcome import Delivered, Delivery, Permanent, RetryLater
from sms_helpers import INDONESIAN

SID, TOKEN = "AC00000000000000000000000000000000", "twilio-auth-token-7f3a9c"
KEY, API_SECRET = "abcd1234", "vonage-api-secret-0c4e"
SMS_SECRET = "generic-sms-secret-9e8b"
PHONE = "+6281234567890"


class FakeProvider:
    """A loopback stand-in for Twilio, Vonage and a generic gateway: records requests, answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, object, dict]] = []  # consumed one a request; the last one repeats
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                              "body": body, "form": dict(await request.post()) if request.content_type.endswith("urlencoded") else None})
        if self.delay:
            await asyncio.sleep(self.delay)
        status, payload, headers = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(payload, (dict, list)):
            return web.json_response(payload, status=status, headers=headers)
        return web.Response(status=status, text=str(payload), headers=headers)


@pytest.fixture
async def fake(aiohttp_server):
    """Start the fake provider on 127.0.0.1 and return it with its base URL."""
    provider = FakeProvider()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", provider.handle)
    server = await aiohttp_server(app)
    provider.url = str(server.make_url("")).rstrip("/")
    return provider


@pytest.fixture
async def session():
    """The client session a deliverer is handed by the outbox worker."""
    async with aiohttp.ClientSession() as s:
        yield s


def env_for(url: str, **changes) -> SmsSettings:
    """The SMS settings with every gateway's outbound side pointed at the fake."""
    return replace(SmsSettings(
        twilio_auth_token=TOKEN, twilio_account_sid=SID, twilio_from="+6281100001708", twilio_api_url=url,
        vonage_signature_secret="vonage-signature-secret", vonage_api_key=KEY, vonage_api_secret=API_SECRET,
        vonage_from="AduanNTB", vonage_api_url=url, sms_secret=SMS_SECRET, sms_send_url=f"{url}/send?key=gw-key-123",
    ), **changes)


def delivery(text: str, transport: str = "sms-twilio", target: str | None = PHONE) -> Delivery:
    """An outbox row carrying a citizen reply."""
    return Delivery(delivery_id="01HZX3Y7QK", transport=transport, target=target, event="citizen.ack",
                    payload={"text": text, "code": "NTB-7K3QX9P2", "language": "id"})


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SECRETS = (TOKEN, API_SECRET, SMS_SECRET, "gw-key-123")


def assert_no_secret(outcome) -> None:
    """Fail if any configured secret is in the outcome's detail."""
    for secret in SECRETS:
        assert secret not in outcome.detail


# --- Twilio ------------------------------------------------------------------------------------------------


async def test_twilio_reply_is_posted_as_twilio_documents(fake, session):
    """POST /2010-04-01/Accounts/<sid>/Messages.json, basic auth (sid, token), form To, From, Body."""
    fake.answers = [(201, {"sid": "SM1", "status": "queued"}, {})]
    outcome = await twilio.deliverer(env_for(fake.url))(delivery("Aduan diterima: NTB-7K3QX9P2"), session)
    assert isinstance(outcome, Delivered)
    [req] = fake.requests
    assert req["method"] == "POST" and req["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert req["headers"]["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert req["form"] == {"To": PHONE, "From": "+6281100001708", "Body": "Aduan diterima: NTB-7K3QX9P2"}


async def test_twilio_long_reply_is_capped_not_split(fake, session):
    """Twilio concatenates by itself: one request, the text cut to six parts' worth with "..."."""
    fake.answers = [(201, {"sid": "SM1"}, {})]
    await twilio.deliverer(env_for(fake.url))(delivery(INDONESIAN * 5), session)
    [req] = fake.requests
    assert len(req["form"]["Body"]) <= 6 * 153 and req["form"]["Body"].endswith("...")


@pytest.mark.parametrize(
    "status, payload, headers, kind, retry_after",
    [
        (500, {"code": 20500, "message": "Internal Server Error"}, {}, RetryLater, None),
        (503, "Service Unavailable", {}, RetryLater, None),
        (429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "7"}, RetryLater, 7.0),
        (400, {"code": 21211, "message": "The 'To' number +62 is not a valid phone number."}, {}, Permanent, None),
        (401, {"code": 20003, "message": f"Authenticate {TOKEN}"}, {}, Permanent, None),
    ],
)
async def test_twilio_failures_are_classified(fake, session, status, payload, headers, kind, retry_after):
    """5xx and 429 retry (with Twilio's Retry-After), other 4xx are permanent; no token in the detail."""
    fake.answers = [(status, payload, headers)]
    outcome = await twilio.deliverer(env_for(fake.url))(delivery("Halo"), session)
    assert isinstance(outcome, kind) and f"HTTP {status}" in outcome.detail
    if kind is RetryLater:
        assert outcome.retry_after == retry_after
    if isinstance(payload, dict):
        assert str(payload["code"]) in outcome.detail
    assert_no_secret(outcome)


# --- Vonage ------------------------------------------------------------------------------------------------


async def test_vonage_reply_is_posted_as_vonage_documents(fake, session):
    """POST <root>/sms/json with api_key, api_secret, from, to (digits, no "+"), text; "0" for every part is delivered."""
    fake.answers = [(200, {"message-count": "1", "messages": [{"to": "6281234567890", "message-id": "0C00", "status": "0"}]}, {})]
    outcome = await vonage.deliverer(env_for(fake.url))(delivery("Aduan diterima", "sms-vonage"), session)
    assert isinstance(outcome, Delivered)
    [req] = fake.requests
    assert req["path"] == "/sms/json"
    assert req["form"] == {"api_key": KEY, "api_secret": API_SECRET, "from": "AduanNTB", "to": "6281234567890",
                           "text": "Aduan diterima"}


@pytest.mark.parametrize(
    "target, to",
    [
        ("6281234567890", "6281234567890"),  # a Vonage reporter's reply target: the msisdn as Vonage sent it
        ("+6281234567890", "6281234567890"),  # a web reporter's phone, sent through "sms"
        ("+62 812-3456-7890", "6281234567890"),
        ("081234567890", "081234567890"),  # not international: Vonage says what it thinks of it
    ],
)
async def test_vonage_to_is_the_digits_of_an_international_number(fake, session, target, to):
    """Vonage's `to` takes 7 to 15 digits (SMS API spec): a "+" and separators are dropped, other forms go as given."""
    fake.answers = [(200, {"message-count": "1", "messages": [{"status": "0"}]}, {})]
    await vonage.deliverer(env_for(fake.url))(delivery("Halo", "sms-vonage", target), session)
    assert fake.requests[0]["form"]["to"] == to


async def test_vonage_says_unicode_for_text_outside_gsm7(fake, session):
    """An emoji makes the reply UCS-2: Vonage is told type=unicode, or it would garble the text."""
    fake.answers = [(200, {"message-count": "1", "messages": [{"status": "0"}]}, {})]
    await vonage.deliverer(env_for(fake.url))(delivery("Terima kasih 🙏", "sms-vonage"), session)
    assert fake.requests[0]["form"]["type"] == "unicode"


@pytest.mark.parametrize(
    "statuses, kind",
    [
        (["0", "0"], Delivered),
        (["1"], RetryLater),  # throttled
        (["5"], RetryLater),  # internal error
        (["0", "1"], RetryLater),
        (["4"], Permanent),  # invalid credentials
        (["6"], Permanent),  # invalid message
        (["1", "3"], Permanent),
    ],
)
async def test_vonage_statuses_are_classified(fake, session, statuses, kind):
    """A 200 carries a status a part: all "0" delivered; throttled or internal error retry; others are final."""
    messages = [{"status": s, "error-text": f"Bad Credentials ({API_SECRET})" if s == "4" else f"status {s}"} for s in statuses]
    fake.answers = [(200, {"message-count": str(len(messages)), "messages": messages}, {})]
    outcome = await vonage.deliverer(env_for(fake.url))(delivery("Halo", "sms-vonage"), session)
    assert isinstance(outcome, kind)
    assert_no_secret(outcome)


@pytest.mark.parametrize("status, body, kind", [(500, "oops", RetryLater), (401, "unauthorized", Permanent), (200, "not json", RetryLater)])
async def test_vonage_http_failures_are_classified(fake, session, status, body, kind):
    """An HTTP error or a 200 without JSON is classified like any other answer."""
    fake.answers = [(status, body, {})]
    outcome = await vonage.deliverer(env_for(fake.url))(delivery("Halo", "sms-vonage"), session)
    assert isinstance(outcome, kind)


# --- generic gateway ---------------------------------------------------------------------------------------


async def test_generic_reply_is_signed_json(fake, session):
    """POST {"id": <delivery id>, "to", "text"} to the send URL with X-Aduan-Signature over the exact body."""
    fake.answers = [(200, {"ok": True}, {})]
    outcome = await generic.deliverer(env_for(fake.url))(delivery("Aduan diterima", "sms-generic"), session)
    assert isinstance(outcome, Delivered)
    [req] = fake.requests
    assert req["path"] == "/send" and json.loads(req["body"]) == {"id": "01HZX3Y7QK", "to": PHONE, "text": "Aduan diterima"}
    expected = "sha256=" + hmac.new(SMS_SECRET.encode(), req["body"], hashlib.sha256).hexdigest()
    assert req["headers"]["X-Aduan-Signature"] == expected


async def test_generic_long_reply_goes_as_numbered_parts(fake, session):
    """A long reply is split on words into UCS-2 messages with ids "<delivery id>-1", "-2"…, cut at six."""
    fake.answers = [(200, "", {})]
    outcome = await generic.deliverer(env_for(fake.url))(delivery("Terima kasih 🙏 " + INDONESIAN * 2, "sms-generic"), session)
    assert isinstance(outcome, Delivered)
    bodies = [json.loads(r["body"]) for r in fake.requests]
    assert [b["id"] for b in bodies] == [f"01HZX3Y7QK-{n}" for n in range(1, len(bodies) + 1)] and len(bodies) == 6
    assert all(len(b["text"]) <= 67 for b in bodies)
    assert bodies[-1]["text"].endswith("…")


async def test_generic_failure_of_a_later_part_retries_the_delivery(fake, session):
    """Part 2 answered 500: the delivery retries (the gateway drops part 1 again by its id)."""
    fake.answers = [(200, "", {}), (500, "busy", {})]
    outcome = await generic.deliverer(env_for(fake.url))(delivery(INDONESIAN, "sms-generic"), session)
    assert isinstance(outcome, RetryLater) and len(fake.requests) == 2


@pytest.mark.parametrize("status, kind", [(500, RetryLater), (429, RetryLater), (400, Permanent), (404, Permanent)])
async def test_generic_failures_are_classified(fake, session, status, kind):
    """The gateway's answer is classified; a secret or the send URL echoed back never reaches the detail."""
    fake.answers = [(status, f"refused {SMS_SECRET} at /send?key=gw-key-123", {})]
    outcome = await generic.deliverer(env_for(fake.url))(delivery("Halo", "sms-generic"), session)
    assert isinstance(outcome, kind)
    assert_no_secret(outcome)


# --- every gateway -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["sms-twilio", "sms-vonage", "sms-generic"])
async def test_connection_refused_retries(session, transport):
    """Nobody listening: retry later, and the detail names neither the URL's key nor any secret."""
    url = f"http://127.0.0.1:{free_port()}"
    outcome = await sms.deliverers(env_for(url))[transport](delivery("Halo", transport), session)
    assert isinstance(outcome, RetryLater) and "unreachable" in outcome.detail
    assert_no_secret(outcome)


@pytest.mark.parametrize("transport, module", [("sms-twilio", twilio), ("sms-vonage", vonage), ("sms-generic", generic)])
async def test_timeout_retries(fake, session, monkeypatch, transport, module):
    """A gateway slower than the timeout: retry later."""
    monkeypatch.setattr(module, "TIMEOUT", aiohttp.ClientTimeout(total=0.2))
    fake.answers = [(200, {"messages": [{"status": "0"}]}, {})]
    fake.delay = 1.0
    outcome = await sms.deliverers(env_for(fake.url))[transport](delivery("Halo", transport), session)
    assert isinstance(outcome, RetryLater)


@pytest.mark.parametrize("transport", ["sms-twilio", "sms-vonage", "sms-generic"])
@pytest.mark.parametrize("target, text", [(None, "Halo"), (PHONE, ""), (PHONE, "   ")])
async def test_nothing_to_send_is_permanent(fake, session, transport, target, text):
    """No recipient or no text cannot get better by retrying, and no request is made."""
    outcome = await sms.deliverers(env_for(fake.url))[transport](delivery(text, transport, target), session)
    assert isinstance(outcome, Permanent) and fake.requests == []


@pytest.mark.parametrize(
    "changes, names, plain",
    [
        ({}, {"sms-generic", "sms-twilio", "sms-vonage", "sms"}, "sms-generic"),
        ({"sms_secret": None}, {"sms-twilio", "sms-vonage", "sms"}, "sms-twilio"),
        ({"sms_send_url": None, "twilio_from": None}, {"sms-vonage", "sms"}, "sms-vonage"),
        ({"sms_secret": None, "twilio_account_sid": None, "vonage_api_secret": None}, set(), None),
    ],
)
def test_deliverers_for_what_is_configured(changes, names, plain):
    """Only configured gateways get a deliverer; plain "sms" (web-form phones) is the first of generic, Twilio, Vonage."""
    found = sms.deliverers(env_for("http://127.0.0.1:9", **changes))
    assert set(found) == names
    if plain:
        assert found["sms"] is found[plain]
