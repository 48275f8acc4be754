"""Reading a request body under a cap: the one reader every HTTP edge uses (the webhooks and the API)."""

from __future__ import annotations

from aiohttp import web

CHUNK = 64 * 1024


async def read_within(request: web.Request, cap: int) -> bytes | None:
    """Read the body, or None as soon as it is over `cap` bytes (declared or streamed); never reads past the cap."""
    if request.content_length is not None and request.content_length > cap:
        return None
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def read_capped(request: web.Request, cap: int) -> bytes:
    """Read the body, refusing with aiohttp's 413 (answered by the app's error middleware) when it is over `cap`."""
    body = await read_within(request, cap)
    if body is None:
        raise web.HTTPRequestEntityTooLarge(max_size=cap, actual_size=request.content_length or cap + 1)
    return body
