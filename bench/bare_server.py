"""The baseline: a bare aiohttp handler that only reads the body and answers JSON."""

from __future__ import annotations

import json
import sys
import uuid

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    data = json.loads(await request.read())
    body = {"code": uuid.uuid4().hex[:12], "status": "assigned", "agency": None, "track_url": str(len(data))}
    return web.json_response(body, status=201)


async def telegram(request: web.Request) -> web.Response:
    json.loads(await request.read())
    return web.Response(status=200)


if __name__ == "__main__":
    app = web.Application()
    app.add_routes([
        web.post("/api/v1/complaints", handle),
        web.post("/webhooks/telegram", telegram),
        web.get("/healthz", lambda r: web.json_response({"status": "ok"})),
    ])
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
