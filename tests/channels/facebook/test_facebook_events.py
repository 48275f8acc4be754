"""Each page event Meta documents, as a fixture: the HTTP answer and the normalized messages it yields."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from channels.facebook import parse
from channels.meta import Parsed, Rejected
from store import models

PSID = "7400000000000001"
CDN = "https://scontent.xx.fbcdn.net/v/t1.15752-9/"
NOW = datetime(2026, 11, 25, 0, 0, 5, tzinfo=timezone.utc)


def messenger(pid: str, text: str, *, psid: str = PSID, attachments=(), lat=None, lon=None, edit_of=None) -> dict:
    """Return the normalized fields of a Messenger message: replies go to the PSID over Messenger."""
    return {"channel": "facebook", "provider_message_id": pid, "text": text, "sender_id": psid, "reply_to": psid,
            "reply_via": "facebook", "mergeable": True, "reporter": (None, None, psid), "lat": lat, "lon": lon,
            "attachments": list(attachments), "edit_of": edit_of}


def comment(pid: str, text: str, reply_to: str, attachments=()) -> dict:
    """Return the normalized fields of a comment on the page: answered by a private reply to the comment."""
    return {"channel": "facebook", "provider_message_id": pid, "text": text, "sender_id": "fbuser:5500000000000001",
            "reply_to": reply_to, "reply_via": "facebook-comment", "mergeable": True,
            "reporter": ("Ni Luh Ayu Désiani", None, "fbuser:5500000000000001"), "lat": None, "lon": None,
            "attachments": list(attachments), "edit_of": None}


# label: (fixture, HTTP status, messages as normalized fields, reasons logged as ignored)
CASES = {
    "text with accents and emoji": ("message__text", 200, [
        messenger("m_TEXT0001", "Jalan rusak di Désa Sukamulia, lubangnya dalam sekali 🚧")], []),
    "image": ("message__image", 200, [
        messenger("m_IMAGE0001", "[foto]", attachments=[("image", None, CDN + "jalan.jpg?_nc_cat=1", None)])], []),
    "video": ("message__video", 200, [
        messenger("m_VIDEO0001", "[video]", attachments=[("video", None, CDN + "banjir.mp4", None)])], []),
    "audio": ("message__audio", 200, [
        messenger("m_AUDIO0001", "[audio]", attachments=[("audio", None, CDN + "audioclip-1.mp4", None)])], []),
    "file with text": ("message__file", 200, [
        messenger("m_FILE0001", "Surat keterangan terlampir", attachments=[("document", None, CDN + "surat.pdf", None)])], []),
    "sticker": ("message__sticker", 200, [
        messenger("m_STICKER0001", "[stiker]", attachments=[("sticker", None, CDN + "sticker.png", None)])], []),
    "location": ("message__location", 200, [messenger("m_LOC0001", "[lokasi]", lat=-8.5833, lon=116.1167)], []),
    "quick reply": ("message__quick_reply", 200, [messenger("m_QR0001", "Jalan & jembatan")], []),
    "postback": ("postback__button", 200, [
        messenger("postback:7400000000000001:1764028800123", "Cek status aduan")], []),
    "edit": ("message_edit__text", 200, [
        messenger("edit:m_TEXT0001:1", "Jalan rusak di Désa Sukamulia RT 03", edit_of="m_TEXT0001")], []),
    "two entries, a receipt among them": ("message__batch", 200, [
        messenger("m_BATCH0001", "Lampu jalan mati di Gerung"),
        messenger("m_BATCH0002", "Sampah menumpuk di pasar Praya", psid="7400000000000002")], ["delivery"]),
    "comment on a post": ("feed__comment", 200, [
        comment("comment:200_3000001", "Air PDAM tidak mengalir 3 hari di Désa Batujai 😡", "200_3000001")], []),
    "photo comment": ("feed__comment_photo", 200, [
        comment("comment:200_3000002", "[foto]", "200_3000002",
                [("image", None, "https://scontent.xx.fbcdn.net/v/t39.30808-6/lubang.jpg", None)])], []),
    "echo of our reply": ("message__echo", 200, [], ["echo"]),
    "delivery receipt": ("delivery__receipt", 200, [], ["delivery"]),
    "read receipt": ("read__receipt", 200, [], ["read"]),
    "reaction": ("reaction__love", 200, [], ["reaction"]),
    "opt-in": ("optin__unknown", 200, [], ["optin"]),
    "attachment with nothing to keep": ("message__empty", 200, [], ["empty message"]),
    "the page's own comment": ("feed__own_comment", 200, [], ["own comment"]),
    "comment edited": ("feed__comment_edited", 200, [], ["feed comment edited"]),
    "page post": ("feed__post_status", 200, [], ["feed status add"]),
    "like on a post": ("feed__reaction", 200, [], ["feed reaction add"]),
    "another page field": ("field__ratings", 200, [], ["field ratings"]),
    "Instagram object": ("object__instagram", 200, [], ["object instagram"]),
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
def test_parse_normalizes_each_event(fb, name, status, expected, ignored):
    """Parsing a fixture yields exactly the messages and ignored events the table states."""
    body = fb.fixture(name)
    result = parse(body, NOW)
    assert isinstance(result, Parsed)
    assert [fields(m) for m in result.messages] == expected
    assert list(result.ignored) == ignored
    assert all(m.raw == body.decode() and m.received_at == NOW for m in result.messages)


@pytest.mark.parametrize(("name", "status", "expected", "ignored"), CASES.values(), ids=CASES.keys())
async def test_webhook_answers_and_stores_each_event(fb, fb_client, stored, name, status, expected, ignored):
    """Posting a signed fixture answers the table's status and stores one row per message, with its text."""
    body = fb.fixture(name)
    resp = await fb_client.post(fb.path, data=body, headers=fb.sign(body))
    assert resp.status == status
    rows = stored()
    assert [(pid, sender) for pid, sender, _ in rows] == [(m["provider_message_id"], m["sender_id"]) for m in expected]
    assert [n["text"] for _, _, n in rows] == [m["text"] for m in expected]
    assert [(n["lat"], n["lon"]) for _, _, n in rows] == [(m["lat"], m["lon"]) for m in expected]


