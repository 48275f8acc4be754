"""Facebook page events to inbound messages: Messenger messages, postbacks and edits, and comments on the page's posts.

Pure: signed bytes in, `Parsed` or `Rejected` out. Formats:
https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages,
.../webhook-events/messaging_postbacks, .../webhook-events/message-edits and the page `feed` field
(https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed).
"""

from __future__ import annotations

from datetime import datetime

from channels.meta import Malformed, Parsed, Rejected, coordinates, decode, entries, ident, obj, opt_str, placeholder
from complaints.model import Attachment, InboundMessage, Reporter

CHANNEL = "facebook"
COMMENT_TRANSPORT = "facebook-comment"
# Messenger attachment types to our kinds; "file" is a document.
_KINDS = {"image": "image", "video": "video", "audio": "audio", "file": "document", "reel": "video", "ig_reel": "video"}
# Messaging events we know and do not take: receipts, reactions, referrals, hand-over and the like.
_NOT_MESSAGES = ("delivery", "read", "reaction", "optin", "referral", "account_linking", "policy_enforcement",
                 "pass_thread_control", "take_thread_control", "request_thread_control", "app_roles", "game_play")


def parse(body: bytes, received_at: datetime) -> Parsed | Rejected:
    """Turn a signed page webhook body into messages for intake, ignoring what is not a citizen writing."""
    decoded = decode(body)
    if isinstance(decoded, Rejected):
        return decoded
    payload, raw = decoded
    if payload["object"] != "page":
        return Parsed(ignored=(f"object {payload['object'][:32]}",))
    messages: list[InboundMessage] = []
    ignored: list[str] = []
    try:
        # Each event on its own: one that cannot be read is ignored (and logged), the others are still taken.
        for entry, event in entries(payload, "messaging"):
            try:
                _messaging(entry, event, raw, received_at, messages, ignored)
            except Malformed as exc:
                ignored.append(f"unreadable event: {exc}")
        for entry, change in entries(payload, "changes"):
            try:
                _change(entry, change, raw, received_at, messages, ignored)
            except Malformed as exc:
                ignored.append(f"unreadable change: {exc}")
    except Malformed as exc:
        return Rejected(str(exc))
    if any(isinstance(e.get("standby"), list) and e["standby"] for e in payload["entry"]):
        ignored.append("standby")  # another app owns the thread (hand-over protocol)
    return Parsed(tuple(messages), tuple(ignored))


def _messaging(entry: dict, event: dict, raw: str, received_at: datetime, out: list, ignored: list) -> None:
    """Add the message a Messenger event carries, or the reason it is ignored."""
    recipient = event.get("recipient")
    page = recipient.get("id") if isinstance(recipient, dict) else None
    taken = any(k in event for k in ("message", "postback", "message_edit"))
    echo = isinstance(event.get("message"), dict) and event["message"].get("is_echo")
    if taken and not echo and page is not None and entry.get("id") is not None and str(page) != str(entry["id"]):
        ignored.append("another page")  # a message to a page other than the one this entry is for
        return
    if "message" in event:
        message = obj(event["message"], "message")
        if message.get("is_echo"):
            ignored.append("echo")  # our own reply, sent back to us
            return
        msg = _message(event, message, raw, received_at)
        if msg is None:
            ignored.append("empty message")
        else:
            out.append(msg)
    elif "postback" in event:
        out.append(_postback(event, obj(event["postback"], "postback"), raw, received_at))
    elif "message_edit" in event:
        out.append(_edit(event, obj(event["message_edit"], "message_edit"), raw, received_at))
    else:
        known = next((k for k in _NOT_MESSAGES if k in event), None)
        ignored.append(known or "unknown messaging event")


def _sender(event: dict) -> str:
    return ident(obj(event.get("sender"), "sender").get("id"), "sender.id")


def _messenger(psid: str, provider_id: str, text: str, raw: str, received_at: datetime, **fields) -> InboundMessage:
    """Build the inbound message of a Messenger sender: replies go back to the PSID over Messenger."""
    return InboundMessage(
        channel=CHANNEL, provider_message_id=provider_id, text=text, received_at=received_at, raw=raw,
        sender_id=psid, reply_to=psid, reply_via=CHANNEL, mergeable=True, reporter=Reporter(channel_user_id=psid),
        **fields,
    )


