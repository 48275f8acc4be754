"""The WhatsApp channel in the registry contract: a Cloud API text message, signed with the app secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from tests.channels.contract_helpers import ContractCase, Sent, without_header

APP_SECRET = "wa-app-secret-1"
PHONE_ID = "106540352242922"
SETTINGS = {"whatsapp_app_secret": APP_SECRET, "whatsapp_verify_token": "wa-verify-1", "whatsapp_token": "wa-token-1",
            "whatsapp_phone_id": PHONE_ID}
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signed(body: bytes) -> dict[str, str]:
    """Return the headers Meta sends with a body: JSON, and an HMAC-SHA256 of the raw bytes with the app secret."""
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", SIGNATURE_HEADER: f"sha256={digest}"}


def build(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return a business account webhook with one text message from the citizen's number `sender`."""
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001708", "phone_number_id": PHONE_ID},
        "contacts": [{"profile": {"name": "Baiq Nurul"}, "wa_id": sender}],
        "messages": [{"from": sender, "id": f"wamid.{mid}", "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}]}}]}]}).encode()
    return body, signed(body), ""


def cloud_api(path: str, data: dict) -> Sent | None:
    """Take a Cloud API message from the business number (`/<phone number id>/messages` under the Graph API)."""
    if path != f"/graph/{PHONE_ID}/messages":
        return None
    return Sent("whatsapp", data.get("to", ""), data["text"]["body"], {"messages": [{"id": "wamid.out"}]})


CASES = (
    ContractCase("whatsapp", "/webhooks/whatsapp", "POST", settings=SETTINGS, api_urls={"graph_api_url": "/graph"},
                 build=build, spoil=without_header(SIGNATURE_HEADER), sign_garbage=signed, fake=cloud_api),
)
