"""Telegram updates as the provider documents them: what each becomes, and what the webhook answers."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from channels.ladder import Ignored, Malformed
from channels.telegram.group_updates import Answer, Press
from channels.telegram.inbound import parse, verify
from complaints.model import InboundMessage
from store import models

from telegram_fakes import BOT_USERNAME, FIXTURES, SECRET, fixture_bytes

NOW = datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc)
SITI = ("Siti Aminah", None, "5550001")  # reporter: name, phone, channel user id


def message(pid, text, *, sender="5550001", reporter=SITI, language=None, lat=None, lon=None, attachments=(), edit_of=None):
    """The normalized fields expected of one message, written out."""
    return {"provider_message_id": pid, "text": text, "sender_id": sender, "reply_to": sender, "reporter": reporter,
            "language": language, "lat": lat, "lon": lon, "attachments": list(attachments), "edit_of": edit_of}


def press(query_id, user_id, action, code, chat_id, message_id):
    """The fields expected of a press of one of our buttons in an agency's group (test_group_buttons.py acts on it)."""
    return {"group": "press", "query_id": query_id, "user_id": user_id, "action": action, "code": code,
            "chat_id": chat_id, "message_id": message_id}


def answer(chat_id, message_id, replied_to, user_id, text):
    """The fields expected of a group message replying to the bot."""
    return {"group": "answer", "chat_id": chat_id, "message_id": message_id, "replied_to": replied_to,
            "user_id": user_id, "text": text}


def group_fields(result: Press | Answer) -> dict:
    if isinstance(result, Press):
        return press(result.query_id, result.user_id, result.action, result.code, result.chat_id, result.message_id)
    return answer(result.chat_id, result.message_id, result.replied_to, result.user_id, result.text)


def fields(msg: InboundMessage) -> dict:
    r = msg.reporter
    return {"provider_message_id": msg.provider_message_id, "text": msg.text, "sender_id": msg.sender_id,
            "reply_to": msg.reply_to, "reporter": (r.name, r.phone, r.channel_user_id), "language": msg.language,
            "lat": msg.lat, "lon": msg.lon,
            "attachments": [(a.kind, a.content_type, a.channel_ref, a.size, a.name) for a in msg.attachments],
            "edit_of": msg.edit_of}


