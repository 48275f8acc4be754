"""WhatsApp Cloud API notifications to inbound messages: text, media, location and replies to buttons and lists.

Pure: signed bytes in, `Parsed` or `Malformed` out. Format:
https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples and
https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
"""

from __future__ import annotations

from datetime import datetime

from channels.ladder import Malformed, Parsed
from channels.meta import BadShape, coordinates, decode, entries, ident, obj, opt_str, placeholder, sent_time
from complaints.model import Attachment, InboundMessage, Reporter, has_surrogate, unpaired
from providers.outcome import StatusReport

CHANNEL = "whatsapp"
# `voice` is the older API's voice note (the Cloud API sends `audio` with `voice: true`).
_MEDIA = ("image", "video", "audio", "voice", "document", "sticker")
# The statuses of a message we sent that the Cloud API reports (`deleted` and `warning` are not kept).
STATUSES = ("sent", "delivered", "read", "failed")


def parse(body: bytes, received_at: datetime) -> Parsed | Malformed:
    """Turn a signed WhatsApp Business Account notification into messages for intake and the status callbacks of
    messages we sent."""
    decoded = decode(body)
    if isinstance(decoded, Malformed):
        return decoded
    payload, raw = decoded
    if payload["object"] != "whatsapp_business_account":
        return Parsed(ignored=(f"object {payload['object'][:32]}",))
    messages: list[InboundMessage] = []
    ignored: list[str] = []
    statuses: list[StatusReport] = []
    try:
        for _entry, change in entries(payload, "changes"):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                ignored.append(f"field {str(change.get('field'))[:32]}")
                continue
            names = _names(value.get("contacts", []))
            # Each message on its own: one that cannot be read (Meta's own error notice, a new shape) is ignored
            # and logged, and the citizen's messages beside it are still taken.
            for message in _list(value, "messages"):
                try:
                    msg = _message(obj(message, "message"), names, raw, received_at)
                except BadShape as exc:
                    msg = f"unreadable message: {exc}"
                if isinstance(msg, str):
                    ignored.append(msg)
                else:
                    messages.append(msg)
            for item in _list(value, "statuses"):
                report = _status(item, received_at)
                (ignored if isinstance(report, str) else statuses).append(report)
            if value.get("errors"):
                ignored.append("errors")
    except BadShape as exc:
        return Malformed(str(exc))
    return Parsed(tuple(messages), tuple(ignored), tuple(statuses))


def _list(value: dict, key: str) -> list:
    """Return value[key] as a list; anything else there is not a list we can read, and counts as none."""
    items = value.get(key, [])
    return items if isinstance(items, list) else []


def _status(status: object, received_at: datetime) -> StatusReport | str:
    """Read a status callback for a message we sent (`sent`, `delivered`, `read`, `failed` with Meta's error code), or
    the reason it is not one we keep.
    https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#message-status-updates"""
    if not isinstance(status, dict):
        return "status"
    state = status.get("status")
    wamid = status.get("id")
    if state not in STATUSES or not isinstance(wamid, str) or not wamid or len(wamid) > 255 or has_surrogate(wamid):
        return " ".join(str(p)[:32] for p in ("status", state) if p is not None and not has_surrogate(str(p)))
    errors = status.get("errors")
    error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = error.get("code")
    details = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    title = opt_str(error.get("title"), 200) or opt_str(error.get("message"), 200) or opt_str(details.get("details"), 200)
    title = unpaired(title) if title else title
    recipient = status.get("recipient_id")
    recipient = unpaired(str(recipient)) if isinstance(recipient, (str, int)) and recipient != "" else None
    return StatusReport(CHANNEL, wamid, state, sent_time(status.get("timestamp"), received_at),
                        code if isinstance(code, int) and not isinstance(code, bool) else None, title,
                        recipient[:128] if recipient else None)


def _names(contacts: object) -> dict[str, str]:
    """Map each sender's wa_id (and BSUID) to the profile name WhatsApp sends beside the message."""
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else ():
        if isinstance(contact, dict) and isinstance(contact.get("profile"), dict):
            name = opt_str(contact["profile"].get("name"), 200)
            for key in ("wa_id", "user_id"):
                if name and isinstance(contact.get(key), (str, int)):
                    names[str(contact[key])] = name
    return names


