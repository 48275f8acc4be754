"""Inbound messages carrying media, read by each channel's own parser from payloads in the providers' documented
shapes, their media on the fake provider."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from channels.facebook.parse import parse as parse_facebook
from channels.sms import twilio
from channels.telegram import inbound
from channels.whatsapp.parse import parse as parse_whatsapp
from complaints.model import InboundMessage
from tests.media.fakes import TWILIO_SID

FIXTURES = Path(__file__).resolve().parents[1] / "channels"
TELEGRAM_FILE_ID = "AgACAgUAAxkBAAIBlarge"  # the largest size of tests/channels/telegram/fixtures/message__photo.json
WHATSAPP_MEDIA_ID = "1003383421387256"  # tests/channels/whatsapp/fixtures/messages__image.json
TWILIO_MESSAGE = "MM0123456789abcdef0123456789abcdef"
TWILIO_MEDIA = "ME00000000000000000000000000000001"


def now() -> datetime:
    return datetime.now(timezone.utc)


def telegram_photo() -> InboundMessage:
    """A citizen's photo in a private chat with the bot."""
    body = (FIXTURES / "telegram/fixtures/message__photo.json").read_bytes()
    (msg,) = inbound.parse(body, "AduanMediaBot", now())
    return msg


def whatsapp_image() -> InboundMessage:
    """A citizen's WhatsApp image with a caption."""
    body = (FIXTURES / "whatsapp/fixtures/messages__image.json").read_bytes()
    (msg,) = parse_whatsapp(body, now()).messages
    return msg


def messenger_image(url: str, mid: str = "m_IMAGE0001", anonymous: bool = False) -> InboundMessage:
    """A Messenger message whose one attachment is an image at `url`."""
    event = {"sender": {"id": "7400000000000001"}, "recipient": {"id": "104500000000001"},
             "timestamp": 1764028800123,
             "message": {"mid": mid, "text": "Jalan berlubang di Jl. Pejanggik, Mataram",
                         "attachments": [{"type": "image", "payload": {"url": url}}]}}
    body = json.dumps({"object": "page", "entry": [{"id": "104500000000001", "time": 1764028800128,
                                                    "messaging": [event]}]}).encode()
    (msg,) = parse_facebook(body, now()).messages
    return replace(msg, anonymous=anonymous)


def twilio_mms(base_url: str, content_type: str | None = "image/jpeg") -> InboundMessage:
    """A Twilio MMS with one image: `MediaUrl0` on Twilio's API (here the fake)."""
    params = [("SmsStatus", "received"), ("To", "+6281100001708"), ("AccountSid", TWILIO_SID),
              ("From", "+6281234567890"), ("NumMedia", "1"), ("Body", "Foto sampah menumpuk di pasar"),
              ("MediaUrl0", f"{base_url}/2010-04-01/Accounts/{TWILIO_SID}/Messages/{TWILIO_MESSAGE}/Media/{TWILIO_MEDIA}"),
              ("MessageSid", TWILIO_MESSAGE)]
    if content_type:
        params.insert(6, ("MediaContentType0", content_type))
    msg = twilio.parse(params, json.dumps(params), now())
    assert isinstance(msg, InboundMessage), msg
    return msg
