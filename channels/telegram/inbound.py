"""Telegram updates in: the secret-token check and the pure parse of an update into inbound messages."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson
from telegram import Message
from telegram.constants import ChatType, MessageEntityType

from complaints.model import Attachment, InboundMessage, Reporter
from complaints.phone import e164

CHANNEL = "telegram"
# What the webhook and the poller ask Telegram for; anything else that arrives is ignored.
ALLOWED_UPDATES = ("message", "edited_message")
# Placeholder texts (Bahasa Indonesia) for a message that carries no words, so a complaint always has text.
PLACEHOLDERS = {
    "image": "[foto]",
    "document": "[dokumen]",
    "voice": "[pesan suara]",
    "audio": "[audio]",
    "video": "[video]",
    "location": "[lokasi]",
    "contact": "[kontak]",
}


@dataclass(frozen=True)
class Ignored:
    """A genuine update that carries nothing for intake (answered 200, so Telegram does not retry it).

    `understood` is False for a message from authenticated Telegram that we cannot read (a shape PTB cannot
    build, fields of the wrong type): still 200, since a retry would bring the same bytes, but logged at warning.
    """

    reason: str
    update_id: int | None = None
    understood: bool = True


@dataclass(frozen=True)
class Malformed:
    """A body that is not a Telegram update: not a JSON object, or no integer update_id (answered 400)."""

    reason: str


def verify(received: str | None, secret: str | None) -> bool:
    """Tell whether the X-Telegram-Bot-Api-Secret-Token header equals the configured secret."""
    if not secret or received is None:
        return False
    return hmac.compare_digest(received.encode(), secret.encode())


def parse(body: bytes, bot_username: str | None, now: datetime | None = None) -> list[InboundMessage] | Ignored | Malformed:
    """Turn one webhook body (a Telegram Update as JSON) into inbound messages, or say why not."""
    try:
        raw = body.decode("utf-8")
        data = orjson.loads(body)
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        return Malformed("body is not JSON")
    if not isinstance(data, dict):
        return Malformed("body is not a JSON object")
    update_id = data.get("update_id")
    if not _is_int(update_id):
        return Malformed("update_id missing or not an integer")
    # Decide from the raw dict and build only the message, never a whole PTB Update: PTB requires fields that
    # update types we ignore may lack (an older client's inline_query without offset, a poll without
    # persistent_id), and an update we refuse is retried by Telegram for hours, holding up those behind it.
    if "message" in data:
        kind, edited = "message", False
    elif "edited_message" in data:
        kind, edited = "edited_message", True
    else:
        kinds = sorted(k for k in data if k != "update_id")
        return Ignored(f"update type {kinds[0] if kinds else 'empty'}", update_id)
    payload = data[kind]
    if not isinstance(payload, dict):
        return Ignored(f"{kind} is not an object", update_id, understood=False)
    try:
        message = Message.de_json(payload, None)
    except Exception as exc:  # noqa: BLE001 - PTB trusts its input: a missing key, a wrong type, a date out of range
        return Ignored(f"{kind} python-telegram-bot cannot build ({type(exc).__name__})", update_id, understood=False)
    return normalize(message, edited, update_id, raw, bot_username, now or datetime.now(timezone.utc))


def normalize(message: Message, edited: bool, update_id: int, raw: str, bot_username: str | None,
              now: datetime) -> list[InboundMessage] | Ignored:
    """Normalize a parsed message or edited message: private chats, and group commands that name this bot."""
    kind = "edited_message" if edited else "message"
    try:
        if not _well_typed(message):
            return Ignored(f"{kind} fields of the wrong type", update_id, understood=False)
        return _message(message, edited, update_id, raw, bot_username, now)
    except (TypeError, ValueError, AttributeError) as exc:  # a shape the checks above did not foresee
        return Ignored(f"{kind} fields of the wrong type ({type(exc).__name__})", update_id, understood=False)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _well_typed(message: Message) -> bool:
    """Check the fields we read: PTB builds its objects from whatever JSON it is given."""
    checks = [_is_int(message.message_id), _is_int(message.chat.id), isinstance(message.chat.type, str)]
    checks += [v is None or isinstance(v, str) for v in (message.text, message.caption)]
    if message.from_user is not None:
        u = message.from_user
        checks += [_is_int(u.id), isinstance(u.first_name, str), u.last_name is None or isinstance(u.last_name, str),
                   u.language_code is None or isinstance(u.language_code, str)]
    places = [message.location] + ([message.venue.location] if message.venue is not None else [])
    checks += [_is_number(p.latitude) and _is_number(p.longitude) for p in places if p is not None]
    if message.venue is not None:
        checks += [isinstance(v, str) for v in (message.venue.title, message.venue.address)]
    if message.contact is not None:
        checks += [isinstance(message.contact.phone_number, str)]
    files = [*(message.photo or ()), message.document, message.voice, message.audio, message.video, message.video_note]
    checks += [isinstance(f.file_id, str) for f in files if f is not None]
    checks += [_is_int(p.width) and _is_int(p.height) for p in message.photo or ()]
    checks += [_is_int(e.offset) and _is_int(e.length) for e in (*message.entities, *message.caption_entities)]
    return all(checks)


def _message(message: Message, edited: bool, uid: int, raw: str, bot_username: str | None, now: datetime):
    chat = message.chat
    text = message.text if message.text is not None else message.caption
    if chat.type != ChatType.PRIVATE:
        if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return Ignored(f"{chat.type} chat", uid)
        if not _names_bot(message, bot_username):
            return Ignored("group message not addressed to the bot", uid)
    if message.from_user is not None and message.from_user.is_bot:
        return Ignored("message from a bot", uid)
    if edited and message.location is not None and text is None:
        # A live location sends an edited_message for every move; the first position is already kept.
        return Ignored("live location update", uid)
    if text is not None:
        text = _strip_bot_name(message, text, bot_username)

    attachments, lat, lon, phone, placeholder = _content(message)
    if not (text and text.strip()) and placeholder is None:
        return Ignored("no text, media or location we keep", uid)

    sender = message.from_user
    name = " ".join(p for p in (sender.first_name, sender.last_name) if p) if sender else None
    language = "en" if sender and (sender.language_code or "").lower().startswith("en") else None
    original = f"{chat.id}:{message.message_id}"
    return [
        InboundMessage(
            channel=CHANNEL,
            provider_message_id=f"edit:{uid}" if edited else original,
            text=text if text and text.strip() else placeholder,
            received_at=now,
            raw=raw,
            sender_id=str(chat.id),
            reply_to=str(chat.id),
            reporter=Reporter(name=name or None, phone=phone, channel_user_id=str(sender.id) if sender else None),
            lat=lat,
            lon=lon,
            attachments=attachments,
            language=language,
            mergeable=True,
            edit_of=original if edited else None,
        )
    ]


def _content(message: Message):
    """Return (attachments, lat, lon, reporter phone, placeholder text) of a message's media and place."""
    attachments: list[Attachment] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        attachments.append(Attachment(kind="image", content_type="image/jpeg", channel_ref=largest.file_id, size=largest.file_size))
    if message.document is not None:
        d = message.document
        attachments.append(Attachment(kind="document", content_type=d.mime_type, channel_ref=d.file_id, size=d.file_size, name=d.file_name))
    if message.voice is not None:
        v = message.voice
        attachments.append(Attachment(kind="voice", content_type=v.mime_type, channel_ref=v.file_id, size=v.file_size))
    if message.audio is not None:
        a = message.audio
        attachments.append(Attachment(kind="audio", content_type=a.mime_type, channel_ref=a.file_id, size=a.file_size, name=a.file_name))
    if message.video is not None:
        v = message.video
        attachments.append(Attachment(kind="video", content_type=v.mime_type, channel_ref=v.file_id, size=v.file_size, name=v.file_name))
    if message.video_note is not None:
        attachments.append(Attachment(kind="video", content_type="video/mp4", channel_ref=message.video_note.file_id,
                                      size=message.video_note.file_size))
    lat = lon = None
    # A venue message also carries `location` "for backward compatibility" (https://core.telegram.org/bots/api#message);
    # the venue's own is read first, as an Update built by PTB may set only that one.
    place = (message.venue.location if message.venue is not None else None) or message.location
    if place is not None:
        lat, lon = place.latitude, place.longitude
    phone = None
    contact = message.contact
    # A contact is the reporter's phone only when they shared their own (the "share my number" button);
    # someone else's number stays in the text.
    if contact is not None and message.from_user is not None and contact.user_id == message.from_user.id:
        phone = e164(contact.phone_number, plus_implied=True)  # Telegram writes it without "+" (a digit string)
    placeholder = None
    if attachments:
        placeholder = PLACEHOLDERS[attachments[0].kind]
    elif lat is not None:
        # A venue keeps its name and address (https://core.telegram.org/bots/api#venue), as WhatsApp's location does.
        venue = message.venue
        named = [part.strip() for part in (venue.title, venue.address) if part.strip()] if venue is not None else []
        placeholder = f"{PLACEHOLDERS['location']} {', '.join(named)}" if named else PLACEHOLDERS["location"]
    elif contact is not None:
        who = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        placeholder = PLACEHOLDERS["contact"] if phone else f"{PLACEHOLDERS['contact']} {who} {contact.phone_number}".strip()
    return tuple(attachments), lat, lon, phone, placeholder


def _leading_command(message: Message, text: str) -> tuple[str, str | None] | None:
    """Return (command, bot name or None) when the text starts with a bot command."""
    entities = message.entities if message.text is not None else message.caption_entities
    for entity in entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            command = text[: entity.length]
            name, _, bot = command.partition("@")
            return name, bot or None
    return None


def _names_bot(message: Message, bot_username: str | None) -> bool:
    text = message.text if message.text is not None else message.caption
    if text is None or bot_username is None:
        return False
    found = _leading_command(message, text)
    return found is not None and found[1] is not None and found[1].lower() == bot_username.lower()


def _strip_bot_name(message: Message, text: str, bot_username: str | None) -> str:
    """Turn "/status@AduanBot NTB-…" into "/status NTB-…" so intake reads the command alike in every chat."""
    found = _leading_command(message, text)
    if found is None or found[1] is None or bot_username is None or found[1].lower() != bot_username.lower():
        return text
    return found[0] + text[len(found[0]) + 1 + len(found[1]):]
