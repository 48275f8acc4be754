"""What the three SMS gateways share: the normalized message, numbers and attachment labels."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

from complaints.model import Attachment, InboundMessage, Reporter

CHANNEL = "sms"
# Column sizes of the store (reporters.phone, inbound_messages.provider_message_id, attachments.content_type).
MAX_SENDER = 40
MAX_ID = 255
MAX_CONTENT_TYPE = 100

# The text of a message that only carries media, so a complaint always has text (Bahasa Indonesia).
# "unknown": media whose type the gateway did not say (the media fetcher asks for it later).
PLACEHOLDERS = {"image": "[foto]", "video": "[video]", "audio": "[audio]", "document": "[dokumen]",
                "unknown": "[lampiran]"}


def form_params(data: bytes | str) -> list[tuple[str, str]]:
    """Decode form data or a query string, every value of a repeated name kept; ValueError if not UTF-8."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return parse_qsl(text, keep_blank_values=True, errors="strict")


def attachment_kind(content_type: str | None) -> str:
    """Name the attachment kind of a media content type (image, video, audio, else document; unknown without one)."""
    if not (content_type or "").strip():
        return "unknown"
    major = content_type.split("/", 1)[0].strip().lower()
    return major if major in ("image", "video", "audio") else "document"


def placeholder(attachments: tuple[Attachment, ...]) -> str:
    """Return the stand-in text of a message with media and no words."""
    return PLACEHOLDERS.get(attachments[0].kind, "[dokumen]") if attachments else ""


def valid_sender(sender: object) -> bool:
    """Tell whether a sender address is a non-empty string that fits the store."""
    return isinstance(sender, str) and 0 < len(sender.strip()) <= MAX_SENDER


def inbound(provider_message_id: str, sender: str, text: str, raw: str, now: datetime, via: str,
            attachments: tuple[Attachment, ...] = (), reply_to: str | None = None) -> InboundMessage:
    """Build the normalized message of one SMS: replies go back to the sender through the gateway it came by.

    `sender` is the reporter's number as stored (E.164 where it is a number, see `e164`), also the
    sender id that merges their messages; `reply_to` is the sender in the form the gateway takes back,
    the stored number unless given. The three gateways share the channel "sms", so each id carries its
    gateway's name: a generic gateway's "42" must never be taken for a redelivery of another gateway's "42".
    """
    sender = sender.strip()
    return InboundMessage(
        channel=CHANNEL,
        provider_message_id=f"{via.removeprefix('sms-')}:{provider_message_id}",
        text=text,
        received_at=now,
        raw=raw,
        sender_id=sender,
        reply_to=(reply_to or sender).strip(),
        reporter=Reporter(phone=sender, channel_user_id=sender),
        attachments=attachments,
        mergeable=True,
        reply_via=via,
    )
