"""Replies to WhatsApp through the Cloud API: a text message to the citizen's wa_id.

https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
"""

from __future__ import annotations

import re

import aiohttp

from channels.meta import post_graph
from channels.whatsapp.settings import WhatsAppSettings
from providers.outcome import Deliverer, Delivery, Outcome, Permanent

# A text message body holds at most 4,096 characters.
MAX_TEXT = 4096
# A business-scoped user id: country code, optional ENT (parent BSUID), then up to 128 letters and digits.
BSUID = re.compile(r"[A-Z]{2}(?:\.ENT)?\.[A-Za-z0-9]{1,128}")


def whatsapp_deliverer(graph_api_url: str, phone_id: str, token: str) -> Deliverer:
    """Return the deliverer that sends a text from the business phone number `phone_id`."""
    url = f"{graph_api_url}/{phone_id}/messages"
    headers = {"Authorization": f"Bearer {token}"}

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        text = str(delivery.payload.get("text") or "").strip()
        if not delivery.target or not text:
            return Permanent("no recipient wa_id" if not delivery.target else "no text to send")
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        # A username user's BSUID goes in `recipient`, a phone number (wa_id) in `to`; never both.
        address = "recipient" if BSUID.fullmatch(delivery.target) else "to"
        body = {"messaging_product": "whatsapp", address: delivery.target, "type": "text", "text": {"body": text}}
        return await post_graph(session, url, body, headers=headers, secrets=(token,))

    return deliver


def deliverers(settings: WhatsAppSettings) -> dict[str, Deliverer]:
    """Return the WhatsApp deliverer when the access token and phone number id are set, else none."""
    if not (settings.whatsapp_token and settings.whatsapp_phone_id):
        return {}
    return {"whatsapp": whatsapp_deliverer(settings.graph_api_url, settings.whatsapp_phone_id, settings.whatsapp_token)}
