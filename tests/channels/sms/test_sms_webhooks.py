"""The three SMS webhooks as a gateway sees them: what each payload answers and what intake is handed."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest
from aiohttp import web
from yarl import URL

from channels.sms.http import HANDLERS
from complaints.model import Attachment, Reporter
from sms_helpers import (
    PUBLIC_URL, SMS_SECRET, TWILIO_TOKEN, VONAGE_SECRET, counts, generic_headers, inbound_rows, load, rows,
    twilio_form, twilio_signature, vonage_params, vonage_sign,
)
from store import models as m
from store.db import StoreUnavailable

TWILIO_PATH = "/webhooks/sms/twilio"
VONAGE_PATH = "/webhooks/sms/vonage"
GENERIC_PATH = "/webhooks/sms/generic"
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/MM0123456789abcdef0123456789abcdef/Media/"
MEDIA_04 = MEDIA.replace("MM0123456789abcdef0123456789abcdef", "MM0123456789abcdef0123456789abcd04")
TWILIO_SENDER = {"sender_id": "+6281234567890", "reply_to": "+6281234567890", "reply_via": "sms-twilio",
                 "reporter": Reporter(phone="+6281234567890", channel_user_id="+6281234567890")}
# Vonage's msisdn is international without "+": stored E.164, replied to as Vonage's `to` takes it (digits).
VONAGE_SENDER = {"sender_id": "+6281234567890", "reply_to": "6281234567890", "reply_via": "sms-vonage",
                 "reporter": Reporter(phone="+6281234567890", channel_user_id="+6281234567890")}


@pytest.fixture
def handed(sms_runtime, monkeypatch):
    """Record every message the webhooks hand to intake (intake still stores it)."""
    seen = []
    accept = sms_runtime.intake.accept

    async def spy(msg):
        seen.append(msg)
        return await accept(msg)

    monkeypatch.setattr(sms_runtime.intake, "accept", spy)
    return seen


async def send_twilio(client, pairs, path=TWILIO_PATH, signature=None):
    """POST Twilio's form, signed with the twilio package over the public URL."""
    body = twilio_form(pairs)
    sig = twilio_signature(PUBLIC_URL + path, pairs) if signature is None else signature
    return await client.post(path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                        "X-Twilio-Signature": sig}), body.decode()


async def send_vonage(client, params, how="get"):
    """Send Vonage's inbound parameters as a GET query, a POST form or a POST JSON body."""
    if how == "get":
        url = URL(f"{VONAGE_PATH}?{urlencode(params)}")  # the query as the client sends it (":" unescaped)
        return await client.get(url), url.raw_query_string
    if how == "form":
        body = urlencode(params)
        return await client.post(VONAGE_PATH, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}), body
    body = json.dumps(params)
    return await client.post(VONAGE_PATH, data=body, headers={"Content-Type": "application/json"}), body


