"""The WhatsApp Cloud API channel as the shared Meta tests see it: its settings and its own payload and reply tables."""

from __future__ import annotations

import json
from pathlib import Path

from channels.whatsapp import deliverers, parse
from providers.outcome import Permanent, RetryLater
from tests.channels.meta.fake_graph import graph_error
from tests.channels.meta.meta_helpers import REPLY_TEXT, MetaChannel
from tests.channels.whatsapp.whatsapp_events import EVENTS, IGNORED, WA

ACCESS_TOKEN = "EAAwaSystemUserToken987654"
PHONE_ID = "106540352242922"


def notification(value: dict) -> bytes:
    """Return a notification of one `messages` change with this value, in Meta's envelope."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": value}]}]}).encode()


# Messages in Meta's envelope that cannot be read: ignored with 200, so Meta does not retry them.
UNREADABLE = (
    notification({"messages": {}}),
    notification({"messages": ["x"]}),
    notification({"messages": [{"id": "wamid.1", "type": "text", "text": {"body": "x"}}]}),
    notification({"messages": [{"from": "62812", "type": "text", "text": {"body": "x"}}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "text", "text": "x"}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "image", "image": {"mime_type": "image/jpeg"}}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "location", "location": {"latitude": "x"}}]}),
    notification({"messages": [{"from": "62812", "id": "w" * 300, "type": "text", "text": {"body": "x"}}]}),
    notification({"messages": [{"from": "62812", "id": "wamid.1", "type": "edit", "edit": {"message": {}}}]}),
    notification({"statuses": {}}),
)


def cloud_request(address: str, target: str) -> dict:
    """Return the Cloud API request of a text reply: to a phone number's wa_id (`to`) or a BSUID (`recipient`)."""
    return {"method": "POST", "path": f"/v26.0/{PHONE_ID}/messages", "query": {}, "authorization": f"Bearer {ACCESS_TOKEN}",
            "json": {"messaging_product": "whatsapp", address: target, "type": "text", "text": {"body": REPLY_TEXT}}}


# label: (transport, target, the request the Cloud API gets)
REPLIES = {
    "reply, a Cloud API text message": ("whatsapp", WA, cloud_request("to", WA)),
    "username user, by BSUID": ("whatsapp", "ID.1502576394655843", cloud_request("recipient", "ID.1502576394655843")),
    "username user, by parent BSUID": ("whatsapp", "US.ENT.11815799212886844830",
                                       cloud_request("recipient", "US.ENT.11815799212886844830")),
}

# label: (HTTP status, body, headers, outcome type): the Cloud API's own errors
FAILURES = {
    "500": (500, graph_error(131000, "(#131000) Something went wrong"), {}, RetryLater),
    "503 retry-after": (503, graph_error(131016, "(#131016) Service unavailable"), {"Retry-After": "12"}, RetryLater),
    "400 rate limit": (400, graph_error(130429, "(#130429) Rate limit hit"), {}, RetryLater),
    "400 pair rate limit": (400, graph_error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
                            {}, RetryLater),
    "400 outside 24h window": (400, graph_error(131047, "(#131047) Re-engagement message"), {}, Permanent),
    "400 invalid parameter": (400, graph_error(100, "(#100) Invalid parameter"), {}, Permanent),
    "401 expired token": (401, graph_error(190, f"Error validating access token: {ACCESS_TOKEN} has expired"), {},
                          Permanent),
}

WHATSAPP = MetaChannel(
    name="whatsapp", path="/webhooks/whatsapp", object="whatsapp_business_account", events_key="changes",
    fixtures=Path(__file__).parent / "fixtures",
    settings={"whatsapp_app_secret": "wa-app-secret-93be41d07c", "whatsapp_verify_token": "wa-verify-token-7d02ee",
              "whatsapp_token": ACCESS_TOKEN, "whatsapp_phone_id": PHONE_ID},
    app_secret_setting="whatsapp_app_secret", verify_token_setting="whatsapp_verify_token",
    token_setting="whatsapp_token", send_settings=("whatsapp_token", "whatsapp_phone_id"),
    secret_settings=("whatsapp_app_secret", "whatsapp_verify_token", "whatsapp_token"),
    parse=parse, events=EVENTS, ignored_events=IGNORED, unreadable=UNREADABLE,
    text_fixture="messages__text", media_fixture="messages__image", ignored_fixture="messages__reaction",
    deliverers=deliverers, api_url_setting="graph_api_url",
    graph_ok={"messaging_product": "whatsapp", "contacts": [{"input": WA, "wa_id": WA}],
              "messages": [{"id": "wamid.SENT0001"}]},
    replies=REPLIES, failures=FAILURES, max_text=4096, sent_text=lambda sent: sent["text"]["body"],
)
