"""The Instagram channel in the registry contract: a Direct text message to the account, signed with the app secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from tests.channels.contract_helpers import ContractCase, Sent, without_header

APP_SECRET = "ig-app-secret-1"
ACCOUNT = "17841400000000001"  # the Instagram professional account's id
SETTINGS = {"instagram_app_secret": APP_SECRET, "instagram_verify_token": "ig-verify-1", "instagram_token": "ig-token-1"}
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signed(body: bytes) -> dict[str, str]:
    """Return the headers Meta sends with a body: JSON, and an HMAC-SHA256 of the raw bytes with the app secret."""
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", SIGNATURE_HEADER: f"sha256={digest}"}


def build(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return an Instagram webhook with one Direct text message from the citizen's IGSID `sender`."""
    now = time.time()
    body = json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT, "time": int(now), "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": ACCOUNT}, "timestamp": int(now * 1000),
        "message": {"mid": f"ig_{mid}", "text": text}}]}]}).encode()
    return body, signed(body), ""


def send_api(path: str, data: dict) -> Sent | None:
    """Take an Instagram Send API call of the account (`/me/messages`)."""
    if path != "/instagram/me/messages":
        return None
    recipient = data["recipient"]["id"]
    return Sent("instagram", recipient, data["message"]["text"], {"recipient_id": recipient, "message_id": "ig_SENT1"})


CASES = (
    ContractCase("instagram", "/webhooks/instagram", "POST", settings=SETTINGS, api_urls={"instagram_api_url": "/instagram"},
                 build=build, spoil=without_header(SIGNATURE_HEADER), sign_garbage=signed, fake=send_api),
)