# (label, fixture, HTTP status, expected: the normalized fields, or the reason it is ignored)
TABLE = [
    ("text", "message__text", 200, message(
        "5550001:101", "Jalan di Desa Suralaga rusak parah dan berlubang sejak Januari, mohon diperbaiki.")),
    ("english speaker", "message__text_english", 200, message(
        "5550002:7", "The streetlight on Jalan Pejanggik has been broken for two weeks.", sender="5550002",
        reporter=("John", None, "5550002"), language="en")),
    ("photo with caption: largest size kept", "message__photo_caption", 200, message(
        "5550001:102", "Sampah menumpuk di pinggir jalan Ampenan",
        attachments=[("image", "image/jpeg", "AgACAgUAAxkBAAIBlarge", 112044, None)])),
    ("photo alone", "message__photo", 200, message(
        "5550001:103", "[foto]", attachments=[("image", "image/jpeg", "AgACAgUAAxkBAAIBlarge", 112044, None)])),
    ("document", "message__document", 200, message(
        "5550001:104", "Surat dari kepala desa",
        attachments=[("document", "application/pdf", "BQACAgUAAxkBAAIBdoc", 48213, "surat-keterangan.pdf")])),
    ("voice", "message__voice", 200, message(
        "5550001:105", "[pesan suara]", attachments=[("voice", "audio/ogg", "AwACAgUAAxkBAAIBvoice", 30911, None)])),
    ("audio", "message__audio", 200, message(
        "5550001:106", "[audio]",
        attachments=[("audio", "audio/mpeg", "CQACAgUAAxkBAAIBaudio", 1520331, "rekaman-rapat.mp3")])),
    ("video", "message__video", 200, message(
        "5550001:107", "Banjir di Kecamatan Ampenan",
        attachments=[("video", "video/mp4", "BAACAgUAAxkBAAIBvideo", 5242880, "banjir.mp4")])),
    ("location", "message__location", 200, message("5550001:108", "[lokasi]", lat=-8.650979, lon=116.324944)),
    ("venue keeps its name and address", "message__venue", 200, message(
        "5550001:112", "[lokasi] Kantor Camat Suralaga, Jl. Raya Suralaga No. 1, Lombok Timur",
        lat=-8.583212, lon=116.591877)),
    ("own contact: the reporter's phone", "message__contact_own", 200, message(
        "5550001:109", "[kontak]", reporter=("Siti Aminah", "+6281234567890", "5550001"))),
    ("own contact without the plus: stored E.164", "message__contact_own_digits", 200, message(
        "5550001:113", "[kontak]", reporter=("Siti Aminah", "+6281234567890", "5550001"))),
    ("someone else's contact stays in the text", "message__contact_other", 200, message(
        "5550001:110", "[kontak] Pak Kades +6287765432100")),
    ("group command naming the bot", "message__group_command", 200, message(
        "-1009876543210:2201", "/status NTB-7K3QX9P2", sender="-1009876543210")),
    ("private command naming the bot", "message__private_command", 200, message("5550001:111", "/status NTB-7K3QX9P2")),
    ("edit recorded as an edit of the original", "edited_message__text", 200, message(
        "edit:810000017", "Jalan di Desa Suralaga rusak parah dan berlubang sejak Januari 2026, mohon segera diperbaiki.",
        edit_of="5550001:101")),
    ("group chatter", "message__group_chatter", 200, "group message not addressed to the bot"),
    ("group command for another bot", "message__group_other_bot", 200, "group message not addressed to the bot"),
    ("sticker", "message__sticker", 200, "no text, media or location we keep"),
    ("live location moving", "edited_message__live_location", 200, "live location update"),
    ("press of a button not ours", "callback_query__button", 200, "callback_query not one of our buttons"),
    ("press without fields PTB requires", "callback_query__without_chat_instance", 200,
     "callback_query not one of our buttons"),
    ("Terima pressed in an agency's group", "callback_query__ack", 200, press(
        "6201843709183746001", "6100001", "ack", "NTB-GRP00001", -1002000000101, 5001)),
    ("Bukan wewenang pressed", "callback_query__return", 200, press(
        "6201843709183746002", "6100001", "ret", "NTB-GRP00001", -1002000000101, 5001)),
    ("press on a message no longer shown", "callback_query__inaccessible_message", 200, press(
        "6201843709183746003", "6100001", "ack", "NTB-GRP00001", -1002000000101, 4001)),
    ("reply to the bot's question in a group", "message__group_reply_reason", 200, answer(
        -1002000000101, 5003, 1001, "6100001",
        "Lokasi Puskesmas Ampenan di bawah Dinas Kesehatan Provinsi NTB, bukan Kota Mataram.")),
    ("inline query of an old client, without offset", "inline_query__old_client", 200, "update type inline_query"),
    ("stopped poll, without fields PTB requires", "poll__stopped", 200, "update type poll"),
    ("chosen inline result", "chosen_inline_result__article", 200, "update type chosen_inline_result"),
    ("user blocked the bot", "my_chat_member__blocked", 200, "update type my_chat_member"),
    ("channel post", "channel_post__text", 200, "update type channel_post"),
    ("unknown update type", "unknown__future_update", 200, "update type business_future_event"),
]


# Rows whose messages intake answers or records in its own way (commands, edits): only the status is checked.
NOT_A_NEW_COMPLAINT = {"message__group_command", "message__private_command", "edited_message__text"}


