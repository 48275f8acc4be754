"""Each WhatsApp notification Meta documents, as a fixture: the HTTP answer and the normalized messages it yields."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from channels.meta import Parsed, Rejected
from channels.whatsapp import parse
from store import models

WA = "6281234567890"
NOW = datetime(2026, 11, 25, 0, 0, 5, tzinfo=timezone.utc)


def wa_message(pid: str, text: str, *, wa_id: str = WA, name: str | None = "Baiq Nurul Désy", attachments=(),
               lat=None, lon=None) -> dict:
    """Return the normalized fields of a WhatsApp message: replies go back to the sender's wa_id."""
    return {"channel": "whatsapp", "provider_message_id": pid, "text": text, "sender_id": wa_id, "reply_to": wa_id,
            "reply_via": None, "mergeable": True, "reporter": (name, f"+{wa_id}", wa_id), "lat": lat, "lon": lon,
            "attachments": list(attachments), "edit_of": None}


# label: (fixture, HTTP status, messages as normalized fields, reasons logged as ignored)
CASES = {
    "text with accents and emoji": ("messages__text", 200, [
        wa_message("wamid.TEXT0001", "Jalan rusak di Désa Sukamulia, lubangnya dalam sekali 🚧")], []),
    "username sender (no phone number)": ("messages__text_username", 200, [{
        "channel": "whatsapp", "provider_message_id": "wamid.USER0001",
        "text": "Saluran air tersumbat di Désa Kuta, Lombok Tengah", "sender_id": "ID.1502576394655843",
        "reply_to": "ID.1502576394655843", "reply_via": None, "mergeable": True,
        "reporter": ("Putu Ayu", None, "ID.1502576394655843"), "lat": None, "lon": None, "attachments": [],
        "edit_of": None}], []),
    "image with caption": ("messages__image", 200, [
        wa_message("wamid.IMAGE0001", "Lubang di depan SDN 2 Praya",
                   attachments=[("image", "image/jpeg", "1003383421387256", None)])], []),
    "video": ("messages__video", 200, [
        wa_message("wamid.VIDEO0001", "[video]", attachments=[("video", "video/mp4", "1003383421387257", None)])], []),
    "voice note": ("messages__audio_voice", 200, [
        wa_message("wamid.VOICE0001", "[pesan suara]",
                   attachments=[("voice", "audio/ogg; codecs=opus", "1003383421387258", None)])], []),
    "audio file": ("messages__audio_file", 200, [
        wa_message("wamid.AUDIO0001", "[audio]", attachments=[("audio", "audio/mpeg", "1003383421387259", None)])], []),
    "document with file name": ("messages__document", 200, [
        wa_message("wamid.DOC0001", "Surat dari kepala désa",
                   attachments=[("document", "application/pdf", "1003383421387260", "surat_désa.pdf")])], []),
    "sticker": ("messages__sticker", 200, [
        wa_message("wamid.STICKER0001", "[stiker]", attachments=[("sticker", "image/webp", "1003383421387261", None)])], []),
    "named location": ("messages__location", 200, [
        wa_message("wamid.LOC0001", "[lokasi] Pasar Renteng, Jl. Gajah Mada, Praya", lat=-8.5833, lon=116.1167)], []),
    "dropped pin": ("messages__location_pin", 200, [wa_message("wamid.LOC0002", "[lokasi]", lat=-8.71, lon=116.27)], []),
    "reply button": ("messages__interactive_button", 200, [wa_message("wamid.BTN0001", "Jalan & jembatan")], []),
    "list reply": ("messages__interactive_list", 200, [wa_message("wamid.LIST0001", "Air bersih")], []),
    "template button": ("messages__button", 200, [wa_message("wamid.TPL0001", "Cek status")], []),
    "two senders and a status in two entries": ("messages__batch", 200, [
        wa_message("wamid.BATCH0001", "Lampu jalan mati di Gerung"),
        wa_message("wamid.BATCH0002", "Sampah menumpuk di pasar Praya", wa_id="6287700000002", name="Lalu Ahmad"),
    ], ["status read"]),
    "reaction": ("messages__reaction", 200, [], ["type reaction"]),
    "unsupported type": ("messages__unsupported", 200, [], ["type unsupported"]),
    "delivered status": ("statuses__delivered", 200, [], ["status delivered"]),
    "failed status": ("statuses__failed", 200, [], ["status failed 131047"]),
    "another field": ("field__account_update", 200, [], ["field account_update"]),
    "page object": ("object__page", 200, [], ["object page"]),
}


