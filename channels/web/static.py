"""The pages' own CSS and JavaScript at `/static/{name}`, read once from the package's static folder."""

from __future__ import annotations

from aiohttp import web

from channels.web import pages

STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}


class StaticFiles:
    """The static files, by name; nothing outside the folder and nothing but CSS and JavaScript is served."""

    def __init__(self) -> None:
        self.files = {
            path.name: (path.read_bytes(), STATIC_TYPES[path.suffix])
            for path in sorted(pages.STATIC_DIR.iterdir())
            if path.suffix in STATIC_TYPES
        }

    async def serve(self, request: web.Request) -> web.Response:
        """Serve the pages' own CSS and JavaScript (nothing is loaded from elsewhere)."""
        found = self.files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(
            body=body,
            content_type=content_type,
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
        )
