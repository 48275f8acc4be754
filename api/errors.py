"""API errors as JSON `{"error": {"code", "message"}}` with a fitting status."""

from __future__ import annotations

import json

from aiohttp import web


class ApiError(Exception):
    """An error the client should see, with its HTTP status and a stable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)
    return web.Response(status=status, text=body, content_type="application/json", headers=headers)
