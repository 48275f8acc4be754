"""Instagram Direct events to inbound messages: messages, story replies and mentions, shares, edits.

Pure: signed bytes in, `Parsed` or `Malformed` out. Instagram's messaging webhooks come in Meta's envelope with
`object: "instagram"` and the Messenger Platform's `messaging` events (read by `channels.messenger`); reactions,
seen receipts, echoes and unsent messages are ignored with 200. Formats:
https://developers.facebook.com/docs/instagram-platform/webhooks/examples and
https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
"""

from __future__ import annotations

from datetime import datetime

from channels.ladder import Malformed, Parsed
from channels.messenger import Platform, parse_envelope

CHANNEL = "instagram"
# Instagram attachment types to our kinds: a story the citizen mentions us in, or replies to, is a picture or
# video of what they saw; a reel is a video. A shared post keeps its link as the text.
INSTAGRAM = Platform(CHANNEL, {"image": "image", "video": "video", "audio": "audio", "file": "document",
                               "ig_reel": "video", "reel": "video", "story_mention": "image"},
                     linked=frozenset({"share", "ig_post"}))


def parse(body: bytes, received_at: datetime) -> Parsed | Malformed:
    """Turn a signed Instagram webhook body into messages for intake; comments and mentions (`changes`) are ignored."""
    return parse_envelope(INSTAGRAM, body, received_at, "instagram")