@pytest.mark.parametrize(("label", "fixture", "status", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_update_is_normalized_as_documented(label, fixture, status, expected):
    """Each documented update becomes the message written out in the table, or is ignored for the stated reason."""
    body = fixture_bytes(fixture)
    result = parse(body, BOT_USERNAME, NOW)
    if isinstance(expected, str):
        assert result == Ignored(expected, ref=json.loads(body)["update_id"])
        return
    if "group" in expected:
        assert group_fields(result) == expected
        return
    [msg] = result
    assert fields(msg) == expected
    assert msg.channel == "telegram" and msg.mergeable and msg.received_at == NOW
    assert msg.raw == body.decode()


@pytest.mark.parametrize(("label", "fixture", "status", "expected"), TABLE, ids=[row[0] for row in TABLE])
async def test_webhook_answers_each_update(label, fixture, status, expected, tg_client, tg_runtime, post_update, rows):
    """The webhook answers the table's status; a new message is stored with its normalized fields (a group's press or
    reply never opens a complaint)."""
    resp = await post_update(tg_client, fixture_bytes(fixture))
    assert resp.status == status
    if isinstance(expected, str) or "group" in expected:
        assert rows(tg_runtime) == (0, 0, 0)
        return
    if fixture in NOT_A_NEW_COMPLAINT:
        return
    with tg_runtime.db.reader.connect() as conn:
        stored = conn.execute(select(models.InboundMessage).where(models.InboundMessage.channel == "telegram")).all()
    [row] = stored
    assert row.provider_message_id == expected["provider_message_id"]
    assert row.raw == fixture_bytes(fixture).decode()
    n = row.normalized
    assert (n["text"], n["sender_id"], n["reply_to"], n["lat"], n["lon"], n["language"]) == (
        expected["text"], expected["sender_id"], expected["reply_to"], expected["lat"], expected["lon"], expected["language"])
    assert (n["reporter"]["name"], n["reporter"]["phone"], n["reporter"]["channel_user_id"]) == expected["reporter"]
    got = [(a["kind"], a["content_type"], a["channel_ref"], a["size"], a["name"]) for a in n.get("attachments", [])]
    assert got == expected["attachments"]
    assert rows(tg_runtime) == (1, 1, 1)


def test_group_command_is_ignored_until_the_bot_knows_its_name():
    """Before getMe has answered, a group command cannot be told to be ours: it is ignored, not guessed."""
    assert parse(fixture_bytes("message__group_command"), None, NOW) == Ignored("group message not addressed to the bot", ref=810000012)


def test_bot_name_matches_whatever_its_case():
    """Telegram usernames are case-insensitive: /status@aduantestbot names the bot too."""
    body = fixture_bytes("message__group_command").replace(b"@AduanTestBot", b"@aduantestbot")
    [msg] = parse(body, BOT_USERNAME, NOW)
    assert msg.text == "/status NTB-7K3QX9P2"


MALFORMED = [
    ("empty", b""),
    ("not json", b"garbage \x00\xff"),
    ("truncated", fixture_bytes("message__text")[:57]),
    ("a list", b"[1, 2]"),
    ("no update id", b'{"message": {"message_id": 1}}'),
    ("update id a string", b'{"update_id": "5", "message": {}}'),
    ("update id a boolean", b'{"update_id": true}'),
    ("not utf-8", b'{"update_id": 5, "message": "\xff"}'),
]


@pytest.mark.parametrize(("label", "body"), MALFORMED, ids=[row[0] for row in MALFORMED])
def test_malformed_body_is_rejected_not_raised(label, body):
    """A body that is not a JSON object with an integer update_id is Malformed, never an exception."""
    assert isinstance(parse(body, BOT_USERNAME, NOW), Malformed)


@pytest.mark.parametrize(("label", "body"), MALFORMED, ids=[row[0] for row in MALFORMED])
async def test_malformed_body_answers_400(label, body, tg_client, tg_runtime, post_update, rows):
    """Garbage or truncated bodies with the right secret answer 400, never 500, and store nothing."""
    resp = await post_update(tg_client, body)
    assert resp.status == 400
    assert rows(tg_runtime) == (0, 0, 0)


PTB_CANNOT_BUILD = "message python-telegram-bot cannot build"
WRONG_TYPE = "message fields of the wrong type"
# (label, body, reason up to the exception's name): messages from authenticated Telegram that we cannot read.
UNREADABLE = [
    ("latitude and longitude as strings", fixture_bytes("message__location_as_strings"), WRONG_TYPE),
    ("message without chat or date", b'{"update_id": 5, "message": {"message_id": 1}}', PTB_CANNOT_BUILD),
    ("message a string", b'{"update_id": 5, "message": "hello"}', "message is not an object"),
    ("edited message null", b'{"update_id": 5, "edited_message": null}', "edited_message is not an object"),
    ("chat a string", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": "x"}}', PTB_CANNOT_BUILD),
    ("text a number", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": 5}}',
     WRONG_TYPE),
    ("date out of range", b'{"update_id": 5, "message": {"message_id": 1, "date": 99999999999999999, "chat": {"id": 1, "type": "private"}, "text": "x"}}',
     PTB_CANNOT_BUILD),
    ("entity length a string", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "/x", "entities": [{"type": "bot_command", "offset": 0, "length": "z"}]}}',
     WRONG_TYPE),
    ("venue without address", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "venue": {"location": {"latitude": 1, "longitude": 2}, "title": "x"}}}',
     PTB_CANNOT_BUILD),
    ("venue title a number", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "venue": {"location": {"latitude": 1, "longitude": 2}, "title": 7, "address": "y"}}}',
     WRONG_TYPE),
    ("message without chat", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "text": "x"}}', PTB_CANNOT_BUILD),
    ("photo size without file_unique_id", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "photo": [{"file_id": "a", "width": 1, "height": 1}]}}',
     PTB_CANNOT_BUILD),
    # Read as they came, these would reach the store as a size or a file name of another type.
    ("file size a string", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "document": {"file_id": "a", "file_unique_id": "b", "file_size": "big"}}}',
     WRONG_TYPE),
    ("file name an array", b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "document": {"file_id": "a", "file_unique_id": "b", "file_name": [1]}}}',
     WRONG_TYPE),
]


