"""Small helpers shared by the API handlers: capped body reading, client address, JSON answers."""

from __future__ import annotations

import orjson
from aiohttp import web

from api.errors import ApiError
from store.queries import decode_cursor


async def read_capped(request: web.Request, limit: int) -> bytes:
    """Read the body, refusing with 413 as soon as it passes `limit` bytes (declared or streamed)."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise ApiError(413, "body_too_large", f"the body is over the limit of {limit} bytes")
        return await request.read()
    chunks = []
    size = 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_object(body: bytes) -> dict:
    """Parse a JSON object body or raise a 400 that says what is wrong."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return data


def limit_of(query) -> int:
    """The page size a list asks for: 1 to 500, 50 when not given; anything else is a 400."""
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 500:
        raise ApiError(400, "invalid_input", "limit must be a whole number from 1 to 500")
    return limit


def complaint_page_args(query) -> tuple[int, str | None]:
    """The limit and cursor of a complaint list, the cursor checked to be one this API gave out."""
    cursor = query.get("cursor") or None
    if cursor:
        try:
            decode_cursor(cursor)
        except (ValueError, TypeError):
            raise ApiError(400, "invalid_input", "cursor is not one this API gave out") from None
    return limit_of(query), cursor


def json_response(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json", headers=headers)
