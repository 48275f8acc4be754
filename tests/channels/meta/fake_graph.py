"""A fake Graph API on loopback: records each request and answers as told, errors as Meta documents them.

Error objects: https://developers.facebook.com/docs/graph-api/guides/error-handling
"""

from __future__ import annotations

import asyncio

from aiohttp import web

VERSION = "/v26.0"


def graph_error(code: int, message: str, *, type: str = "OAuthException", is_transient: bool | None = None,
                subcode: int | None = None) -> dict:
    """Return a Graph API error body: {"error": {message, type, code, error_subcode, is_transient, fbtrace_id}}."""
    error = {"message": message, "type": type, "code": code, "fbtrace_id": "AbCdEfGhIjK0123456789"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    return {"error": error}


class FakeGraph:
    """A Graph API stand-in: records each request and answers with the status, body and headers it is told."""

    def __init__(self, ok: dict) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.body = ok
        self.headers: dict[str, str] = {}
        self.delay = 0.0  # seconds to wait before answering, to outlast a client's timeout
        self.url = ""

    def answer(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        """Answer every later request with this status, JSON body and headers."""
        self.status, self.body, self.headers = status, body, dict(headers or {})

    def fail(self, status: int, code: int, message: str, **error) -> None:
        """Answer every later request with a Graph API error (400, 403, 500, 429...), as Meta writes it."""
        self.answer(status, graph_error(code, message, **error))

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request, then answer it as told."""
        self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query),
                              "authorization": request.headers.get("Authorization"), "json": await request.json()})
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response(self.body, status=self.status, headers=self.headers)


async def start_graph(aiohttp_server, ok: dict) -> FakeGraph:
    """Start a fake Graph API on 127.0.0.1; its `url` is the root the deliverers take (version path included)."""
    fake = FakeGraph(ok)
    app = web.Application()
    app.router.add_post(VERSION + "/{path:.*}", fake.handle)
    server = await aiohttp_server(app)
    fake.url = str(server.make_url(VERSION))
    return fake