async def send_generic(client, payload):
    """POST the generic gateway's JSON, signed over its raw bytes."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    return await client.post(GENERIC_PATH, data=body, headers=generic_headers(body)), body.decode()


async def send(client, gateway, fixture):
    """Send a fixture the way its gateway does."""
    if gateway == "twilio":
        return await send_twilio(client, load(fixture))
    if gateway.startswith("vonage"):
        return await send_vonage(client, vonage_params(fixture), gateway.partition("-")[2] or "get")
    return await send_generic(client, load(fixture))


CASES = [
    ("twilio text", "twilio", "twilio_message__text.json", 200, {
        "provider_message_id": "twilio:SM0123456789abcdef0123456789abcdef",
        "text": "Jalan rusak parah di Selong, mohon segera diperbaiki", **TWILIO_SENDER, "attachments": ()}),
    ("twilio mms image", "twilio", "twilio_message__mms_image.json", 200, {
        "provider_message_id": "twilio:MM0123456789abcdef0123456789abcdef", "text": "Foto sampah menumpuk di pasar", **TWILIO_SENDER,
        "attachments": (Attachment(kind="image", content_type="image/jpeg", channel_ref=MEDIA + "ME00000000000000000000000000000001"),)}),
    ("twilio mms without body", "twilio", "twilio_message__mms_without_body.json", 200, {
        "provider_message_id": "twilio:MM0123456789abcdef0123456789abcdef", "text": "[dokumen]", **TWILIO_SENDER,
        "attachments": (Attachment(kind="document", content_type="application/pdf", channel_ref=MEDIA + "ME00000000000000000000000000000002"),
                        Attachment(kind="video", content_type="video/mp4", channel_ref=MEDIA + "ME00000000000000000000000000000003"))}),
    ("twilio mms without MediaContentType", "twilio", "twilio_message__mms_without_content_type.json", 200, {
        "provider_message_id": "twilio:MM0123456789abcdef0123456789abcd04", "text": "[lampiran]", **TWILIO_SENDER,
        "attachments": (Attachment(kind="unknown", content_type=None,
                                   channel_ref=MEDIA_04 + "ME00000000000000000000000000000004"),)}),
    ("twilio unknown new parameter", "twilio", "twilio_message__unknown_new_parameter.json", 200, {
        "provider_message_id": "twilio:SM0123456789abcdef0123456789abcdef",
        "text": "Jalan rusak parah di Selong, mohon segera diperbaiki", **TWILIO_SENDER}),
    ("twilio status delivered", "twilio", "twilio_status__delivered.json", 200, None),
    ("twilio status failed", "twilio", "twilio_status__failed.json", 200, None),
    ("twilio empty message", "twilio", "twilio_message__empty.json", 200, None),
    ("twilio without MessageSid", "twilio", "twilio_message__no_sid.json", 400, None),
    ("vonage text by GET", "vonage", "vonage_inbound__text.json", 200, {
        "provider_message_id": "vonage:0A0000001234ABCD", "text": "Lampu jalan mati di Ampenan sejak seminggu", **VONAGE_SENDER,
        "attachments": ()}),
    ("vonage text by POST form", "vonage-form", "vonage_inbound__text.json", 200, {
        "provider_message_id": "vonage:0A0000001234ABCD", "text": "Lampu jalan mati di Ampenan sejak seminggu", **VONAGE_SENDER}),
    ("vonage text by POST JSON", "vonage-json", "vonage_inbound__text.json", 200, {
        "provider_message_id": "vonage:0A0000001234ABCD", "text": "Lampu jalan mati di Ampenan sejak seminggu", **VONAGE_SENDER}),
    ("vonage unicode", "vonage", "vonage_inbound__unicode.json", 200, {
        "provider_message_id": "vonage:0A0000001234ABCE", "text": "Jalan berlubang 🚧 di Praya, bahaya untuk motor", **VONAGE_SENDER}),
    ("vonage & and = in text", "vonage-form", "vonage_inbound__with_ampersand.json", 200, {
        "provider_message_id": "vonage:0A0000001234ABCF", "text": "Air PDAM mati & keruh, tolong=segera", **VONAGE_SENDER}),
    ("vonage binary", "vonage", "vonage_inbound__binary.json", 200, None),
    ("vonage delivery receipt", "vonage", "vonage_receipt__delivered.json", 200, None),
    ("vonage minimal receipt by GET", "vonage", "vonage_receipt__minimal.json", 200, None),
    ("vonage minimal receipt by POST form", "vonage-form", "vonage_receipt__minimal.json", 200, None),
    ("vonage minimal receipt by POST JSON", "vonage-json", "vonage_receipt__minimal.json", 200, None),
    ("generic text", "generic", "generic_message__text.json", 200, {
        "provider_message_id": "generic:gw-20260501-000123", "text": "Sampah tidak diangkut dua minggu di Mataram",
        "sender_id": "+6281234567890", "reply_to": "+6281234567890", "reply_via": "sms-generic",
        "reporter": Reporter(phone="+6281234567890", channel_user_id="+6281234567890"), "attachments": ()}),
    ("generic numeric id", "generic", "generic_message__numeric_id.json", 200, {
        "provider_message_id": "generic:4711", "text": "Banjir di Cakranegara, air setinggi lutut", "sender_id": "+6281234567891",
        "reply_via": "sms-generic"}),
    ("generic number with spaces and dashes", "generic", "generic_message__spaced_number.json", 200, {
        "provider_message_id": "generic:gw-20260501-000124", "text": "Drainase tersumbat di Jalan Pejanggik, Mataram",
        "sender_id": "+6281200001111", "reply_to": "+62 812-0000-1111", "reply_via": "sms-generic",
        "reporter": Reporter(phone="+6281200001111", channel_user_id="+6281200001111")}),
    ("generic empty text", "generic", "generic_message__empty_text.json", 200, None),
    ("generic without from", "generic", "generic_message__no_from.json", 400, None),
]


@pytest.mark.parametrize("label, gateway, fixture, status, fields", CASES, ids=[c[0] for c in CASES])
async def test_webhook_table(sms_client, sms_runtime, handed, label, gateway, fixture, status, fields):
    """Each documented payload gets its fixed answer; a message reaches intake normalized, with the raw body."""
    resp, raw = await send(sms_client, gateway, fixture)
    assert resp.status == status, await resp.text()
    if gateway == "twilio" and status == 200:
        assert resp.content_type == "text/xml"
        assert (await resp.text()).endswith("<Response/>")
    if fields is None:
        assert handed == [] and counts(sms_runtime) == (0, 0)
        return
    [msg] = handed
    assert msg.channel == "sms" and msg.mergeable is True and msg.raw == raw
    assert msg.received_at.tzinfo is not None
    for name, value in fields.items():
        assert getattr(msg, name) == value, name
    assert counts(sms_runtime) == (1, 1)


async def test_vonage_long_message_is_joined_when_its_parts_arrive(sms_client, sms_runtime, handed):
    """Two parts, last one first: each answers 200, and intake gets one message with the whole text."""
    second, _ = await send_vonage(sms_client, vonage_params("vonage_inbound__concat_part2.json"))
    assert second.status == 200 and handed == []
    first, _ = await send_vonage(sms_client, vonage_params("vonage_inbound__concat_part1.json"), "form")
    assert first.status == 200
    [msg] = handed
    assert msg.provider_message_id == "vonage:concat:6281234567890:108:0A0000001234AD01"
    assert msg.text == load("vonage_inbound__concat_part1.json")["text"] + load("vonage_inbound__concat_part2.json")["text"]
    assert msg.reply_via == "sms-vonage" and msg.sender_id == "+6281234567890" and msg.reply_to == "6281234567890"
    again, _ = await send_vonage(sms_client, vonage_params("vonage_inbound__concat_part2.json"))
    assert again.status == 200 and len(handed) == 1  # a late redelivery of a part opens nothing
    assert counts(sms_runtime) == (1, 1)


# --- authenticity -------------------------------------------------------------------------------------------

TWILIO_TEXT = load("twilio_message__text.json")


@pytest.mark.parametrize(
    "label, signature",
    [
        ("missing", ""),
        ("wrong token", twilio_signature(PUBLIC_URL + TWILIO_PATH, TWILIO_TEXT, token="not-the-token")),
        ("signed for the local URL, not the public one", twilio_signature("http://127.0.0.1" + TWILIO_PATH, TWILIO_TEXT)),
        ("signed for other fields", twilio_signature(PUBLIC_URL + TWILIO_PATH, TWILIO_TEXT + [["Body", "x"]])),
    ],
)
async def test_twilio_bad_signature_is_403_and_stores_nothing(sms_client, sms_runtime, label, signature):
    """A request Twilio did not sign for our public URL is refused, and nothing is written."""
    resp, _ = await send_twilio(sms_client, TWILIO_TEXT, signature=signature)
    assert resp.status == 403, label
    assert counts(sms_runtime) == (0, 0)


async def test_twilio_signature_covers_the_query_string(sms_client, sms_runtime):
    """A webhook URL with a query string is signed with it, as Twilio was given it."""
    path = TWILIO_PATH + "?source=ntb&v=2"
    resp, _ = await send_twilio(sms_client, TWILIO_TEXT, path=path)
    assert resp.status == 200
    forged, _ = await send_twilio(sms_client, TWILIO_TEXT, path=TWILIO_PATH + "?source=other&v=2",
                                  signature=twilio_signature(PUBLIC_URL + path, TWILIO_TEXT))
    assert forged.status == 403
    assert counts(sms_runtime) == (1, 1)


@pytest.mark.parametrize(
    "label, change",
    [
        ("missing sig", lambda p: {k: v for k, v in p.items() if k != "sig"}),
        ("wrong sig", lambda p: {**p, "sig": "0" * 64}),
        ("tampered text", lambda p: {**p, "text": "Teks lain"}),
        ("signed with another secret", lambda p: {**p, "sig": vonage_sign(p, secret="other")}),
        ("stale by ten minutes", lambda p: vonage_params("vonage_inbound__text.json", at=time.time() - 600)),
        ("md5hash where the account says sha256", lambda p: {**p, "sig": vonage_sign(p, method="md5hash")}),
    ],
)
async def test_vonage_bad_signature_is_403_and_stores_nothing(sms_client, sms_runtime, label, change):
    """An unsigned, mis-signed, tampered or replayed Vonage request is refused, and nothing is written."""
    resp, _ = await send_vonage(sms_client, change(vonage_params("vonage_inbound__text.json")))
    assert resp.status == 403, label
    assert counts(sms_runtime) == (0, 0)


@pytest.mark.parametrize(
    "label, headers",
    [
        ("missing", {"Content-Type": "application/json"}),
        ("wrong secret", generic_headers(json.dumps(load("generic_message__text.json")).encode(), secret="other")),
        ("over other bytes", generic_headers(b"{}")),
    ],
)
async def test_generic_bad_signature_is_403_and_stores_nothing(sms_client, sms_runtime, label, headers):
    """A generic gateway request without our HMAC over its exact bytes is refused, and nothing is written."""
    body = json.dumps(load("generic_message__text.json")).encode()
    resp = await sms_client.post(GENERIC_PATH, data=body, headers=headers)
    assert resp.status == 403, label
    assert counts(sms_runtime) == (0, 0)


GARBAGE = [b"\xff\xfe\x00garbage", b'{"id": "gw-1", "from": "+62812', b"[1, 2, 3]", b"null", b""]


@pytest.mark.parametrize("body", GARBAGE)
async def test_generic_garbage_is_400(sms_client, sms_runtime, body):
    """A correctly signed body that is not the gateway's JSON (binary, truncated, not an object) is 400."""
    resp = await sms_client.post(GENERIC_PATH, data=body, headers=generic_headers(body))
    assert resp.status == 400
    assert counts(sms_runtime) == (0, 0)


