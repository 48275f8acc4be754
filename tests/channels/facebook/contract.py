"""The Facebook channel in the registry contract: a Messenger text message to the Page, signed with the app secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from tests.channels.contract_helpers import ContractCase, Sent, without_header

APP_SECRET = "fb-app-secret-1"
SETTINGS = {"facebook_app_secret": APP_SECRET, "facebook_verify_token": "fb-verify-1",
            "facebook_page_token": "fb-page-token-1"}
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signed(body: bytes) -> dict[str, str]:
    """Return the headers Meta sends with a body: JSON, and an HMAC-SHA256 of the raw bytes with the app secret."""
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", SIGNATURE_HEADER: f"sha256={digest}"}


def build(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return a Page webhook with one text message from the citizen's PSID `sender`."""
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE1", "time": int(time.time() * 1000), "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": "PAGE1"}, "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_{mid}", "text": text}}]}]}).encode()
    return body, signed(body), ""


def send_api(path: str, data: dict) -> Sent | None:
    """Take a Send API call of the Page (`/me/messages` under the Graph API)."""
    if path != "/graph/me/messages":
        return None
    return Sent("facebook", json.dumps(data["recipient"]), data["message"]["text"], {"recipient_id": "x", "message_id": "m"})


CASES = (
    ContractCase("facebook", "/webhooks/facebook", "POST", settings=SETTINGS, api_urls={"graph_api_url": "/graph"},
                 build=build, spoil=without_header(SIGNATURE_HEADER), sign_garbage=signed, fake=send_api),
)
