"""Signing in to the dashboard and out of it: the login form, the token checked as the operator API checks it, a
session opened in the store, and the logout that ends it at once."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import structlog
from aiohttp import web

from api.auth import Principal, principal_of
from api.dashboard import session, words
from api.dashboard.render import BASE, Pages, see_other
from api.dashboard.signed_in import current
from edges.csrf import same_origin
from edges.ratelimit import RateLimiter
from store import access

log = structlog.get_logger("dashboard")

LOGINS_PER_MINUTE = 10
LOGIN_FORM_MIN_SECONDS = 15 * 60
MAX_FORM_BYTES = 8192


def safe_next(value: str | None) -> str:
    """Where to go after login: a dashboard path given by us, never another site (else the overview)."""
    if not value or len(value) > 500 or not value.isprintable() or "\\" in value:
        return BASE
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith(BASE):
        return BASE
    if value[len(BASE):len(BASE) + 1] not in ("", "/", "?") or value.startswith(f"{BASE}/login"):
        return BASE
    return value


class Login:
    """The login and logout handlers, rendering through `pages`."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.runtime = runtime = pages.runtime
        self.key = runtime.secret_key
        self.secure = runtime.env.public_url.lower().startswith("https://")
        self.logins = RateLimiter(LOGINS_PER_MINUTE, runtime.env.trust_forwarded_for)

    async def login_form(self, request: web.Request) -> web.Response:
        """Show the login form (or go to the dashboard when already signed in)."""
        next_url = safe_next(request.query.get("next"))
        if await current(self.runtime, request) is not None:
            return see_other(next_url)
        pre = self._login_cookie(request)
        if pre is not None and pre.expires - time.time() < LOGIN_FORM_MIN_SECONDS:
            pre = None  # a form shown now should not expire while the operator types
        return self._login_page(200, next_url, signed=pre)

    async def login(self, request: web.Request) -> web.Response:
        """Check the token as the operator API does; on success open a session in the store (12 h idle, 7 days)."""
        t = words.labels(self.pages.language)
        address = self.logins.address(request.remote, request.headers.getall("X-Forwarded-For", ()))
        if not self.logins.allow(address):
            seconds = self.logins.retry_after(address)
            log.warning("dashboard.login_limited", address=address)
            return self._login_page(429, BASE, t["login_limited"].format(seconds=seconds),
                                    signed=self._login_cookie(request), headers={"Retry-After": str(seconds)})
        form = await self._read_form(request)
        if form is None:
            return self._login_page(413, BASE, t["body_too_large"], fresh=True)
        next_url = safe_next(form.get("next"))
        pre = self._login_cookie(request)
        if self._cross_site(request) or not session.check_csrf(self.key, pre, form.get("csrf")):
            log.info("dashboard.login_refused", reason="csrf", address=address)
            return self._login_page(403, next_url, t["form_expired"], fresh=True)
        token = form.get("token", "").strip()
        principal = await self._principal(token)
        if principal is None:
            log.info("dashboard.login_failed", address=address)
            return self._login_page(401, next_url, t["login_invalid"], signed=pre)
        session_id = session.new_session_id()  # always a new id: a cookie planted before sign-in is never promoted
        earlier = session.session_id_of(request.cookies.get(session.SESSION_COOKIE))
        kind = "env" if principal.token_id is None else "token"
        await self.runtime.write(
            lambda conn: access.open_session(
                conn, id_hash=session.id_hash(session_id), principal_kind=kind, token_id=principal.token_id,
                env_token_mac=session.env_token_mac(session_id, token) if kind == "env" else None,
                now=datetime.now(timezone.utc), address=address, user_agent=request.headers.get("User-Agent"),
                replaces=session.id_hash(earlier) if earlier else None))
        log.info("dashboard.login", who=principal.caller, address=address)
        response = see_other(next_url)
        self._set_cookie(response, session.SESSION_COOKIE, session_id, session.SESSION_SECONDS, BASE)
        response.del_cookie(session.LOGIN_COOKIE, path=f"{BASE}/login", secure=self.secure, httponly=True,
                            samesite="Strict")
        return response

    async def logout(self, request: web.Request) -> web.Response:
        """End the session in the store at once (the form carries the session's CSRF token)."""
        signed = await current(self.runtime, request)
        form = await self._read_form(request)
        if signed is not None:
            if form is None or self._cross_site(request) or not session.matches(signed.csrf, form.get("csrf")):
                t = words.labels(self.pages.language)
                return self.pages.notice(403, t["forbidden_title"], t["form_expired"], csrf=signed.csrf)
            await self.runtime.write(access.end_session, signed.id_hash, datetime.now(timezone.utc), "logout")
            log.info("dashboard.logout", who="env" if signed.token_id is None else f"token:{signed.token_id}")
        response = see_other(f"{BASE}/login")
        response.del_cookie(session.SESSION_COOKIE, path=BASE, secure=self.secure, httponly=True, samesite="Strict")
        return response

    def _login_cookie(self, request: web.Request) -> session.Signed | None:
        return session.read(self.key, request.cookies.get(session.LOGIN_COOKIE), time.time())

    def _set_cookie(self, response: web.StreamResponse, name: str, value: str, seconds: int, path: str) -> None:
        response.set_cookie(name, value, max_age=seconds, path=path, httponly=True, samesite="Strict", secure=self.secure)

    def _login_page(self, status: int, next_url: str, error: str | None = None, fresh: bool = False,
                    signed: session.Signed | None = None, headers: dict[str, str] | None = None) -> web.Response:
        """The login form; with `fresh`, a new pre-session cookie binds its CSRF token."""
        value = None
        if fresh or signed is None:
            value = session.issue(self.key, time.time(), session.LOGIN_SECONDS)
            signed = session.read(self.key, value, time.time())
        response = self.pages.render("login.html", status, headers, login_csrf=session.csrf_token(self.key, signed),
                                     next_url=next_url, error=error)
        if value is not None:
            self._set_cookie(response, session.LOGIN_COOKIE, value, session.LOGIN_SECONDS, f"{BASE}/login")
        return response

    async def _read_form(self, request: web.Request) -> dict[str, str] | None:
        """The url-encoded form of a POST, or None when it is over MAX_FORM_BYTES."""
        if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
            return None
        body = bytearray()
        async for chunk in request.content.iter_chunked(4096):
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    def _cross_site(self, request: web.Request) -> bool:
        """Tell whether a POST comes from a page of another site (browsers send Origin with every POST)."""
        origin = request.headers.get("Origin")
        return origin is not None and not same_origin(origin, request.host, self.runtime.env.public_url)

    async def _principal(self, token: str) -> Principal | None:
        """Who a token is, exactly as the operator API decides; None unless it is an operator's."""
        principal = await principal_of(self.runtime, token)
        return principal if principal is not None and principal.role == "operator" else None