@pytest.mark.parametrize("body", [b"\xff\xfe\x00garbage", b"Body=%FF%FE"])
async def test_twilio_undecodable_body_is_400(sms_client, sms_runtime, body):
    """A body that is not UTF-8 form data is 400 before anything else."""
    resp = await sms_client.post(TWILIO_PATH, data=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                                  "X-Twilio-Signature": "x"})
    assert resp.status == 400
    assert counts(sms_runtime) == (0, 0)


async def test_twilio_signed_truncated_form_is_400(sms_client, sms_runtime):
    """A signed form cut short (no MessageSid or From left) is 400, not 500."""
    pairs = [["ToCountry", "ID"], ["Body", "Jalan rus"]]
    resp, _ = await send_twilio(sms_client, pairs)
    assert resp.status == 400
    assert counts(sms_runtime) == (0, 0)


@pytest.mark.parametrize(
    "label, body, content_type",
    [
        ("binary JSON", b"\xff\xfe{", "application/json"),
        ("truncated JSON", b'{"msisdn": "62812', "application/json"),
        ("JSON array", b"[1]", "application/json"),
        ("nested JSON", b'{"msisdn": {"a": 1}}', "application/json"),
        ("binary form", b"\xff\xfe=1", "application/x-www-form-urlencoded"),
    ],
)
async def test_vonage_garbage_is_400(sms_client, sms_runtime, label, body, content_type):
    """A Vonage POST whose parameters cannot be read is 400."""
    resp = await sms_client.post(VONAGE_PATH, data=body, headers={"Content-Type": content_type})
    assert resp.status == 400, label
    assert counts(sms_runtime) == (0, 0)