@pytest.mark.parametrize(("label", "body", "reason"), UNREADABLE, ids=[row[0] for row in UNREADABLE])
def test_unreadable_message_is_ignored_as_not_understood(label, body, reason):
    """A message PTB cannot build, or whose fields have the wrong type, is Ignored as not understood, never Malformed."""
    result = parse(body, BOT_USERNAME, NOW)
    assert isinstance(result, Ignored) and not result.understood
    assert result.reason.split(" (")[0] == reason
    assert result.ref == json.loads(body)["update_id"]


@pytest.mark.parametrize(("label", "body", "reason"), UNREADABLE, ids=[row[0] for row in UNREADABLE])
async def test_unreadable_message_answers_200(label, body, reason, tg_client, tg_runtime, post_update, rows):
    """A message from Telegram that we cannot read answers 200, so Telegram does not retry it for hours; nothing is stored."""
    resp = await post_update(tg_client, body)
    assert resp.status == 200
    assert rows(tg_runtime) == (0, 0, 0)


def test_every_fixture_has_its_outcome_written_out():
    """Each stored payload is a row of TABLE or UNREADABLE, so none goes unchecked against its expected outcome."""
    tabled = {row[1] for row in TABLE}
    unreadable = {row[1] for row in UNREADABLE}
    left = [p.stem for p in sorted(FIXTURES.glob("*.json")) if p.stem not in tabled and p.read_bytes() not in unreadable]
    assert left == []


@pytest.mark.parametrize(
    ("received", "secret", "ok"),
    [
        (SECRET, SECRET, True),
        (None, SECRET, False),
        ("", SECRET, False),
        (SECRET.upper(), SECRET, False),
        (SECRET[:-1], SECRET, False),
        (SECRET + "x", SECRET, False),
        (SECRET, None, False),
        ("", "", False),
    ],
)
def test_secret_token_must_match_exactly(received, secret, ok):
    """The header must equal the configured secret exactly; no secret configured means nothing passes."""
    assert verify(received, secret) is ok


def test_a_venue_without_its_own_location_keeps_the_messages_place():
    """A venue whose `location` is missing still takes the message's top-level location, and keeps its name."""
    update = json.loads(fixture_bytes("message__venue"))
    place = update["message"]["venue"].pop("location")
    update["message"]["location"] = place
    (msg,) = parse(json.dumps(update).encode(), BOT_USERNAME)
    assert (msg.lat, msg.lon) == (place["latitude"], place["longitude"])
    assert msg.text.startswith("[lokasi] Kantor Camat Suralaga")


def test_a_phone_number_sent_as_a_number_is_read_as_its_digits():
    """A contact's phone_number written as a JSON number is still the reporter's phone, as when PTB built the message."""
    update = json.loads(fixture_bytes("message__contact_own_digits"))
    update["message"]["contact"]["phone_number"] = 6281234567890
    (msg,) = parse(json.dumps(update).encode(), BOT_USERNAME, NOW)
    assert msg.reporter.phone == "+6281234567890"
