"""What a channel hands to intake and what intake answers: plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STATUSES = ("new", "triage", "assigned", "acknowledged", "in_progress", "resolved", "closed", "rejected")
OPEN_STATUSES = ("new", "triage", "assigned", "acknowledged", "in_progress")
MESSAGING_CHANNELS = ("sms", "telegram", "facebook", "whatsapp")


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


@dataclass(frozen=True)
class IntakeResult:
    """What intake answers for one message: the complaint it opened or joined."""

    code: str
    status: str
    agency: dict | None
    outcome: str  # opened | followup | duplicate
    response: dict
    rule: str | None = None  # the routing rule, for a complaint this message opened