async def test_vonage_signed_but_incomplete_is_400(sms_client, sms_runtime):
    """A signed Vonage request without msisdn or messageId is 400."""
    params = vonage_params("vonage_inbound__text.json")
    params = {k: v for k, v in params.items() if k not in ("msisdn", "sig")}
    params["sig"] = vonage_sign(params)
    resp, _ = await send_vonage(sms_client, params)
    assert resp.status == 400
    assert counts(sms_runtime) == (0, 0)


async def test_gateways_without_secret_are_off(client_with):
    """No secret, no route: each gateway answers 404 until its secret is set."""
    client, _ = await client_with(twilio_auth_token=None, vonage_signature_secret=None, sms_secret=None)
    assert (await client.post(TWILIO_PATH, data=b"")).status == 404
    assert (await client.get(VONAGE_PATH)).status == 404
    assert (await client.post(GENERIC_PATH, data=b"{}")).status == 404


async def test_only_the_configured_gateway_is_on(client_with):
    """The generic gateway alone: its route answers, the others do not exist."""
    client, _ = await client_with(twilio_auth_token=None, vonage_signature_secret=None)
    resp, _ = await send_generic(client, load("generic_message__text.json"))
    assert resp.status == 200
    assert (await client.post(TWILIO_PATH, data=b"")).status == 404


