"""The WhatsApp media fetcher: `GET <graph>/<media id>` with the access token answers the file's short-lived URL
(on Meta's lookaside.fbsbx.com, valid about 5 minutes), fetched with the same bearer token
(https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#download-media). Meta keeps inbound media a
limited time: a 400 or 404 later is final."""

from __future__ import annotations

import json
import re

from channels.descriptor import Fetched, Fetcher, Get
from channels.whatsapp.settings import WhatsAppSettings
from providers.outcome import Permanent, RetryLater

# Media ids are digits; anything else in a path segment could reach another Graph resource.
MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def whatsapp_fetcher(settings: WhatsAppSettings) -> Fetcher:
    """Return the fetcher of WhatsApp media ids, with the access token of the settings."""
    if not settings.whatsapp_token:
        raise ValueError("the whatsapp fetcher needs ADUAN_WHATSAPP_TOKEN")
    graph = settings.graph_api_url.rstrip("/")
    auth = {"Authorization": f"Bearer {settings.whatsapp_token}"}

    async def fetch(media_id: str, get: Get) -> Fetched | RetryLater | Permanent:
        """Ask Graph for the media's URL, then download it with the bearer token."""
        if not MEDIA_ID.match(media_id):
            return Permanent("not a WhatsApp media id")
        answer = await get(f"{graph}/{media_id}", auth)
        if not isinstance(answer, Fetched):
            return answer
        try:
            url = json.loads(answer.data).get("url")
        except (ValueError, AttributeError):
            url = None
        if not isinstance(url, str) or not url:
            return Permanent("Graph answered no media url")
        return await get(url, auth)

    return fetch


def fetchers(settings: WhatsAppSettings) -> dict[str, Fetcher]:
    """Return the fetcher of the "whatsapp" attachments when an access token is set."""
    return {"whatsapp": whatsapp_fetcher(settings)} if settings.whatsapp_token else {}
