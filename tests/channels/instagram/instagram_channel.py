"""The Instagram channel as the shared Meta tests see it: its settings and its own payload and reply tables."""

from __future__ import annotations

from pathlib import Path

from channels.instagram import deliverers
from channels.instagram.parse import parse
from providers.outcome import Permanent, RetryLater
from tests.channels.instagram.instagram_events import EVENTS, IGNORED, IGSID
from tests.channels.meta.fake_graph import graph_error
from tests.channels.meta.meta_helpers import REPLY_TEXT, MetaChannel

TOKEN = "IGAAinstagramUserToken0123456789"

# Direct events in Meta's envelope that cannot be read: ignored with 200, so Meta does not retry them.
UNREADABLE = (
    b'{"object": "instagram", "entry": [{"messaging": [{"message": {"mid": "m_1", "text": "x"}}]}]}',
    b'{"object": "instagram", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"text": "x"}}]}]}',
    b'{"object": "instagram", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": "x"}]}]}',
    b'{"object": "instagram", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"mid": "m", "attachments": 1}}]}]}',
)

# label: (transport, target, the request the Instagram Send API gets): the token as a bearer header, never in the URL
REPLIES = {
    "Direct reply, a Send API response": ("instagram", IGSID, {
        "method": "POST", "path": "/v26.0/me/messages", "query": {}, "authorization": f"Bearer {TOKEN}",
        "json": {"recipient": {"id": IGSID}, "messaging_type": "RESPONSE", "message": {"text": REPLY_TEXT}}}),
}

# label: (HTTP status, body, headers, outcome type): the Instagram Send API's own errors
FAILURES = {
    "400 no user": (400, graph_error(100, "(#100) No matching user found", subcode=2534014), {}, Permanent),
    "400 outside window": (400, graph_error(10, "(#10) This message is sent outside of allowed window.",
                                            subcode=2534022), {}, Permanent),
    "400 too many calls": (400, graph_error(4, "(#4) Application request limit reached"), {}, RetryLater),
    "401 expired token": (401, graph_error(190, f"Error validating access token {TOKEN}: Session has expired"),
                          {}, Permanent),
}

INSTAGRAM = MetaChannel(
    name="instagram", path="/webhooks/instagram", object="instagram", events_key="messaging",
    fixtures=Path(__file__).parent / "fixtures",
    settings={"instagram_app_secret": "ig-app-secret-93b0d7e214", "instagram_verify_token": "ig-verify-token-4e77aa",
              "instagram_token": TOKEN},
    app_secret_setting="instagram_app_secret", verify_token_setting="instagram_verify_token",
    token_setting="instagram_token", send_settings=("instagram_token",),
    secret_settings=("instagram_app_secret", "instagram_verify_token", "instagram_token"),
    parse=parse, events=EVENTS, ignored_events=IGNORED, unreadable=UNREADABLE,
    text_fixture="message__text", media_fixture="message__image", ignored_fixture="read__receipt",
    deliverers=deliverers, api_url_setting="instagram_api_url", graph_ok={"recipient_id": IGSID, "message_id": "ig_SENT1"},
    replies=REPLIES, failures=FAILURES, max_text=2000, sent_text=lambda sent: sent["message"]["text"],
)