async def test_unknown_vonage_method_is_a_configuration_error(client_with):
    """A signature method Vonage does not offer stops the app at start with a clear message."""
    with pytest.raises(ValueError, match="ADUAN_VONAGE_SIGNATURE_METHOD"):
        await client_with(vonage_signature_method="sha3")


# --- duplicates and outages ---------------------------------------------------------------------------------

REDELIVERIES = [
    ("twilio", lambda c: send_twilio(c, TWILIO_TEXT)),
    ("vonage", lambda c: send_vonage(c, vonage_params("vonage_inbound__text.json"))),
    ("generic", lambda c: send_generic(c, load("generic_message__text.json"))),
]


@pytest.mark.parametrize("gateway, deliver", REDELIVERIES, ids=[r[0] for r in REDELIVERIES])
async def test_redelivered_message_creates_one_complaint(sms_client, sms_runtime, gateway, deliver):
    """The same provider message ten times in a row, then twenty at once: every answer 200, one complaint."""
    for _ in range(10):
        resp, _ = await deliver(sms_client)
        assert resp.status == 200
    answers = await asyncio.gather(*(deliver(sms_client) for _ in range(20)))
    assert {resp.status for resp, _ in answers} == {200}
    assert counts(sms_runtime) == (1, 1)
    [row] = inbound_rows(sms_runtime)
    assert row["channel"] == "sms"


async def test_concurrent_parts_of_a_long_message_make_one_complaint(sms_client, sms_runtime):
    """Both parts of a long message, each ten times at once: one complaint with the joined text."""
    one, two = (vonage_params(f"vonage_inbound__concat_part{n}.json") for n in (1, 2))
    answers = await asyncio.gather(*(send_vonage(sms_client, p) for p in [one, two] * 10))
    assert {resp.status for resp, _ in answers} == {200}
    assert counts(sms_runtime) == (1, 1)


@pytest.mark.parametrize("gateway, deliver", REDELIVERIES, ids=[r[0] for r in REDELIVERIES])
async def test_store_unavailable_is_503(sms_client, sms_runtime, monkeypatch, gateway, deliver):
    """When the message cannot be stored the gateway gets 503 (and retries), never a 200."""

    async def down(_msg):
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(sms_runtime.intake, "accept", down)
    resp, _ = await deliver(sms_client)
    assert resp.status == 503


