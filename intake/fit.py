"""A message made to fit the store before it is written, so that nothing a provider may send turns into a write the
database refuses (a 503 the provider would retry for ever).

- Lone surrogates (JSON allows the escape `\\ud800`; UTF-8 cannot hold it) become U+FFFD in every field.
- An id longer than its column (provider message id, sender, the message an edit changes, the channel's user id)
  keeps its start and ends in a digest of the whole, so the same long id always fits the same way (a redelivery is
  still a duplicate, a sender's follow-ups still join their complaint) and two different ones stay apart.
- Other single-line fields longer than their column are cut (a name) or dropped when a cut one would be wrong (a
  phone number, an e-mail address, a content type); a size no column holds is dropped; a text with nothing left
  to read becomes "[pesan]", as a message without words does.

The lengths are the columns' own (store/models.py). Pure.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from complaints.model import Attachment, InboundMessage, Reporter, has_surrogate, unpaired
from store import models as m

_MAX_SIZE = 2**63 - 1  # BigInteger
EMPTY = "[pesan]"
_DIGEST = 16  # hex characters of the digest a long id ends in


def _length(column) -> int:
    return column.type.length


PROVIDER_ID = _length(m.InboundMessage.provider_message_id)
SENDER_ID = min(_length(m.InboundMessage.sender_id), _length(m.Complaint.sender_id))
REPLY_TO = _length(m.Complaint.reply_to)
REPORTER = {"name": _length(m.Reporter.name), "phone": _length(m.Reporter.phone), "email": _length(m.Reporter.email),
            "channel_user_id": _length(m.Reporter.channel_user_id)}
ATTACHMENT = {"content_type": _length(m.Attachment.content_type), "name": _length(m.Attachment.name)}
SHORT = {"category": _length(m.Complaint.category), "region": _length(m.Complaint.region)}


def fit_id(value: str | None, limit: int) -> str | None:
    """An id within `limit` characters: itself when it fits, else its start and a digest of the whole."""
    if value is None or len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST]
    return f"{value[:limit - _DIGEST - 1]}~{digest}"


def _clean(value):
    return unpaired(value) if isinstance(value, str) else value


def _reporter(reporter: Reporter) -> Reporter:
    name, phone, email, user = (_clean(getattr(reporter, k)) for k in ("name", "phone", "email", "channel_user_id"))
    return Reporter(
        name=name[:REPORTER["name"]] if name else name,
        phone=phone if phone is None or len(phone) <= REPORTER["phone"] else None,
        email=email if email is None or len(email) <= REPORTER["email"] else None,
        channel_user_id=fit_id(user, REPORTER["channel_user_id"]),
    )


def _attachment(a: Attachment) -> Attachment:
    content_type, name, ref = _clean(a.content_type), _clean(a.name), _clean(a.channel_ref)
    return replace(
        a, channel_ref=ref, name=name[:ATTACHMENT["name"]] if name else name,
        content_type=content_type if content_type is None or len(content_type) <= ATTACHMENT["content_type"] else None,
        size=a.size if a.size is None or 0 <= a.size <= _MAX_SIZE else None,
    )


def _needs_fitting(msg: InboundMessage) -> bool:
    strings = [msg.text, msg.raw, msg.provider_message_id, msg.sender_id, msg.reply_to, msg.edit_of, msg.category,
               msg.region, msg.reporter.name, msg.reporter.phone, msg.reporter.email, msg.reporter.channel_user_id]
    for a in msg.attachments:
        strings += [a.content_type, a.name, a.channel_ref]
        if a.size is not None and not 0 <= a.size <= _MAX_SIZE:
            return True
    if not msg.text.strip() or any(isinstance(s, str) and has_surrogate(s) for s in strings):
        return True
    r = msg.reporter
    return (len(msg.provider_message_id) > PROVIDER_ID or len(msg.sender_id or "") > SENDER_ID
            or len(msg.edit_of or "") > PROVIDER_ID or len(msg.reply_to or "") > REPLY_TO
            or any(len(getattr(msg, k) or "") > n for k, n in SHORT.items())
            or any(len(getattr(r, k) or "") > n for k, n in REPORTER.items())
            or any(len(a.name or "") > ATTACHMENT["name"] or len(a.content_type or "") > ATTACHMENT["content_type"]
                   for a in msg.attachments))


def fit_to_store(msg: InboundMessage) -> InboundMessage:
    """The message with every field made to fit its column (the message itself when all do, as nearly always)."""
    if not _needs_fitting(msg):
        return msg
    region, category = _clean(msg.region), _clean(msg.category)
    return replace(
        msg,
        # Nothing left to read (a text of control characters alone): the stand-in of a message without words.
        text=unpaired(msg.text) if msg.text.strip() else EMPTY, raw=unpaired(msg.raw),
        provider_message_id=fit_id(unpaired(msg.provider_message_id), PROVIDER_ID),
        sender_id=fit_id(_clean(msg.sender_id), SENDER_ID),
        edit_of=fit_id(_clean(msg.edit_of), PROVIDER_ID),
        reply_to=fit_id(_clean(msg.reply_to), REPLY_TO),
        # A region or category longer than any code: not one the config knows; routing treats it as unknown.
        region=region[:SHORT["region"]] if region else region,
        category=category[:SHORT["category"]] if category else category,
        reporter=_reporter(msg.reporter),
        attachments=tuple(_attachment(a) for a in msg.attachments),
    )