async def test_attachments_and_raw_body_are_kept(fb, fb_client, fb_runtime):
    """A photo is kept on the complaint as its URL, and the raw body is stored exactly as Meta sent it."""
    body = fb.fixture("message__image")
    assert (await fb_client.post(fb.path, data=body, headers=fb.sign(body))).status == 200
    with fb_runtime.db.reader.connect() as conn:
        attachment = conn.execute(select(models.Attachment.kind, models.Attachment.channel_ref)).one()
        raw = conn.execute(select(models.InboundMessage.raw)).scalar_one()
    assert tuple(attachment) == ("image", CDN + "jalan.jpg?_nc_cat=1")
    assert raw == body.decode()


async def test_replies_go_to_the_psid_and_to_the_comment(fb, fb_client, fb_runtime):
    """The acknowledgement of a Messenger message goes to the PSID; that of a comment, privately to the comment."""
    for name in ("message__text", "feed__comment"):
        body = fb.fixture(name)
        assert (await fb_client.post(fb.path, data=body, headers=fb.sign(body))).status == 200
    with fb_runtime.db.reader.connect() as conn:
        rows = conn.execute(select(models.Outbox.transport, models.Outbox.target)
                            .where(models.Outbox.audience == "citizen").order_by(models.Outbox.id)).all()
    assert [tuple(r) for r in rows] == [("facebook", PSID), ("facebook-comment", "200_3000001")]


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
def test_parse_never_raises_on_mutated_events(fb, name):
    """Any field of any fixture turned into another JSON type (or dropped) parses or is rejected, never raises."""
    payload = json.loads(fb.fixture(name))
    for mutated in mutations(payload):
        result = parse(json.dumps(mutated).encode(), NOW)
        assert isinstance(result, (Parsed, Rejected))
        for msg in getattr(result, "messages", ()):
            assert isinstance(msg.text, str) and msg.text and isinstance(msg.provider_message_id, str)
