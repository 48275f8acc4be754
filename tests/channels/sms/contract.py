"""The SMS channel in the registry contract: one case per gateway citizens text through (Twilio, Vonage, generic)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from functools import partial
from urllib.parse import urlencode

from tests.channels.contract_helpers import PUBLIC_URL, ContractCase, Sent, without_header
from tests.channels.sms.sms_helpers import generic_headers, twilio_signature, vonage_sign

TWILIO = {"twilio_auth_token": "twilio-token-1", "twilio_account_sid": "AC00000000000000000000000000000001",
          "twilio_from": "+15550001708"}
VONAGE = {"vonage_signature_secret": "vonage-secret-1", "vonage_signature_method": "sha256", "vonage_api_key": "vkey",
          "vonage_api_secret": "vonage-api-secret-1", "vonage_from": "1708"}
GENERIC = {"sms_secret": "generic-secret-1"}
generic_signed = partial(generic_headers, secret=GENERIC["sms_secret"])


def twilio(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return Twilio's form for an inbound SMS, signed over the webhook's public URL with the auth token."""
    params = {"MessageSid": f"SM{mid:0>32}", "SmsSid": f"SM{mid:0>32}", "AccountSid": TWILIO["twilio_account_sid"],
              "From": f"+{sender}", "To": TWILIO["twilio_from"], "Body": text, "NumMedia": "0"}
    signature = twilio_signature(f"{PUBLIC_URL}/webhooks/sms/twilio", list(params.items()), TWILIO["twilio_auth_token"])
    return urlencode(params).encode(), {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}, ""


def vonage(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return Vonage's query for an inbound SMS, signed (`sig`) with the signature secret."""
    now = int(time.time())
    params = {"msisdn": sender, "to": "1708", "messageId": f"0A{mid:0>14}", "text": text, "type": "text",
              "message-timestamp": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
              "timestamp": str(now), "nonce": str(uuid.uuid4())}
    params["sig"] = vonage_sign(params, VONAGE["vonage_signature_secret"], VONAGE["vonage_signature_method"])
    return b"", {}, urlencode(params)


def generic(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return a phone gateway's JSON for an inbound SMS, signed with the shared secret (SPEC section 6)."""
    body = json.dumps({"id": f"gw-{mid}", "from": f"+{sender}", "to": "1708", "text": text, "timestamp": int(time.time())}).encode()
    return body, generic_signed(body), ""


def without_sig(headers: dict[str, str], query: str) -> tuple[dict[str, str], str]:
    """Drop Vonage's `sig` from the query, where its proof is."""
    return headers, "&".join(p for p in query.split("&") if not p.startswith("sig="))


def twilio_api(path: str, data: dict) -> Sent | None:
    """Take a Twilio Messages resource create."""
    if not path.endswith("/Messages.json"):
        return None
    return Sent("sms-twilio", data["To"], data["Body"], {"sid": "SMout"}, status=201)


def vonage_api(path: str, data: dict) -> Sent | None:
    """Take a Vonage SMS API send."""
    if path != "/sms/json":
        return None
    return Sent("sms-vonage", data["to"], data["text"], {"message-count": "1", "messages": [{"status": "0", "message-id": "x"}]})


def gateway(path: str, data: dict) -> Sent | None:
    """Take a send at the generic gateway's URL."""
    if path != "/gateway/send":
        return None
    return Sent("sms-generic", data["to"], data["text"], {"ok": True})


# Twilio's form and Vonage's query cannot carry arbitrary bytes, so only the generic gateway signs garbage.
CASES = (
    ContractCase("sms-twilio", "/webhooks/sms/twilio", "POST", settings=TWILIO, api_urls={"twilio_api_url": ""},
                 build=twilio, spoil=without_header("X-Twilio-Signature"), sign_garbage=None, fake=twilio_api),
    ContractCase("sms-vonage", "/webhooks/sms/vonage", "GET", settings=VONAGE, api_urls={"vonage_api_url": ""},
                 build=vonage, spoil=without_sig, sign_garbage=None, fake=vonage_api),
    ContractCase("sms-generic", "/webhooks/sms/generic", "POST", settings=GENERIC, api_urls={"sms_send_url": "/gateway/send"},
                 build=generic, spoil=without_header("X-Aduan-Signature"), sign_garbage=generic_signed, fake=gateway),
)
