"""The Messenger Platform's messaging events and Send API, which Facebook pages and Instagram accounts share.

Pure reading of one `entry.messaging[]` event (messages, postbacks, edits) into an inbound message, and the
text reply both channels send. Formats:
https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages,
.../webhook-events/messaging_postbacks, .../webhook-events/message-edits,
https://developers.facebook.com/docs/messenger-platform/reference/send-api/ and
https://developers.facebook.com/docs/instagram-platform/webhooks/examples
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

import aiohttp

from channels.ladder import Malformed, Parsed
from channels.meta import (BadShape, coordinates, decode, entries, ident, obj, opt_str, placeholder, post_graph,
                           sent_time)
from complaints.model import Attachment, InboundMessage, Reporter
from providers import windows
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent

# Messaging events we know and do not take: receipts, reactions, referrals, hand-over and the like.
NOT_MESSAGES = ("delivery", "read", "reaction", "optin", "referral", "account_linking", "policy_enforcement",
                "pass_thread_control", "take_thread_control", "request_thread_control", "app_roles", "game_play",
                "messaging_seen")
# The Send API refuses text over 2,000 characters.
MAX_TEXT = 2000


@dataclass(frozen=True)
class Platform:
    """One channel on the Messenger Platform: its name and how its attachment types map to our kinds."""

    channel: str
    kinds: Mapping[str, str] = field(default_factory=dict)  # attachment type -> our kind; others are not kept
    linked: frozenset[str] = frozenset()  # attachment types that carry a link to keep as the text (a shared post)


Change = Callable[[dict, dict, str, datetime, list, list], None]  # (entry, change, raw, received_at, out, ignored)


def parse_envelope(platform: Platform, body: bytes, received_at: datetime, object_name: str,
                   on_change: Change | None = None) -> Parsed | Malformed:
    """Turn a signed webhook body of `object_name` into messages for intake, ignoring what is not a citizen writing.

    `messaging` events are read here; `changes` go to `on_change` (a page's comments), or are ignored.
    """
    decoded = decode(body)
    if isinstance(decoded, Malformed):
        return decoded
    payload, raw = decoded
    if payload["object"] != object_name:
        return Parsed(ignored=(f"object {payload['object'][:32]}",))
    messages: list[InboundMessage] = []
    ignored: list[str] = []
    try:
        # Each event on its own: one that cannot be read is ignored (and logged), the others are still taken.
        for entry, event in entries(payload, "messaging"):
            try:
                read_event(platform, entry, event, raw, received_at, messages, ignored)
            except BadShape as exc:
                ignored.append(f"unreadable event: {exc}")
        for entry, change in entries(payload, "changes"):
            if on_change is None:
                ignored.append(f"field {str(change.get('field'))[:32]}")
                continue
            try:
                on_change(entry, change, raw, received_at, messages, ignored)
            except BadShape as exc:
                ignored.append(f"unreadable change: {exc}")
    except BadShape as exc:
        return Malformed(str(exc))
    if any(isinstance(e.get("standby"), list) and e["standby"] for e in payload["entry"]):
        ignored.append("standby")  # another app owns the thread (hand-over protocol)
    return Parsed(tuple(messages), tuple(ignored))


def read_event(platform: Platform, entry: dict, event: dict, raw: str, received_at: datetime, out: list,
               ignored: list) -> None:
    """Add the message a messaging event carries, or the reason it is ignored."""
    recipient = event.get("recipient")
    page = recipient.get("id") if isinstance(recipient, dict) else None
    taken = any(k in event for k in ("message", "postback", "message_edit"))
    echo = isinstance(event.get("message"), dict) and event["message"].get("is_echo")
    if taken and not echo and page is not None and entry.get("id") is not None and str(page) != str(entry["id"]):
        ignored.append("another recipient")  # a message to a page or account other than this entry's
        return
    if "message" in event:
        message = obj(event["message"], "message")
        if message.get("is_echo"):
            ignored.append("echo")  # our own reply, sent back to us
            return
        if message.get("is_deleted"):
            ignored.append("deleted")  # the sender unsent a message: what was stored stays on the record
            return
        msg = _message(platform, event, message, raw, received_at)
        if msg is None:
            ignored.append("empty message")
        else:
            out.append(msg)
    elif "postback" in event:
        out.append(_postback(platform, event, obj(event["postback"], "postback"), raw, received_at))
    elif "message_edit" in event:
        out.append(_edit(platform, event, obj(event["message_edit"], "message_edit"), raw, received_at))
    else:
        known = next((k for k in NOT_MESSAGES if k in event), None)
        ignored.append(known or "unknown messaging event")


def _sender(event: dict) -> str:
    return ident(obj(event.get("sender"), "sender").get("id"), "sender.id")


def _inbound(platform: Platform, event: dict, psid: str, provider_id: str, text: str, raw: str, received_at: datetime,
             **fields) -> InboundMessage:
    """Build the inbound message of a sender: replies go back to the same scoped id on the same channel, within the
    window the event's `timestamp` (milliseconds) opens."""
    return InboundMessage(
        channel=platform.channel, provider_message_id=provider_id, text=text, received_at=received_at, raw=raw,
        sender_id=psid, reply_to=psid, reply_via=platform.channel, mergeable=True,
        reporter=Reporter(channel_user_id=psid), sent_at=sent_time(event.get("timestamp"), received_at, 1000),
        **fields,
    )


def _message(platform: Platform, event: dict, message: dict, raw: str, received_at: datetime) -> InboundMessage | None:
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
        raise BadShape("message.attachments is not a list")
    for item in raw_attachments:
        item = obj(item, "attachment")
        kind, data = item.get("type"), item.get("payload")
        kind = kind if isinstance(kind, str) else None
        data = data if isinstance(data, dict) else {}
        if kind == "location":
            place = data.get("coordinates") if isinstance(data.get("coordinates"), dict) else {}
            lat, lon = coordinates(place.get("lat"), place.get("long")) or (None, None)
        elif kind in platform.kinds and opt_str(data.get("url")):
            ours = "sticker" if kind == "image" and data.get("sticker_id") else platform.kinds[kind]
            attachments.append(Attachment(kind=ours, channel_ref=data["url"]))
        elif kind in platform.linked and text is None:
            text = opt_str(data.get("url"))
        elif kind == "fallback" and text is None:
            text = opt_str(data.get("url")) or opt_str(item.get("title")) or opt_str(item.get("url"))
    if text is None and not attachments and lat is None:
        return None
    return _inbound(platform, event, psid, mid, text or placeholder(tuple(attachments), lat is not None), raw, received_at,
                    attachments=tuple(attachments), lat=lat, lon=lon)


# Get Started (the button every new Messenger user taps) and its usual payloads and titles, folded:
# https://developers.facebook.com/docs/messenger-platform/discovery/welcome-screen
_GET_STARTED = frozenset({"getstarted", "getstartedpayload", "started", "start", "mulai", "memulai", "mulaisekarang",
                          "welcome", "greeting", "greetings"})


def _folded(value: object) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum()) if isinstance(value, str) else ""