async def test_no_secret_reaches_the_logs(sms_client, sms_runtime, sms_env, log_text):
    """Accepted, refused and garbage requests of every gateway log no configured secret and no signature."""
    await send_twilio(sms_client, TWILIO_TEXT)
    bad_sig = twilio_signature(PUBLIC_URL + TWILIO_PATH, TWILIO_TEXT, token="not-the-token")
    await send_twilio(sms_client, TWILIO_TEXT, signature=bad_sig)
    params = vonage_params("vonage_inbound__text.json")
    await send_vonage(sms_client, params)
    await send_vonage(sms_client, {**params, "text": "x"})
    await send_generic(sms_client, load("generic_message__text.json"))
    await sms_client.post(GENERIC_PATH, data=b"{}", headers={"X-Aduan-Signature": "sha256=" + "ab" * 32})
    text = log_text()
    assert "channel.accepted" in text and "channel.unauthentic" in text
    for secret in sms_env.secrets() + (TWILIO_TOKEN, VONAGE_SECRET, SMS_SECRET, bad_sig, params["sig"], "ab" * 32):
        assert secret not in text


# --- media without a type, E.164 numbers, delivery receipts -----------------------------------------------


async def test_twilio_media_without_content_type_is_an_unknown_attachment(sms_client, sms_runtime):
    """MMS media without MediaContentType0 make one complaint "[lampiran]" with an attachment of kind "unknown"."""
    resp, _ = await send_twilio(sms_client, load("twilio_message__mms_without_content_type.json"))
    assert resp.status == 200
    [complaint] = rows(sms_runtime, m.Complaint)
    [attachment] = rows(sms_runtime, m.Attachment)
    assert complaint["text"] == "[lampiran]"
    assert (attachment["complaint_id"], attachment["kind"], attachment["content_type"]) == (complaint["id"], "unknown", None)
    assert attachment["channel_ref"] == MEDIA_04 + "ME00000000000000000000000000000004"


@pytest.fixture
async def fake_vonage(aiohttp_server):
    """A loopback stand-in for Vonage's SMS API: records each form sent to /sms/json and accepts it."""
    sent: list[dict] = []

    async def send_sms(request: web.Request) -> web.Response:
        sent.append(dict(await request.post()))
        return web.json_response({"message-count": "1", "messages": [{"status": "0", "message-id": "0C00"}]})

    app = web.Application()
    app.router.add_post("/sms/json", send_sms)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/"), sent


async def test_vonage_reporter_phone_is_e164_and_the_reply_goes_to_vonage_digits(client_with, fake_vonage):
    """A Vonage text stores the reporter's phone "+62…"; the acknowledgement is sent to Vonage with `to` "62…"."""
    url, sent = fake_vonage
    client, runtime = await client_with(vonage_api_url=url)
    resp, _ = await send_vonage(client, vonage_params("vonage_inbound__text.json"))
    assert resp.status == 200
    [reporter] = rows(runtime, m.Reporter)
    [complaint] = rows(runtime, m.Complaint)
    assert (reporter["phone"], complaint["sender_id"]) == ("+6281234567890", "+6281234567890")
    [ack] = [o for o in rows(runtime, m.Outbox) if o["event"] == "citizen.ack"]
    assert (ack["transport"], ack["target"]) == ("sms-vonage", "6281234567890")
    for _ in range(100):  # the outbox worker sends it right after the commit
        if sent:
            break
        await asyncio.sleep(0.05)
    [form] = sent
    assert form["to"] == "6281234567890" and form["from"] == "AduanNTB"


async def test_generic_international_number_is_stored_e164(sms_client, sms_runtime):
    """A generic gateway's "+62 812-0000-1111" is the reporter's phone "+6281200001111"."""
    resp, _ = await send_generic(sms_client, load("generic_message__spaced_number.json"))
    assert resp.status == 200
    [reporter] = rows(sms_runtime, m.Reporter)
    [complaint] = rows(sms_runtime, m.Complaint)
    assert (reporter["phone"], complaint["sender_id"]) == ("+6281200001111", "+6281200001111")


