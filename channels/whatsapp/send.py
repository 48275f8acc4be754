"""Notices to WhatsApp through the Cloud API: a text message to the citizen's wa_id within the 24-hour window, the
registered template outside it (SPEC 16).

https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages and
https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone

import aiohttp

from channels.meta import post_graph
from channels.whatsapp.settings import WhatsAppSettings
from providers import windows
from providers.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent

# A text message body holds at most 4,096 characters; a template's text parameter far fewer.
MAX_TEXT = 4096
MAX_PARAMETER = 1024
# A business-scoped user id: country code, optional ENT (parent BSUID), then up to 128 letters and digits.
BSUID = re.compile(r"[A-Z]{2}(?:\.ENT)?\.[A-Za-z0-9]{1,128}")


def template_message(template: Mapping) -> dict:
    """The `template` object of a Cloud API template message: name, language code, the body's text parameters."""
    parameters = [{"type": "text", "text": str(value)[:MAX_PARAMETER] or "-"} for value in template["parameters"]]
    return {"name": template["name"], "language": {"code": template["language"]},
            "components": [{"type": "body", "parameters": parameters}]}


def message_body(delivery: Delivery, text: str) -> dict | Permanent:
    """The message a notice goes as, by the 24-hour window (providers/windows.py): text, the template, or nothing."""
    plan = windows.whatsapp(delivery.last_inbound_at, delivery.claimed_at or datetime.now(timezone.utc),
                            delivery.template) if delivery.window_checked else windows.Free()
    if isinstance(plan, windows.Outside):
        return Permanent(plan.reason, fallback=True)
    # A username user's BSUID goes in `recipient`, a phone number (wa_id) in `to`; never both.
    address = "recipient" if BSUID.fullmatch(delivery.target or "") else "to"
    body: dict = {"messaging_product": "whatsapp", address: delivery.target}
    if isinstance(plan, windows.AsTemplate):
        return {**body, "type": "template", "template": template_message(plan.template)}
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return {**body, "type": "text", "text": {"body": text}}


def whatsapp_deliverer(graph_api_url: str, phone_id: str, token: str) -> Deliverer:
    """Return the deliverer that sends a notice from the business phone number `phone_id`: text within the citizen's
    24-hour window, else the template the delivery carries; a refusal (or no template) falls back to SMS."""
    url = f"{graph_api_url}/{phone_id}/messages"
    headers = {"Authorization": f"Bearer {token}"}

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        text = str(delivery.payload.get("text") or "").strip()
        if not delivery.target or not text:
            return Permanent("no recipient wa_id" if not delivery.target else "no text to send")
        body = message_body(delivery, text)
        if isinstance(body, Permanent):
            return body
        outcome = await post_graph(session, url, body, headers=headers, secrets=(token,), fallback=True)
        if body["type"] == "template" and isinstance(outcome, Delivered):
            return Delivered(f"{outcome.detail}, as template {body['template']['name']}", outcome.message_id)
        return outcome

    return deliver


def deliverers(settings: WhatsAppSettings) -> dict[str, Deliverer]:
    """Return the WhatsApp deliverer when the access token and phone number id are set, else none."""
    if not (settings.whatsapp_token and settings.whatsapp_phone_id):
        return {}
    return {"whatsapp": whatsapp_deliverer(settings.graph_api_url, settings.whatsapp_phone_id, settings.whatsapp_token)}
