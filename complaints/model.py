"""What a channel hands to intake and what intake answers: plain values, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

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
    channel_ref: str | None = None  # the provider's id or URL of the file (Telegram file_id, a WhatsApp media id)
    stored_path: str | None = None  # under the var directory, for a file we stored (the web form's uploads)
    size: int | None = None  # bytes
    name: str | None = None  # the file name the sender gave
    sha256: str | None = None  # of a stored file


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
    # When the citizen sent it by the provider's own clock (WhatsApp's and Meta's `timestamp`), when the payload
    # says: the platforms count their reply windows from it (SPEC section 16). None: `received_at` stands for it.
    sent_at: datetime | None = None


class Form(Protocol):
    """What a citizen fills in on a form (the web channel's page, the API's body) that a message takes as it is."""

    text: str
    kind: str
    region: str | None
    category: str | None
    anonymous: bool
    confidential: bool


def filled_in(channel: str, provider_message_id: str, received_at: datetime, raw: str, form: Form, reporter: Reporter,
              **more) -> InboundMessage:
    """Return the message of a form a citizen filled in, its fields as given; `more` sets the message's others."""
    return InboundMessage(channel=channel, provider_message_id=provider_message_id, text=form.text,
                          received_at=received_at, raw=raw, kind=form.kind, region=form.region, category=form.category,
                          reporter=reporter, anonymous=form.anonymous, confidential=form.confidential, **more)


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


# An e-mail address as people type it: one @, a dot in the domain, no spaces or brackets (not the whole RFC 5322).
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]{2,}$")


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_surrogate(value: str | None) -> bool:
    """Tell whether a string holds a lone surrogate (JSON allows the escape `\\ud800`; UTF-8 cannot hold it)."""
    return value is not None and _SURROGATE.search(value) is not None


def unpaired(value: str) -> str:
    """The string with each lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def has_control(value: str | None) -> bool:
    """Tell whether a string holds a control character other than tab and newlines."""
    return value is not None and _CONTROL.search(value) is not None


# The fields of a message, of its reporter and of an attachment that hold what people wrote (or a provider gave).
_WRITTEN = ("text", "category", "region")
# Ids keep their control characters escaped (\u0000-style), not removed: two ids differing only there stay apart.
_IDS = ("provider_message_id", "sender_id", "reply_to", "edit_of")
_WRITTEN_OF_REPORTER = ("name", "phone", "email", "channel_user_id")
_WRITTEN_OF_ATTACHMENT = ("name", "channel_ref")


def _any_control(value: object, names: tuple[str, ...]) -> bool:
    return any(has_control(getattr(value, name)) for name in names)


def _stripped(value: object, names: tuple[str, ...]) -> dict[str, str | None]:
    return {name: _CONTROL.sub("", text) if (text := getattr(value, name)) is not None else None for name in names}


def _escaped(value: str) -> str:
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def without_control_characters(msg: InboundMessage) -> InboundMessage:
    """Return the message with control characters removed from what people wrote (the raw payload keeps
    them, escaped as \\u0000-style text)."""
    if not (_any_control(msg, _WRITTEN) or _any_control(msg, _IDS) or has_control(msg.raw)
            or _any_control(msg.reporter, _WRITTEN_OF_REPORTER)
            or any(_any_control(a, _WRITTEN_OF_ATTACHMENT) for a in msg.attachments)):
        return msg
    return replace(
        msg,
        **_stripped(msg, _WRITTEN),
        **{name: _escaped(value) for name in _IDS if (value := getattr(msg, name)) is not None},
        raw=_escaped(msg.raw),
        reporter=replace(msg.reporter, **_stripped(msg.reporter, _WRITTEN_OF_REPORTER)),
        attachments=tuple(replace(a, **_stripped(a, _WRITTEN_OF_ATTACHMENT)) for a in msg.attachments),
    )