def _message(message: dict, names: dict[str, str], raw: str, received_at: datetime) -> InboundMessage | str:
    """Read one message, or return the reason it is ignored (reactions, group chatter, unsupported and system)."""
    if message.get("group_id") is not None:
        # A message in a WhatsApp group the business is in: not addressed to the service, as in Telegram groups.
        # https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/group/
        return "group message"
    # A user with a WhatsApp username may hide the phone number: `from` is then omitted and the
    # business-scoped user id (BSUID, `from_user_id`) is the only address, replies included.
    # https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids/
    sender = message.get("from") if message.get("from") is not None else message.get("from_user_id")
    if sender is None:
        return "message without a sender"
    wa_id = ident(sender, "message.from")
    wamid = ident(message.get("id"), "message.id")
    edit_of = None
    if message.get("type") == "edit":
        # The citizen changed an earlier message: its new content, a follow-up of the original's complaint.
        # https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/edit
        edit = obj(message.get("edit"), "edit")
        edit_of = ident(edit.get("original_message_id"), "edit.original_message_id")
        content = _content(obj(edit.get("message"), "edit.message"))
    else:
        content = _content(message)
    if isinstance(content, str):
        return content
    text, attachments, lat, lon = content
    return InboundMessage(
        channel=CHANNEL, provider_message_id=f"edit:{wamid}" if edit_of else wamid,
        text=text or placeholder(attachments, lat is not None),
        received_at=received_at, raw=raw, sender_id=wa_id, reply_to=wa_id, mergeable=True,
        reporter=Reporter(name=names.get(wa_id), phone=f"+{wa_id}" if wa_id.isdigit() else None, channel_user_id=wa_id),
        attachments=attachments, lat=lat, lon=lon, edit_of=edit_of,
        sent_at=sent_time(message.get("timestamp"), received_at),
    )


def _content(message: dict) -> tuple[str | None, tuple[Attachment, ...], float | None, float | None] | str:
    """Return (text, attachments, lat, lon) of a message's content, or the reason there is nothing to keep."""
    kind = message.get("type")
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    lat = lon = None
    if kind == "text":
        text = opt_str(obj(message.get("text"), "text").get("body"))
    elif kind in _MEDIA:
        media = obj(message.get(kind), kind)
        ours = "voice" if kind == "voice" or (kind == "audio" and media.get("voice") is True) else kind
        # The media id is what the Graph API downloads the file by (GET /<media id>, then its url).
        attachments = (Attachment(kind=ours, content_type=opt_str(media.get("mime_type"), 100),
                                  channel_ref=ident(media.get("id"), f"{kind}.id"),
                                  name=opt_str(media.get("filename"), 255)),)
        text = opt_str(media.get("caption"))
    elif kind == "location":
        place = obj(message.get("location"), "location")
        point = coordinates(place.get("latitude"), place.get("longitude"))
        if point is None:
            raise BadShape("location without a valid latitude and longitude")
        lat, lon = point
        named = [s for s in (opt_str(place.get("name")), opt_str(place.get("address"))) if s]
        text = f"[lokasi] {', '.join(named)}" if named else None
    elif kind == "interactive":
        reply = obj(message.get("interactive"), "interactive")
        chosen = reply.get(reply.get("type")) if reply.get("type") in ("button_reply", "list_reply") else None
        if not isinstance(chosen, dict):
            return f"interactive {str(reply.get('type'))[:32]}"
        text = opt_str(chosen.get("title")) or opt_str(chosen.get("id"))
    elif kind == "button":
        button = obj(message.get("button"), "button")
        text = opt_str(button.get("text")) or opt_str(button.get("payload"))
    else:
        return f"type {str(kind)[:32]}"  # reaction, unsupported, system, contacts, order, ...
    if text is None and not attachments and lat is None:
        return f"empty {kind}"
    return text, attachments, lat, lon
