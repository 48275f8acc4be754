"""Telegram updates in: the secret-token check and the pure parse of an update into inbound messages (or, from an
agency's group, a button press or a reply to the bot: channels/telegram/group_updates.py).

The parse reads the few fields we keep straight from the decoded JSON (https://core.telegram.org/bots/api#update
and the objects it links), without building python-telegram-bot objects: those cost more than the rest of
intake. A message is unreadable when it could not have been built as one: a field Telegram always sends is
missing or an object is not one ("cannot build", the words kept from when PTB built it); or when a field we
read holds another type ("fields of the wrong type"). Any other field may be absent or hold anything.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from channels.ladder import Ignored, Malformed
from channels.telegram.group_updates import Answer, Press, answer, press
from complaints.model import Attachment, InboundMessage, Reporter
from complaints.phone import e164

CHANNEL = "telegram"
# What the webhook and the poller ask Telegram for; anything else that arrives is ignored.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
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
# The fields Telegram always sends in each object we read (the Bot API's docs, and PTB's required arguments).
REQUIRED = {
    "message": ("message_id", "date", "chat"),
    "chat": ("id", "type"),
    "from": ("id", "is_bot", "first_name"),
    "entity": ("type", "offset", "length"),
    "photo": ("file_id", "file_unique_id", "width", "height"),
    "document": ("file_id", "file_unique_id"),
    "voice": ("file_id", "file_unique_id", "duration"),
    "audio": ("file_id", "file_unique_id", "duration"),
    "video": ("file_id", "file_unique_id", "width", "height", "duration"),
    "video_note": ("file_id", "file_unique_id", "length", "duration"),
    "location": ("longitude", "latitude"),
    # A venue's own location is read when present: an update serialized by PTB may carry only the top-level one.
    "venue": ("title", "address"),
    "contact": ("phone_number", "first_name"),
}
# The media a message may carry, in the order their attachments are listed: (our kind, whether it has a mime_type,
# whether a file_name). A video note has neither: it is always an MP4 (https://core.telegram.org/bots/api#videonote).
MEDIA = {
    "document": ("document", True, True),
    "voice": ("voice", True, False),
    "audio": ("audio", True, True),
    "video": ("video", True, True),
    "video_note": ("video", False, False),
}


class _CannotBuild(Exception):
    """A field Telegram always sends is missing, or an object or array is not one."""


def verify(received: str | None, secret: str | None) -> bool:
    """Tell whether the X-Telegram-Bot-Api-Secret-Token header equals the configured secret."""
    if not secret or received is None:
        return False
    return hmac.compare_digest(received.encode(), secret.encode())


def parse(body: bytes, bot_username: str | None,
          now: datetime | None = None) -> list[InboundMessage] | Press | Answer | Ignored | Malformed:
    """Turn one webhook body (a Telegram Update as JSON) into inbound messages, a group's press or reply, or say why
    not."""
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
    # Decide from the update type alone: an update we refuse is retried by Telegram for hours, holding up those
    # behind it, so one we do not take is never read further (an older client's inline_query may lack fields).
    if "message" in data:
        kind, edited = "message", False
    elif "edited_message" in data:
        kind, edited = "edited_message", True
    elif "callback_query" in data:
        return press(data["callback_query"], update_id)
    else:
        kinds = sorted(k for k in data if k != "update_id")
        return Ignored(f"update type {kinds[0] if kinds else 'empty'}", ref=update_id)
    message = data[kind]
    if not isinstance(message, dict):
        return Ignored(f"{kind} is not an object", understood=False, ref=update_id)
    try:
        parts = _parts(message)
    except _CannotBuild as exc:
        return Ignored(f"{kind} python-telegram-bot cannot build ({exc})", understood=False, ref=update_id)
    if not _well_typed(message, parts):
        return Ignored(f"{kind} fields of the wrong type", understood=False, ref=update_id)
    return _message(message, parts, edited, update_id, raw, bot_username, now or datetime.now(timezone.utc))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_place(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_text(value) -> bool:
    return value is None or isinstance(value, str)


def _is_id(value) -> bool:
    """Tell whether a file_id or phone_number can be read as text: PTB took a number too, as its digits."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _is_size(value) -> bool:
    return value is None or _is_int(value)


