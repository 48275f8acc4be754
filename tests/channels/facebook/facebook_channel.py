"""The Facebook page channel as the shared Meta tests see it: its settings and its own payload and reply tables."""

from __future__ import annotations

from pathlib import Path

from channels.facebook import deliverers, parse
from providers.outcome import Permanent, RetryLater
from tests.channels.facebook.facebook_events import EVENTS, IGNORED, PSID
from tests.channels.meta.fake_graph import graph_error
from tests.channels.meta.meta_helpers import REPLY_TEXT, MetaChannel

PAGE_TOKEN = "EAAfbPageToken0123456789"
COMMENT = "200_3000001"

# Page events in Meta's envelope that cannot be read: ignored with 200, so Meta does not retry them.
UNREADABLE = (
    b'{"object": "page", "entry": [{"messaging": [{"message": {"mid": "m_1", "text": "x"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"text": "x"}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": "x"}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"mid": "m", "attachments": {}}}]}]}',
    b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "postback": {"title": "x"}}]}]}',
    b'{"object": "page", "entry": [{"changes": [{"field": "feed", "value": {"item": "comment", "verb": "add"}}]}]}',
)

# label: (transport, target, the request the Send API gets)
REPLIES = {
    "Messenger reply, a Send API response": ("facebook", PSID, {
        "method": "POST", "path": "/v26.0/me/messages", "query": {"access_token": PAGE_TOKEN}, "authorization": None,
        "json": {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": REPLY_TEXT}}}),
    "comment reply, a private reply": ("facebook-comment", COMMENT, {
        "method": "POST", "path": "/v26.0/me/messages", "query": {"access_token": PAGE_TOKEN}, "authorization": None,
        "json": {"recipient": {"comment_id": COMMENT}, "message": {"text": REPLY_TEXT}}}),
}

# label: (HTTP status, body, headers, outcome type): the Send API's own errors
FAILURES = {
    "400 no user": (400, graph_error(100, "(#100) No matching user found", subcode=2018001), {}, Permanent),
    "400 rate limit": (400, graph_error(613, "(#613) Calls to this api have exceeded the rate limit."), {}, RetryLater),
    "400 outside window": (400, graph_error(10, "(#10) This message is sent outside of allowed window.",
                                            subcode=2018278), {}, Permanent),
    "401 bad token": (401, graph_error(190, f"Invalid OAuth access token - Cannot parse access token {PAGE_TOKEN}"),
                      {}, Permanent),
}

FACEBOOK = MetaChannel(
    name="facebook", path="/webhooks/facebook", object="page", events_key="messaging",
    fixtures=Path(__file__).parent / "fixtures",
    settings={"facebook_app_secret": "fb-app-secret-5f1c0e9a7b", "facebook_verify_token": "fb-verify-token-a61d2c",
              "facebook_page_token": PAGE_TOKEN},
    app_secret_setting="facebook_app_secret", verify_token_setting="facebook_verify_token",
    token_setting="facebook_page_token", send_settings=("facebook_page_token",),
    secret_settings=("facebook_app_secret", "facebook_verify_token", "facebook_page_token"),
    parse=parse, events=EVENTS, ignored_events=IGNORED, unreadable=UNREADABLE,
    text_fixture="message__text", media_fixture="message__image", ignored_fixture="delivery__receipt",
    deliverers=deliverers, api_url_setting="graph_api_url", graph_ok={"recipient_id": PSID, "message_id": "m_SENT0001"},
    replies=REPLIES, failures=FAILURES, max_text=2000, sent_text=lambda sent: sent["message"]["text"],
)