def fields(msg) -> dict:
    """Return the normalized fields of an inbound message that the table states."""
    r = msg.reporter
    return {"channel": msg.channel, "provider_message_id": msg.provider_message_id, "text": msg.text,
            "sender_id": msg.sender_id, "reply_to": msg.reply_to, "reply_via": msg.reply_via, "mergeable": msg.mergeable,
            "reporter": (r.name, r.phone, r.channel_user_id), "lat": msg.lat, "lon": msg.lon,
            "attachments": [(a.kind, a.content_type, a.channel_ref, a.name) for a in msg.attachments],
            "edit_of": msg.edit_of}


@pytest.mark.parametrize(("name", "status", "expected", "ignored"), CASES.values(), ids=CASES.keys())
def test_parse_normalizes_each_notification(wa, name, status, expected, ignored):
    """Parsing a fixture yields exactly the messages and ignored events the table states."""
    body = wa.fixture(name)
    result = parse(body, NOW)
    assert isinstance(result, Parsed)
    assert [fields(m) for m in result.messages] == expected
    assert list(result.ignored) == ignored
    assert all(m.raw == body.decode() and m.received_at == NOW for m in result.messages)


@pytest.mark.parametrize(("name", "status", "expected", "ignored"), CASES.values(), ids=CASES.keys())
async def test_webhook_answers_and_stores_each_notification(wa, wa_client, stored, name, status, expected, ignored):
    """Posting a signed fixture answers the table's status and stores one row per message, with its text."""
    body = wa.fixture(name)
    resp = await wa_client.post(wa.path, data=body, headers=wa.sign(body))
    assert resp.status == status
    rows = stored()
    assert [(pid, sender) for pid, sender, _ in rows] == [(m["provider_message_id"], m["sender_id"]) for m in expected]
    assert [n["text"] for _, _, n in rows] == [m["text"] for m in expected]
    assert [(n["lat"], n["lon"]) for _, _, n in rows] == [(m["lat"], m["lon"]) for m in expected]
    assert [n["reporter"]["name"] for _, _, n in rows] == [m["reporter"][0] for m in expected]


async def test_media_id_is_kept_and_the_reply_goes_to_the_wa_id(wa, wa_client, wa_runtime):
    """A document is kept as its media id, type and name; the acknowledgement goes to the sender's wa_id."""
    body = wa.fixture("messages__document")
    assert (await wa_client.post(wa.path, data=body, headers=wa.sign(body))).status == 200
    with wa_runtime.db.reader.connect() as conn:
        attachment = conn.execute(select(models.Attachment.kind, models.Attachment.content_type,
                                         models.Attachment.channel_ref, models.Attachment.name)).one()
        raw = conn.execute(select(models.InboundMessage.raw)).scalar_one()
        reply = conn.execute(select(models.Outbox.transport, models.Outbox.target)
                             .where(models.Outbox.audience == "citizen")).one()
    assert tuple(attachment) == ("document", "application/pdf", "1003383421387260", "surat_désa.pdf")
    assert raw == body.decode()
    assert tuple(reply) == ("whatsapp", WA)


def mutations(payload):
    """Yield copies of a payload with one value swapped for another JSON type, or one key dropped."""
    others = (None, True, 0, 1.5, 10**30, "", "x", [], {}, [None], [{}], {"id": {}})

    def walk(node, path):
        yield path
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            yield from walk(child, (*path, key))

    def replaced(node, path, value):
        if not path:
            return value
        copy = dict(node) if isinstance(node, dict) else list(node)
        if value is _DROP and len(path) == 1:
            del copy[path[0]]
        else:
            copy[path[0]] = replaced(node[path[0]], path[1:], value)
        return copy

    for path in walk(payload, ()):
        for value in (*others, _DROP) if path else others:
            yield replaced(payload, path, value)


_DROP = object()


@pytest.mark.parametrize("name", sorted({case[0] for case in CASES.values()}))
def test_parse_never_raises_on_mutated_notifications(wa, name):
    """Any field of any fixture turned into another JSON type (or dropped) parses or is rejected, never raises."""
    payload = json.loads(wa.fixture(name))
    for mutated in mutations(payload):
        result = parse(json.dumps(mutated).encode(), NOW)
        assert isinstance(result, (Parsed, Rejected))
        for msg in getattr(result, "messages", ()):
            assert isinstance(msg.text, str) and msg.text and isinstance(msg.provider_message_id, str)
