"""Facebook page events to inbound messages: Messenger messages, postbacks and edits, and comments on the page's posts.

Pure: signed bytes in, `Parsed` or `Malformed` out. Messenger events are read by `channels.messenger`; comments
come in the page's `feed` field (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed).
"""

from __future__ import annotations

from datetime import datetime

from channels.messenger import Platform, parse_envelope
from channels.ladder import Malformed, Parsed
from channels.meta import ident, opt_str, placeholder
from complaints.model import Attachment, InboundMessage, Reporter

CHANNEL = "facebook"
COMMENT_TRANSPORT = "facebook-comment"
# Messenger attachment types to our kinds; "file" is a document.
MESSENGER = Platform(CHANNEL, {"image": "image", "video": "video", "audio": "audio", "file": "document",
                               "reel": "video", "ig_reel": "video"})


def parse(body: bytes, received_at: datetime) -> Parsed | Malformed:
    """Turn a signed page webhook body into messages for intake, ignoring what is not a citizen writing."""
    return parse_envelope(MESSENGER, body, received_at, "page", _change)


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
