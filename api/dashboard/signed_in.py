"""Who is signed in: the operator's session from the store for a request's cookie, and the way to the login page
when there is none."""

from __future__ import annotations

import hmac
from datetime import datetime, timezone
from urllib.parse import quote

import structlog
from aiohttp import web

from api.auth import Principal
from api.dashboard import session, words
from api.dashboard.render import BASE, Answer, Pages, see_other
from edges.runtime import Runtime
from store import access
from store.db import StoreUnavailable

log = structlog.get_logger("dashboard")


async def current(runtime: Runtime, request: web.Request) -> session.Session | None:
    """The signed-in person's (or operator token's) session from the store, or None (no cookie, unknown id, logged
    out, idle 12 h, past its 7 days, its account disabled, its token revoked or expired, or opened under another
    ADUAN_OPERATOR_TOKEN)."""
    session_id = session.session_id_of(request.cookies.get(session.SESSION_COOKIE))
    if session_id is None:
        return None
    now = datetime.now(timezone.utc)
    row = await runtime.read(access.live_session, session.id_hash(session_id), now)
    if row is None:
        return None
    if row["principal_kind"] == "env":
        configured = runtime.env.operator_token
        if not configured or not hmac.compare_digest(row["env_token_mac"] or "",
                                                     session.env_token_mac(session_id, configured)):
            return None
    if access.touch_due(row["last_seen_at"], now):
        try:
            await runtime.write(access.record_session_seen, row["id"], now)
        except StoreUnavailable:
            # The page can still be shown; a missed time is written at the next view.
            log.warning("dashboard.last_seen_not_recorded")
    return session.Session(id_hash=row["id_hash"], principal=principal_of_session(row),
                           csrf=session.session_csrf(session_id))


def principal_of_session(row) -> Principal:
    """Who a live session (as store.access.live_session reads it) speaks for."""
    if row["principal_kind"] == "user":
        return Principal(row["user_role"], agency=row["user_agency"], user_id=row["user_id"], name=row["user_name"])
    if row["principal_kind"] == "token":
        return Principal("operator", token_id=row["token_id"], label=row["token_label"])
    return Principal("operator")


def to_login(request: web.Request) -> web.Response:
    """Send the browser to the login page, which comes back here once signed in."""
    # A form posted after its session ended comes back to the page the form was on (its action's parent), never to
    # the action's address, which answers only POST.
    target = request.path.rsplit("/", 1)[0] or BASE if request.method == "POST" else request.path_qs
    location = f"{BASE}/login" if target == BASE else f"{BASE}/login?next={quote(target, safe='')}"
    return see_other(location)


async def signed_in(pages: Pages, request: web.Request) -> session.Session:
    """The session of whoever is signed in; else the browser goes to the login page (and comes back here)."""
    signed = await current(pages.runtime, request)
    if signed is None:
        raise Answer(to_login(request))
    return signed


def not_found(pages: Pages, signed: session.Session) -> Answer:
    """A page this person may not see: 404, as if it did not exist (SPEC section 14)."""
    t = words.labels(pages.language)
    return Answer(pages.notice(404, t["page_not_found_title"], t["page_not_found_body"], csrf=signed.csrf,
                               principal=signed.principal))


async def operator(pages: Pages, request: web.Request) -> session.Session:
    """The session of a signed-in operator or supervisor; an agency officer gets 404 (their inbox is /agency)."""
    signed = await signed_in(pages, request)
    if not signed.principal.operates:
        if request.path == BASE:
            raise Answer(see_other("/agency"))
        raise not_found(pages, signed)
    return signed


async def officer(pages: Pages, request: web.Request) -> session.Session:
    """The session of a signed-in agency officer whose agency is in the configuration; anyone else gets 404."""
    signed = await signed_in(pages, request)
    principal = signed.principal
    if principal.role != "agency" or principal.agency not in pages.runtime.config.agencies:
        raise not_found(pages, signed)
    return signed
