"""The download every media fetcher goes through: allowed hosts only, redirects followed here hop by hop, the body
streamed under the size cap.

A body announced larger than the cap is refused before a byte of it is read; one that is not announced is read
until it passes the cap and the connection is closed there, so no more than the cap is ever held. A redirect is
followed (at most MAX_REDIRECTS) only to an allowed host and without the first request's headers, which carry the
provider's credentials. Outcomes say HTTP statuses and error types only, never a URL (a Bot API file URL holds the
bot token).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp
from yarl import URL

from channels.descriptor import Fetched
from media.hosts import Hosts, allowed
from providers.outcome import Delivered, Permanent, RetryLater, classify_status

CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
HOST_NOT_ALLOWED = "host not allowed"


def too_large(cap: int) -> str:
    """The reason of a file over the size cap."""
    return f"over the size limit of {cap} bytes"


class Download:
    """GET one URL for a fetcher (channels.descriptor.Get), within the allowed hosts and the size cap."""

    def __init__(self, session: aiohttp.ClientSession, hosts: Hosts, cap: int) -> None:
        self.session = session
        self.hosts = hosts
        self.cap = cap

    async def __call__(self, url: str, headers: Mapping[str, str] | None = None) -> Fetched | RetryLater | Permanent:
        """Download `url`, following redirects to allowed hosts without `headers`; the file, or why not."""
        sent = dict(headers or {})
        for _hop in range(MAX_REDIRECTS + 1):
            if not allowed(url, self.hosts):
                return Permanent(HOST_NOT_ALLOWED)
            try:
                # Sent as given: re-quoting could break a CDN link's signed query.
                target = URL(url, encoded=url.isascii() and url.isprintable() and " " not in url)
                async with self.session.get(target, headers=sent, allow_redirects=False) as resp:
                    if resp.status in REDIRECTS:
                        location = resp.headers.get("Location")
                        if not location:
                            return Permanent(f"HTTP {resp.status} without a Location")
                        url = str(resp.url.join(URL(location)))
                        sent = {}  # credentials go to the first host only
                        continue
                    if 200 <= resp.status < 300:
                        return await self._body(resp)
                    if resp.status < 400:
                        return Permanent(f"HTTP {resp.status}")
                    outcome = classify_status(resp.status, resp.reason or "", resp.headers.get("Retry-After"))
                    return outcome if not isinstance(outcome, Delivered) else Permanent(f"HTTP {resp.status}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                # The type only: client errors quote the URL.
                return RetryLater(f"download failed: {type(exc).__name__}")
        return Permanent(f"more than {MAX_REDIRECTS} redirects")

    async def _body(self, resp: aiohttp.ClientResponse) -> Fetched | Permanent:
        """Read the body up to the cap; past it, close the connection and refuse."""
        if resp.content_length is not None and resp.content_length > self.cap:
            resp.close()
            return Permanent(too_large(self.cap))
        data = bytearray()
        async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
            if len(data) + len(chunk) > self.cap:
                resp.close()
                return Permanent(too_large(self.cap))
            data += chunk
        content_type = resp.headers.get("Content-Type")
        return Fetched(bytes(data), content_type.split(";")[0].strip().lower()[:100] if content_type else None)
