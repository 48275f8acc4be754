"""What a channel hands to intake and what intake answers: plain values, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

STATUSES = ("new", "triage", "assigned", "acknowledged", "in_progress", "resolved", "closed", "rejected")
OPEN_STATUSES = ("new", "triage", "assigned", "acknowledged", "in_progress")


@dataclass(frozen=True)
class Reporter:
    """Who wrote, as far as the channel tells; any field may be missing."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    channel_user_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file or place sent with a message: a channel reference or a file we stored."""

    kind: str  # image | document | audio | voice | video | sticker
    content_type: str | None = None
    channel_ref: str | None = None
    stored_path: str | None = None
    size: int | None = None
    name: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One normalized message from any channel, ready for intake."""

    channel: str
    provider_message_id: str
    text: str
    received_at: datetime
    raw: str = ""
    sender_id: str | None = None
    reply_to: str | None = None
    kind: str = "complaint"
    region: str | None = None
    category: str | None = None
    reporter: Reporter = field(default_factory=Reporter)
    anonymous: bool = False
    confidential: bool = False
    lat: float | None = None
    lon: float | None = None
    attachments: tuple[Attachment, ...] = ()
    language: str | None = None
    # Web and API submissions always open a complaint; messaging channels may join a recent one.
    mergeable: bool = False
    # Which outbox transport carries replies to this sender, when the channel has several
    # (sms-twilio, sms-vonage, sms-generic; facebook-comment for a comment on the page); else the channel.
    reply_via: str | None = None
    # An edit of an earlier message (Telegram edited_message): the provider id of the original.
    edit_of: str | None = None
    # What the channel itself knows the citizen asked for: "help" for a request for instructions that is not in
    # words (Messenger's Get Started button). None: intake reads the words.
    intent: str | None = None
    # What the sender meant by this id (a hash of the request): the same id with another request is a
    # reused Idempotency-Key, not a redelivery.
    fingerprint: str | None = None


@dataclass(frozen=True)
class IntakeResult:
    """What intake answers for one message: the complaint it opened or joined."""

    code: str
    status: str
    agency: dict | None
    outcome: str  # opened | followup | duplicate | conflict (the id was used for another request)
    response: dict
    rule: str | None = None  # the routing rule, for a complaint this message opened


# Control characters other than tab and newlines: no citizen means them, and PostgreSQL text
# cannot hold NUL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# What a single-line field (a category, a region, a name, a phone number, an e-mail address) may not hold: C0
# controls (CR and LF among them), DEL, C1 controls and Unicode's line and paragraph separators; any of them
# could end up in an e-mail header.
LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def breaks_line(value: str | None) -> bool:
    """Tell whether a single-line field holds a control character or a line break."""
    return value is not None and LINE_BREAKING.search(value) is not None


def has_control(value: str | None) -> bool:
    """Tell whether a string holds a control character other than tab and newlines."""
    return value is not None and _CONTROL.search(value) is not None


def _strip(value: str | None) -> str | None:
    return _CONTROL.sub("", value) if value is not None else None


def without_control_characters(msg: InboundMessage) -> InboundMessage:
    """Return the message with control characters removed from what people wrote (the raw payload keeps
    them, escaped as \\u0000-style text)."""
    r = msg.reporter
    fields = (msg.text, msg.provider_message_id, msg.sender_id, msg.reply_to, msg.category, msg.region, msg.raw,
              r.name, r.phone, r.email, r.channel_user_id)
    if not any(has_control(v) for v in fields) and not any(has_control(a.name) or has_control(a.channel_ref) for a in msg.attachments):
        return msg
    return replace(
        msg,
        text=_strip(msg.text),
        provider_message_id=_strip(msg.provider_message_id),
        sender_id=_strip(msg.sender_id),
        reply_to=_strip(msg.reply_to),
        category=_strip(msg.category),
        region=_strip(msg.region),
        raw=_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", msg.raw),
        reporter=Reporter(_strip(r.name), _strip(r.phone), _strip(r.email), _strip(r.channel_user_id)),
        attachments=tuple(replace(a, name=_strip(a.name), channel_ref=_strip(a.channel_ref)) for a in msg.attachments),
    )