def _is_time(value) -> bool:
    """Tell whether a message's `date` is a Unix time (or null, which PTB also took as no date)."""
    if value is None or (type(value) is int and 0 <= value < 253402214400):  # up to 9999-12-31: no need to try
        return True
    try:
        datetime.fromtimestamp(value, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return False
    return True


def _object(value, name: str) -> dict | None:
    """Return an object holding the fields Telegram always sends in it, None for null or absent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _CannotBuild(f"{name} is not an object")
    for key in REQUIRED[name]:
        if key not in value:
            raise _CannotBuild(f"{name} without {key}")
    return value


def _array(value, name: str) -> list[dict]:
    """Return an array of such objects, empty for null or absent."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _CannotBuild(f"{name} is not an array of objects")
    for item in value:
        _object(item, name)
    return value


@dataclass(slots=True)
class _Parts:
    """The objects of a message we read, each holding the fields Telegram always sends in it."""

    chat: dict | None
    sender: dict | None
    entities: list[dict]
    caption_entities: list[dict]
    photos: list[dict]
    media: list[tuple[str, dict]]  # (document, voice, audio, video or video_note, its object)
    location: dict | None
    venue: dict | None
    venue_location: dict | None
    contact: dict | None


def _parts(message: dict) -> _Parts:
    """Take out the objects we read, raising _CannotBuild where the message or one of them could not be built."""
    _object(message, "message")
    if not _is_time(message["date"]):
        raise _CannotBuild("date is not a Unix time")
    get = message.get
    venue = _object(get("venue"), "venue")
    return _Parts(
        chat=_object(message["chat"], "chat"),
        sender=_object(get("from"), "from"),
        entities=_array(get("entities"), "entity"),
        caption_entities=_array(get("caption_entities"), "entity"),
        photos=_array(get("photo"), "photo"),
        media=[(key, _object(get(key), key)) for key in MEDIA if get(key) is not None],
        location=_object(get("location"), "location"),
        venue=venue,
        venue_location=_object(venue.get("location"), "location") if venue is not None else None,
        contact=_object(get("contact"), "contact"),
    )


def _well_typed(message: dict, p: _Parts) -> bool:
    """Check the type of every field we read, so that reading them cannot fail and intake gets what it expects."""
    chat, sender, contact, venue = p.chat, p.sender, p.contact, p.venue
    if not (chat is not None and _is_int(chat["id"]) and isinstance(chat["type"], str)
            and _is_int(message["message_id"]) and _is_text(message.get("text")) and _is_text(message.get("caption"))):
        return False
    if sender is not None and not (_is_int(sender["id"]) and isinstance(sender["first_name"], str)
                                   and _is_text(sender.get("last_name")) and _is_text(sender.get("language_code"))):
        return False
    for place in (p.location, p.venue_location):
        if place is not None and not (_is_place(place["latitude"]) and _is_place(place["longitude"])):
            return False
    if venue is not None and not (isinstance(venue["title"], str) and isinstance(venue["address"], str)):
        return False
    if contact is not None and not (_is_id(contact["phone_number"]) and _is_text(contact["first_name"])
                                    and _is_text(contact.get("last_name"))):
        return False
    for photo in p.photos:
        if not (_is_id(photo["file_id"]) and _is_int(photo["width"]) and _is_int(photo["height"])
                and _is_size(photo.get("file_size"))):
            return False
    for key, item in p.media:
        _, has_mime, has_name = MEDIA[key]
        if not (_is_id(item["file_id"]) and _is_size(item.get("file_size"))
                and (not has_mime or _is_text(item.get("mime_type")))
                and (not has_name or _is_text(item.get("file_name")))):
            return False
    return all(_is_int(e["offset"]) and _is_int(e["length"]) for e in (*p.entities, *p.caption_entities))


def _message(message: dict, p: _Parts, edited: bool, uid: int, raw: str, bot_username: str | None, now: datetime):
    """Normalize a well-typed message or edited message: private chats, and group commands that name this bot."""
    chat, sender = p.chat, p.sender
    text = message.get("text")
    if text is None:
        text = message.get("caption")
    # The entities of whichever of text and caption the message has (https://core.telegram.org/bots/api#messageentity).
    command = _leading_command(p.entities if message.get("text") is not None else p.caption_entities, text)
    ours = command is not None and _is_bot(command[1], bot_username)
    chat_type = chat["type"]
    if chat_type != "private":
        if chat_type not in ("group", "supergroup"):
            return Ignored(f"{chat_type} chat", ref=uid)
        if not ours:
            # A reply to the bot may answer its question; nothing else said in a group is for the bot.
            replying = None if edited else answer(message, chat, sender, uid, bot_username)
            return replying or Ignored("group message not addressed to the bot", ref=uid)
    if sender is not None and sender["is_bot"]:
        return Ignored("message from a bot", ref=uid)
    if edited and p.location is not None and text is None:
        # A live location sends an edited_message for every move; the first position is already kept.
        return Ignored("live location update", ref=uid)
    if ours:
        # "/status@AduanBot NTB-…" becomes "/status NTB-…", so intake reads the command alike in every chat.
        command_name, bot = command
        text = command_name + text[len(command_name) + 1 + len(bot):]

    attachments, lat, lon, phone, placeholder = _content(p)
    if not (text and text.strip()) and placeholder is None:
        return Ignored("no text, media or location we keep", ref=uid)

    if sender is not None:
        name = " ".join(part for part in (sender["first_name"], sender.get("last_name")) if part) or None
        language = "en" if (sender.get("language_code") or "").lower().startswith("en") else None
        user_id = str(sender["id"])
    else:
        name = language = user_id = None
    original = f"{chat['id']}:{message['message_id']}"
    return [
        InboundMessage(
            channel=CHANNEL,
            provider_message_id=f"edit:{uid}" if edited else original,
            text=text if text and text.strip() else placeholder,
            received_at=now,
            raw=raw,
            sender_id=str(chat["id"]),
            reply_to=str(chat["id"]),
            reporter=Reporter(name=name, phone=phone, channel_user_id=user_id),
            lat=lat,
            lon=lon,
            attachments=attachments,
            language=language,
            mergeable=True,
            edit_of=original if edited else None,
        )
    ]


def _content(p: _Parts):
    """Return (attachments, lat, lon, reporter phone, placeholder text) of a message's media and place."""
    attachments: list[Attachment] = []
    if p.photos:
        largest = max(p.photos, key=lambda photo: (photo["width"] * photo["height"], photo.get("file_size") or 0))
        attachments.append(Attachment(kind="image", content_type="image/jpeg", channel_ref=str(largest["file_id"]),
                                      size=largest.get("file_size")))
    for key, item in p.media:
        kind, has_mime, has_name = MEDIA[key]
        attachments.append(Attachment(kind=kind, content_type=item.get("mime_type") if has_mime else "video/mp4",
                                      channel_ref=str(item["file_id"]), size=item.get("file_size"),
                                      name=item.get("file_name") if has_name else None))
    lat = lon = None
    # A venue message also carries `location` "for backward compatibility" (https://core.telegram.org/bots/api#message);
    # the venue's own is read first, as an update serialized by PTB may set only that one.
    place = p.venue_location if p.venue_location is not None else p.location
    if place is not None:
        lat, lon = place["latitude"], place["longitude"]
    phone = None
    contact, sender = p.contact, p.sender
    # A contact is the reporter's phone only when they shared their own (the "share my number" button);
    # someone else's number stays in the text.
    if contact is not None and sender is not None and contact.get("user_id") == sender["id"]:
        phone = e164(str(contact["phone_number"]), plus_implied=True)  # Telegram writes it without "+" (a digit string)
    placeholder = None
    if attachments:
        placeholder = PLACEHOLDERS[attachments[0].kind]
    elif lat is not None:
        # A venue keeps its name and address (https://core.telegram.org/bots/api#venue), as WhatsApp's location does.
        venue = p.venue
        named = [part.strip() for part in (venue["title"], venue["address"]) if part.strip()] if venue is not None else []
        placeholder = f"{PLACEHOLDERS['location']} {', '.join(named)}" if named else PLACEHOLDERS["location"]
    elif contact is not None:
        who = " ".join(part for part in (contact["first_name"], contact.get("last_name")) if part)
        placeholder = PLACEHOLDERS["contact"] if phone else f"{PLACEHOLDERS['contact']} {who} {contact['phone_number']}".strip()
    return tuple(attachments), lat, lon, phone, placeholder


def _leading_command(entities: list[dict], text: str | None) -> tuple[str, str | None] | None:
    """Return (command, bot name or None) when the text starts with a bot command."""
    if text is None:
        return None
    for entity in entities:
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            name, _, bot = text[: entity["length"]].partition("@")
            return name, bot or None
    return None


def _is_bot(named: str | None, bot_username: str | None) -> bool:
    """Tell whether a command's @name is this bot's (usernames are case-insensitive); unknown before getMe answers."""
    return named is not None and bot_username is not None and named.lower() == bot_username.lower()
