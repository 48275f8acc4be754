"""The dashboard's own stylesheet at /dashboard/static/dashboard.css, read once and linked by a URL that changes with
its content (so a browser never keeps an old one)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

from api.dashboard.render import BASE

STYLESHEET = Path(__file__).parent / "static" / "dashboard.css"


class Stylesheet:
    """The stylesheet's bytes and the URL the pages link it by."""

    def __init__(self) -> None:
        css = STYLESHEET.read_bytes()
        self.files = {STYLESHEET.name: (css, "text/css")}
        self.url = f"{BASE}/static/{STYLESHEET.name}?v={hashlib.sha256(css).hexdigest()[:12]}"

    async def serve(self, request: web.Request) -> web.Response:
        """Serve the dashboard's own stylesheet."""
        found = self.files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type, charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"})
