"""What every form of the pages needs (SPEC section 14): the url-encoded body read within a cap, the cross-site
check, and the session's CSRF token; plus where a signed-in person lands and the one-line notice after a POST.

A POST is refused (403) without the session's CSRF token or when `Origin` or `Sec-Fetch-Site` says it is
cross-site; a successful one answers 303 back to its page with `?done=<what>`, which the page shows as a notice.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web
from multidict import MultiDict

from api.agency import MAX_NOTE as MAX_TEXT
from api.dashboard import session
from api.dashboard.render import see_other
from complaints.model import has_control
from edges.csrf import same_origin
from store.actions import first_sending

MAX_FORM_BYTES = 16384  # a reply of 4,000 characters, all of them multi-byte, fits
DONE_CHARS = 32
AGENCY_BASE = "/agency"


async def read_form(request: web.Request, limit: int = MAX_FORM_BYTES) -> MultiDict[str] | None:
    """The url-encoded form of a POST (`getall` for a field given more than once, like ticked boxes), or None when
    it is over `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(4096):
        body += chunk
        if len(body) > limit:
            return None
    return MultiDict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def text_field(form, name: str, required: bool) -> tuple[str | None, str | None]:
    """A multi-line field as the APIs take it: its trimmed value (None when empty) and its problem (`required`,
    `too_long`, `control`), the value kept either way so that the form comes back with it."""
    value = (form.get(name) or "").strip()
    if not value:
        return None, "required" if required else None
    if len(value) > MAX_TEXT:
        return value, "too_long"
    if has_control(value):
        return value, "control"
    return value, None


# What a page's form carries so that sending it twice acts once (see once(); the pages render a fresh token each).
ONCE_FIELD = "once"
SENT_BEFORE = object()  # what once()'s function gives for a form sent before


def once(form, action):
    """`action(conn, *args)` run only the first time this rendering of the form is sent (its `once` token); a form
    sent again gives SENT_BEFORE. A form without a token (a script) acts each time."""
    token = (form.get(ONCE_FIELD) or "")[:64]

    def run(conn, *args):
        if token and not first_sending(conn, token, datetime.now(timezone.utc)):
            return SENT_BEFORE
        return action(conn, *args)

    return run


def cross_site(request: web.Request, public_url: str) -> bool:
    """Tell whether a POST comes from a page of another site: its Origin names another site, or the browser says
    so in Sec-Fetch-Site (browsers send one or both with every POST)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    return origin is not None and not same_origin(origin, request.host, public_url)


def forged(request: web.Request, public_url: str, signed: session.Session, form: dict[str, str] | None) -> bool:
    """Tell whether a signed-in person's POST must be refused: no form, cross-site, or not the session's token."""
    return form is None or cross_site(request, public_url) or not session.matches(signed.csrf, form.get("csrf"))


def landing(operates: bool) -> str:
    """Where a person lands after signing in: operators on the console, agency officers in their inbox."""
    return "/dashboard" if operates else AGENCY_BASE


def safe_next(value: str | None, fallback: str) -> str:
    """Where to go after signing in: a page of ours (the console, the inbox, a file), never another site."""
    if not value or len(value) > 500 or not value.isprintable() or "\\" in value:
        return fallback
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return fallback
    for base in ("/dashboard", AGENCY_BASE, "/files"):
        rest = value[len(base):len(base) + 1]
        if value.startswith(base) and rest in ("", "/", "?"):
            if value.startswith(("/dashboard/login", "/dashboard/logout", "/dashboard/welcome")):
                return fallback
            return value
    return fallback


def done(request: web.Request) -> str | None:
    """The notice a page was sent back with (`?done=`), when it has the shape of one."""
    value = request.query.get("done", "")
    return value if value and len(value) <= DONE_CHARS and value.replace("_", "").isalnum() else None


def back(path: str, what: str) -> web.Response:
    """The 303 of a successful POST: back to `path` (its query kept) with its notice."""
    base, _, query = path.partition("?")
    kept = "&".join(part for part in query.split("&") if part and not part.startswith(("done=", "cursor=")))
    return see_other(f"{base}?{kept + '&' if kept else ''}done={what}")