def _message(event: dict, message: dict, raw: str, received_at: datetime) -> InboundMessage | None:
    """Read text, quick reply, attachments and a shared location; None when there is nothing to keep."""
    psid = _sender(event)
    mid = ident(message.get("mid"), "message.mid")
    text = opt_str(message.get("text"))
    quick = message.get("quick_reply")
    if text is None and isinstance(quick, dict):
        text = opt_str(quick.get("payload"))
    attachments: list[Attachment] = []
    lat = lon = None
    raw_attachments = message.get("attachments", [])
    if not isinstance(raw_attachments, list):
        raise Malformed("message.attachments is not a list")
    for item in raw_attachments:
        item = obj(item, "attachment")
        kind, data = item.get("type"), item.get("payload")
        data = data if isinstance(data, dict) else {}
        if kind == "location":
            place = data.get("coordinates") if isinstance(data.get("coordinates"), dict) else {}
            lat, lon = coordinates(place.get("lat"), place.get("long")) or (None, None)
        elif isinstance(kind, str) and kind in _KINDS and opt_str(data.get("url")):
            ours = "sticker" if kind == "image" and data.get("sticker_id") else _KINDS[kind]
            attachments.append(Attachment(kind=ours, channel_ref=data["url"]))
        elif kind == "fallback" and text is None:
            text = opt_str(data.get("url")) or opt_str(item.get("title")) or opt_str(item.get("url"))
    if text is None and not attachments and lat is None:
        return None
    return _messenger(psid, mid, text or placeholder(tuple(attachments), lat is not None), raw, received_at,
                      attachments=tuple(attachments), lat=lat, lon=lon)


# Get Started (the button every new Messenger user taps) and its usual payloads and titles, folded:
# https://developers.facebook.com/docs/messenger-platform/discovery/welcome-screen
_GET_STARTED = frozenset({"getstarted", "getstartedpayload", "started", "start", "mulai", "memulai", "mulaisekarang",
                          "welcome", "greeting", "greetings"})


def _folded(value: object) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum()) if isinstance(value, str) else ""


def _postback(event: dict, postback: dict, raw: str, received_at: datetime) -> InboundMessage:
    """A tapped button: its title (what the citizen saw) or its payload, keyed by sender and time.

    Get Started asks for the instructions: it is marked so, and never opens a complaint.
    """
    psid = _sender(event)
    timestamp = ident(event.get("timestamp"), "timestamp")
    text = opt_str(postback.get("title")) or opt_str(postback.get("payload")) or "[tombol]"
    started = _folded(postback.get("payload")) in _GET_STARTED or _folded(postback.get("title")) in _GET_STARTED
    return _messenger(psid, f"postback:{psid}:{timestamp}", text, raw, received_at,
                      intent="help" if started else None)


def _edit(event: dict, edit: dict, raw: str, received_at: datetime) -> InboundMessage:
    """A citizen edited a message: recorded as an edit of the original mid, one row per edit."""
    psid = _sender(event)
    mid = ident(edit.get("mid"), "message_edit.mid")
    count = ident(edit.get("num_edit", event.get("timestamp")), "message_edit.num_edit")
    text = opt_str(edit.get("text")) or "[pesan]"
    return _messenger(psid, f"edit:{mid}:{count}", text, raw, received_at, edit_of=mid)


def _change(entry: dict, change: dict, raw: str, received_at: datetime, out: list, ignored: list) -> None:
    """Add a new comment on the page's posts; every other change of the page is ignored."""
    field = change.get("field")
    value = change.get("value")
    if field != "feed" or not isinstance(value, dict):
        ignored.append(f"field {str(field)[:32]}")
        return
    item, verb = value.get("item"), value.get("verb")
    if item != "comment" or verb != "add":
        ignored.append(f"feed {str(item)[:16]} {str(verb)[:16]}")
        return
    comment_id = ident(value.get("comment_id"), "value.comment_id")
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    author_id = author.get("id")
    if author_id is not None and str(author_id) == str(entry.get("id")):
        ignored.append("own comment")  # the page answering on its own post
        return
    attachments = ()
    if opt_str(value.get("photo")):
        attachments = (Attachment(kind="image", channel_ref=value["photo"]),)
    elif opt_str(value.get("video")):
        attachments = (Attachment(kind="video", channel_ref=value["video"]),)
    text = opt_str(value.get("message")) or placeholder(attachments, False)
    # A commenter's id is app-scoped, not a Messenger PSID: kept apart so the two never merge by mistake.
    sender = f"fbuser:{ident(author_id, 'value.from.id')}" if author_id is not None else None
    out.append(InboundMessage(
        channel=CHANNEL, provider_message_id=f"comment:{comment_id}", text=text, received_at=received_at, raw=raw,
        sender_id=sender, reply_to=comment_id, reply_via=COMMENT_TRANSPORT, mergeable=sender is not None,
        reporter=Reporter(name=opt_str(author.get("name"), 200), channel_user_id=sender), attachments=attachments,
    ))
