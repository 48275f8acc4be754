"""Who is signed in: the operator's session from the store for a request's cookie, and the way to the login page
when there is none."""

from __future__ import annotations

import hmac
from datetime import datetime, timezone
from urllib.parse import quote

import structlog
from aiohttp import web

from api.dashboard import session
from api.dashboard.render import BASE, see_other
from edges.runtime import Runtime
from store import access
from store.db import StoreUnavailable

log = structlog.get_logger("dashboard")


async def current(runtime: Runtime, request: web.Request) -> session.Session | None:
    """The signed-in operator's session from the store, or None (no cookie, unknown id, logged out, idle 12 h,
    past its 7 days, its token revoked or expired, or opened under another ADUAN_OPERATOR_TOKEN)."""
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
    return session.Session(id_hash=row["id_hash"], principal_kind=row["principal_kind"], token_id=row["token_id"],
                           csrf=session.session_csrf(session_id))


def to_login(request: web.Request) -> web.Response:
    """Send the browser to the login page, which comes back here once signed in."""
    target = request.path_qs
    location = f"{BASE}/login" if target == BASE else f"{BASE}/login?next={quote(target, safe='')}"
    return see_other(location)
