"""The media fetcher of Facebook (Messenger and page comments) and Instagram: an attachment's `payload.url` is a CDN
link that needs no header but expires within days, so it is fetched on receipt
(https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages)."""

from __future__ import annotations

from channels.descriptor import Fetched, Fetcher, Get
from providers.outcome import Permanent, RetryLater


async def fetch_cdn_url(url: str, get: Get) -> Fetched | RetryLater | Permanent:
    """Download the attachment's CDN link as it is, with no credentials."""
    return await get(url)


def fetchers_for(*vias: str) -> Fetcher:
    """Return a channel's `fetchers`: the CDN fetcher for each of its attachments' `fetch_via` names."""

    def fetchers(_settings: object) -> dict[str, Fetcher]:
        return {via: fetch_cdn_url for via in vias}

    return fetchers
