"""Stored attachments at /files/{id} (SPEC section 14): served to a signed-in person or a token that may see the
complaint (an operator; the agency holding it, or reading it while escalated to it or after forwarding it), and to
nobody else: 404, as if the file did not exist.

Images and PDFs open in the browser; anything else is sent as a download. The bytes are served from under
`<var_dir>/attachments/` only, whatever a row says.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from api.auth import Principal, bearer, principal_of
from api.dashboard import reads
from api.dashboard.render import Pages
from api.dashboard.signed_in import current, to_login
from complaints.reach import reach

MAX_ID_DIGITS = 18
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store", "Referrer-Policy": "same-origin",
           "X-Frame-Options": "SAMEORIGIN"}


def may_see(principal: Principal, complaint, timeline) -> bool:
    """Tell whether this principal may see the files of a complaint (its agency's reach decides for agencies)."""
    if principal.operates:
        return True
    return principal.agency is not None and reach(principal.agency, complaint["agency"], timeline) is not None


def disposition(content_type: str | None, name: str | None) -> str:
    """How the browser is told to take the file: inline for the images and PDFs we re-encode or parse, else as an
    attachment named safely (RFC 6266, with the UTF-8 name in filename*)."""
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    if not name:
        return kind
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._- ") else "_" for ch in name)[:100] or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name[:100], safe='')}"


class Files:
    """The /files/{id} handler."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.runtime = pages.runtime
        self.root = (Path(self.runtime.env.var_dir) / "attachments").resolve()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        principal = await self._principal(request)
        if principal is None:
            if bearer(request) is None:
                return to_login(request)
            raise web.HTTPNotFound(headers=HEADERS)
        ident = request.match_info["id"]
        if not ident.isdigit() or len(ident) > MAX_ID_DIGITS:
            raise web.HTTPNotFound(headers=HEADERS)
        found = await self.runtime.read(reads.load_file, int(ident))
        if found is None or not may_see(principal, found[1], found[2]) or not found[0]["stored_path"]:
            raise web.HTTPNotFound(headers=HEADERS)
        attachment = found[0]
        path = (Path(self.runtime.env.var_dir) / attachment["stored_path"]).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise web.HTTPNotFound(headers=HEADERS)
        content_type = attachment["content_type"] or "application/octet-stream"
        headers = {**HEADERS, "Content-Type": content_type,
                   "Content-Disposition": disposition(attachment["content_type"], attachment["name"])}
        if content_type != "application/pdf":
            headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
        return web.FileResponse(path, headers=headers)

    async def _principal(self, request: web.Request) -> Principal | None:
        """A token's principal (Authorization: Bearer), else the signed-in person's; None for neither."""
        token = bearer(request)
        if token is not None:
            return await principal_of(self.runtime, token)
        signed = await current(self.runtime, request)
        return None if signed is None else signed.principal
