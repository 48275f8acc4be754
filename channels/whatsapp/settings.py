"""The WhatsApp Cloud API channel's settings, read from ADUAN_WHATSAPP_* and ADUAN_GRAPH_API_URL (SPEC section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from channels.meta import GRAPH_API_URL
from config.env import secret, url


@dataclass(frozen=True)
class WhatsAppSettings:
    """The app secret (the channel is off without it), the verify token, the access token and phone number id."""

    whatsapp_app_secret: str | None = secret()
    whatsapp_verify_token: str | None = secret()
    whatsapp_token: str | None = secret()
    whatsapp_phone_id: str | None = None
    graph_api_url: str = url(GRAPH_API_URL)
