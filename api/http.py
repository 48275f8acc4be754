"""Small helpers shared by the API handlers: JSON bodies and answers, page sizes and cursors."""

from __future__ import annotations

import orjson
from aiohttp import hdrs, web

from api.errors import ApiError
from edges.body import read_capped
from store.queries import decode_cursor


def parse_json_object(body: bytes) -> dict:
    """Parse a JSON object body or raise a 400 that says what is wrong."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return data


JSON = "application/json"
NOT_JSON = "the body must be JSON, sent with Content-Type: application/json"


def require_json(request: web.Request, takes_body: bool = True) -> None:
    """Refuse with 415 anything not sent as `Content-Type: application/json` (parameters such as charset allowed).

    A route that takes no body (`takes_body=False`) accepts an empty body whatever its Content-Type, or none
    (`curl -X POST` sends none, aiohttp's client application/octet-stream): there is nothing in it to misread.
    No other type is read as JSON: a web page may make a browser post text/plain or a form without asking (no
    CORS preflight), but not JSON.
    """
    if not takes_body and (request.content_length == 0 or not request.body_exists):
        return
    if hdrs.CONTENT_TYPE not in request.headers or request.content_type != JSON:
        raise ApiError(415, "unsupported_media_type", NOT_JSON)


async def read_json(request: web.Request, limit: int) -> tuple[bytes, dict]:
    """The body of a JSON POST and the object it holds: 415 for another Content-Type, 413 past `limit`, 400 if not
    a JSON object."""
    require_json(request)
    body = await read_capped(request, limit)
    return body, parse_json_object(body)


def limit_of(query) -> int:
    """The page size a list asks for: 1 to 500, 50 when not given; anything else is a 400."""
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 500:
        raise ApiError(400, "invalid_input", "limit must be a whole number from 1 to 500")
    return limit


# Row ids fit a signed 64-bit integer in both databases; a bigger one cannot be a cursor we gave out.
MAX_ID = 2**63 - 1
BAD_CURSOR = "cursor is not one this API gave out"


def complaint_page_args(query) -> tuple[int, str | None]:
    """The limit and cursor of a complaint list, the cursor checked to be one this API gave out."""
    cursor = query.get("cursor") or None
    if cursor:
        try:
            _at, ident = decode_cursor(cursor)
        except (ValueError, TypeError):
            raise ApiError(400, "invalid_input", BAD_CURSOR) from None
        if not 0 <= ident <= MAX_ID:
            raise ApiError(400, "invalid_input", BAD_CURSOR)
    return limit_of(query), cursor


def delivery_cursor(query) -> int | None:
    """The row id a delivery list continues after (its `next`), or None; anything else is a 400."""
    cursor = query.get("cursor") or None
    if cursor is None:
        return None
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 19 and int(cursor) <= MAX_ID):
        raise ApiError(400, "invalid_input", BAD_CURSOR)
    return int(cursor)


def json_response(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json", headers=headers)


def ask_of(data: dict) -> bool:
    """A reply's `ask` (SPEC section 15): true makes the complaint wait for the citizen's answer; 400 unless a boolean."""
    ask = data.get("ask", False)
    if not isinstance(ask, bool):
        raise ApiError(400, "invalid_input", "ask must be true or false")
    return ask