async def test_one_vonage_sender_has_one_id_on_short_and_long_messages(sms_client, handed):
    """A text and a long message from one msisdn reach intake with the same sender id, so they merge alike."""
    await send_vonage(sms_client, vonage_params("vonage_inbound__text.json"))
    await send_vonage(sms_client, vonage_params("vonage_inbound__concat_part1.json"))
    await send_vonage(sms_client, vonage_params("vonage_inbound__concat_part2.json"))
    assert [(msg.sender_id, msg.reply_to) for msg in handed] == [("+6281234567890", "6281234567890")] * 2


RECEIPTS = [
    ("status alone", (), {}),
    ("err-code alone", ("status",), {"err-code": "0"}),
    ("scts alone", ("status",), {"scts": "2605011024"}),
    ("network-code with price", ("status",), {"network-code": "51010", "price": "0.03330000"}),
]


@pytest.mark.parametrize("how", ["get", "form", "json"])
@pytest.mark.parametrize("label, drop, change", RECEIPTS, ids=[r[0] for r in RECEIPTS])
async def test_vonage_receipt_is_ignored_and_stores_nothing(sms_client, sms_runtime, how, label, drop, change):
    """A signed delivery receipt, even a minimal one (status=accepted, messageId, msisdn, to), is 200 and stores nothing."""
    params = vonage_params("vonage_receipt__minimal.json", drop=drop, **change)
    resp, _ = await send_vonage(sms_client, params, how)
    assert resp.status == 200, label
    assert counts(sms_runtime) == (0, 0)
    assert rows(sms_runtime, m.Reporter) == [] and rows(sms_runtime, m.Outbox) == []


async def test_vonage_message_that_names_a_status_is_still_a_message(sms_client, sms_runtime):
    """A signed inbound SMS with words is stored even if it also carries receipt fields: no text is lost as a receipt."""
    resp, _ = await send_vonage(sms_client, vonage_params("vonage_inbound__text.json", status="delivered", scts="2605011024"))
    assert resp.status == 200
    assert counts(sms_runtime) == (1, 1)


async def test_vonage_long_message_of_more_than_sixteen_parts_is_joined(sms_client, sms_runtime, handed):
    """A long message of 20 parts (a UCS-2 text of some 1,300 characters) is joined, not refused."""
    for n in range(1, 21):
        resp, _ = await send_vonage(sms_client, vonage_params(
            "vonage_inbound__concat_part1.json", **{"concat-total": "20", "concat-part": str(n),
                                                    "messageId": f"0A00000012345{n:03d}", "text": f"{n} "}))
        assert resp.status == 200
    [msg] = handed
    assert msg.text == " ".join(str(n) for n in range(1, 21))
    assert counts(sms_runtime) == (1, 1)


@pytest.mark.parametrize(
    "label, change",
    [
        ("part is not a number", {"concat-part": "x"}),
        ("part 0", {"concat-part": "0"}),
        ("part after the total", {"concat-part": "3"}),
        ("no ref", {"concat-ref": ""}),
        ("more parts than a header can number", {"concat-total": "256"}),
    ],
)
async def test_vonage_part_that_cannot_be_placed_is_ignored(sms_client, sms_runtime, label, change):
    """A signed part whose numbering cannot be used answers 200 (a 400 would bring it back for a day) and keeps nothing."""
    resp, _ = await send_vonage(sms_client, vonage_params("vonage_inbound__concat_part1.json", **change))
    assert resp.status == 200, label
    assert counts(sms_runtime) == (0, 0)
    assert sms_client.app[HANDLERS].spool.keys() == []


async def test_generic_message_without_text_is_ignored(sms_client, sms_runtime):
    """A signed generic message whose text is null (an MMS the gateway cannot forward) answers 200 and stores nothing."""
    resp, _ = await send_generic(sms_client, {**load("generic_message__text.json"), "text": None})
    assert resp.status == 200
    assert counts(sms_runtime) == (0, 0)