def _postback(platform: Platform, event: dict, postback: dict, raw: str, received_at: datetime) -> InboundMessage:
    """A tapped button: its title (what the citizen saw) or its payload, keyed by sender and time.

    Get Started asks for the instructions: it is marked so, and never opens a complaint.
    """
    psid = _sender(event)
    timestamp = ident(event.get("timestamp"), "timestamp")
    text = opt_str(postback.get("title")) or opt_str(postback.get("payload")) or "[tombol]"
    started = _folded(postback.get("payload")) in _GET_STARTED or _folded(postback.get("title")) in _GET_STARTED
    return _inbound(platform, event, psid, f"postback:{psid}:{timestamp}", text, raw, received_at,
                    intent="help" if started else None)


def _edit(platform: Platform, event: dict, edit: dict, raw: str, received_at: datetime) -> InboundMessage:
    """A citizen edited a message: recorded as an edit of the original mid, one row per edit."""
    psid = _sender(event)
    mid = ident(edit.get("mid"), "message_edit.mid")
    count = ident(edit.get("num_edit", event.get("timestamp")), "message_edit.num_edit")
    text = opt_str(edit.get("text")) or "[pesan]"
    return _inbound(platform, event, psid, f"edit:{mid}:{count}", text, raw, received_at, edit_of=mid)


def reply_text(delivery: Delivery) -> str | None:
    """The reply's text, cut to the Send API's limit; None when there is none."""
    text = str(delivery.payload.get("text") or "").strip()
    if not text:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def send_api_deliverer(url: str, secrets: tuple[str, ...], *, params: dict[str, str] | None = None,
                       headers: dict[str, str] | None = None, platform: str = "Messenger") -> Deliverer:
    """Return the deliverer that answers a scoped id through a Send API endpoint, within the platform's windows
    (providers/windows.py): `RESPONSE` within 24 h, a person's reply tagged `HUMAN_AGENT` within 7 days; anything
    else, and any refusal, is undeliverable there and falls back to SMS."""

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        text = reply_text(delivery)
        if not delivery.target or text is None:
            return Permanent("no recipient id" if not delivery.target else "no text to send")
        plan = windows.messenger(delivery.event, delivery.last_inbound_at,
                                 delivery.claimed_at or datetime.now(timezone.utc), platform) \
            if delivery.window_checked else windows.Free()
        if isinstance(plan, windows.Outside):
            return Permanent(plan.reason, fallback=True)
        body: dict = {"recipient": {"id": delivery.target}, "messaging_type": "RESPONSE", "message": {"text": text}}
        if isinstance(plan, windows.Tagged):
            body.update(messaging_type="MESSAGE_TAG", tag=plan.tag)
        outcome = await post_graph(session, url, body, secrets=secrets, params=params, headers=headers, fallback=True)
        if isinstance(plan, windows.Tagged) and isinstance(outcome, Delivered):
            return Delivered(f"{outcome.detail}, tagged {plan.tag}", outcome.message_id)
        return outcome

    return deliver
