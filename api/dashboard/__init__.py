"""The operator dashboard at /dashboard (SPEC section 10): login, the period's stats with charts, queues, a complaint.

The one module of the package that touches aiohttp's Request: it checks the session, reads through
`runtime.read`, and renders the Jinja2 templates (autoescaped: complaint texts are untrusted). The
pages load nothing from elsewhere; charts are inline SVG laid out by charts.py.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

import structlog
from aiohttp import web

from api.auth import Principal, principal_of
from api.dashboard import reads, session, words
from api.dashboard.charts import KINDS, bar_chart
from api.ratelimit import RateLimiter
from api.runtime import Runtime
from channels.web.csrf import same_origin
from channels.web.pages import page_templates
from channels.web.timefmt import local_time
from complaints.codes import canonical
from complaints.messages import status_name
from reports.period import PeriodError, parse_period
from reports.stats import DEFAULT_MIN_COUNT, build_stats
from store import access
from store.db import StoreUnavailable

log = structlog.get_logger("dashboard")

HERE = Path(__file__).parent
BASE = "/dashboard"
# Inline SVG needs no script and no inline style; the stylesheet is ours.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send "Origin: null" with our own forms
    "Cache-Control": "no-store",
}
LOGINS_PER_MINUTE = 10
LOGIN_FORM_MIN_SECONDS = 15 * 60
MAX_FORM_BYTES = 8192
MAX_DATE_CHARS = 40

_templates = page_templates(HERE / "templates")


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


def _first_of_previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8",
                        headers={**HEADERS, **(headers or {})})


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**HEADERS, "Location": location})


class Dashboard:
    """The dashboard's handlers, bound to the service's runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.key = runtime.secret_key
        self.secure = runtime.env.public_url.lower().startswith("https://")
        self.logins = RateLimiter(LOGINS_PER_MINUTE, runtime.env.trust_forwarded_for)
        css = (HERE / "static" / "dashboard.css").read_bytes()
        self.static_files = {"dashboard.css": (css, "text/css")}
        self.css_url = f"{BASE}/static/dashboard.css?v={hashlib.sha256(css).hexdigest()[:12]}"

    # --- helpers ---------------------------------------------------------------------------

    @property
    def language(self) -> str:
        return words.language_of(self.runtime.config.settings.language)

    @property
    def root_zone(self) -> str:
        config = self.runtime.config
        return config.regions[config.root].timezone

    def render(self, template: str, status: int = 200, headers: dict[str, str] | None = None, **context) -> web.Response:
        lang = self.language
        config = self.runtime.config
        context.setdefault("csrf", None)  # a signed-in page gets the logout form
        page = _templates.get_template(template).render(
            lang=lang, t=words.labels(lang), css_url=self.css_url, base=BASE, province=config.regions[config.root].name,
            **context)
        return _html(page, status, headers)

    def notice(self, status: int, title: str, body: str, csrf: str | None = None) -> web.Response:
        return self.render("notice.html", status, title=title, body=body, csrf=csrf)

    async def current(self, request: web.Request) -> session.Session | None:
        """The signed-in operator's session from the store, or None (no cookie, unknown id, logged out, idle 12 h,
        past its 7 days, its token revoked or expired, or opened under another ADUAN_OPERATOR_TOKEN)."""
        session_id = session.session_id_of(request.cookies.get(session.SESSION_COOKIE))
        if session_id is None:
            return None
        now = datetime.now(timezone.utc)
        row = await self.runtime.read(access.live_session, session.id_hash(session_id), now)
        if row is None:
            return None
        if row["principal_kind"] == "env":
            configured = self.runtime.env.operator_token
            if not configured or not hmac.compare_digest(row["env_token_mac"] or "",
                                                         session.env_token_mac(session_id, configured)):
                return None
        if access.touch_due(row["last_seen_at"], now):
            try:
                await self.runtime.write(access.record_session_seen, row["id"], now)
            except StoreUnavailable:
                # The page can still be shown; a missed time is written at the next view.
                log.warning("dashboard.last_seen_not_recorded")
        return session.Session(id_hash=row["id_hash"], principal_kind=row["principal_kind"], token_id=row["token_id"],
                               csrf=session.session_csrf(session_id))

    def _to_login(self, request: web.Request) -> web.Response:
        target = request.path_qs
        location = f"{BASE}/login" if target == BASE else f"{BASE}/login?next={quote(target, safe='')}"
        return _see_other(location)

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
        response = self.render("login.html", status, headers, login_csrf=session.csrf_token(self.key, signed),
                               next_url=next_url, error=error)
        if value is not None:
            self._set_cookie(response, session.LOGIN_COOKIE, value, session.LOGIN_SECONDS, f"{BASE}/login")
        return response

    async def _form(self, request: web.Request) -> dict[str, str] | None:
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

    # --- login and logout ------------------------------------------------------------------

    async def login_form(self, request: web.Request) -> web.Response:
        """Show the login form (or go to the dashboard when already signed in)."""
        next_url = safe_next(request.query.get("next"))
        if await self.current(request) is not None:
            return _see_other(next_url)
        pre = self._login_cookie(request)
        if pre is not None and pre.expires - time.time() < LOGIN_FORM_MIN_SECONDS:
            pre = None  # a form shown now should not expire while the operator types
        return self._login_page(200, next_url, signed=pre)

    async def login(self, request: web.Request) -> web.Response:
        """Check the token as the operator API does; on success open a session in the store (12 h idle, 7 days)."""
        t = words.labels(self.language)
        address = self.logins.address(request.remote, request.headers.getall("X-Forwarded-For", ()))
        if not self.logins.allow(address):
            seconds = self.logins.retry_after(address)
            log.warning("dashboard.login_limited", address=address)
            return self._login_page(429, BASE, t["login_limited"].format(seconds=seconds),
                                    signed=self._login_cookie(request), headers={"Retry-After": str(seconds)})
        form = await self._form(request)
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
        response = _see_other(next_url)
        self._set_cookie(response, session.SESSION_COOKIE, session_id, session.SESSION_SECONDS, BASE)
        response.del_cookie(session.LOGIN_COOKIE, path=f"{BASE}/login", secure=self.secure, httponly=True,
                            samesite="Strict")
        return response

    async def logout(self, request: web.Request) -> web.Response:
        """End the session in the store at once (the form carries the session's CSRF token)."""
        signed = await self.current(request)
        form = await self._form(request)
        if signed is not None:
            if form is None or self._cross_site(request) or not session.matches(signed.csrf, form.get("csrf")):
                t = words.labels(self.language)
                return self.notice(403, t["forbidden_title"], t["form_expired"], csrf=signed.csrf)
            await self.runtime.write(access.end_session, signed.id_hash, datetime.now(timezone.utc), "logout")
            log.info("dashboard.logout", who="env" if signed.token_id is None else f"token:{signed.token_id}")
        response = _see_other(f"{BASE}/login")
        response.del_cookie(session.SESSION_COOKIE, path=BASE, secure=self.secure, httponly=True, samesite="Strict")
        return response

    # --- pages -----------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.Response:
        """The period's counts and charts, the triage and overdue queues, and the outbox's health."""
        signed = await self.current(request)
        if signed is None:
            return self._to_login(request)
        lang, config, zone = self.language, self.runtime.config, self.root_zone
        t = words.labels(lang)
        now = datetime.now(timezone.utc)
        since, until = request.query.get("since") or None, request.query.get("until") or None
        problem = False
        try:
            if len(since or "") > MAX_DATE_CHARS or len(until or "") > MAX_DATE_CHARS:
                raise PeriodError("too long")
            period = parse_period(since, until, zone, now)
        except PeriodError:
            problem = True
            period = parse_period(None, None, zone, now)
        data = await self.runtime.read(reads.load_overview, period, now)
        stats = {by: build_stats(data.cells[by], period, by, config, now, DEFAULT_MIN_COUNT) for by in reads.DIMENSIONS}
        today = now.astimezone(ZoneInfo(zone)).date()
        last_month_start = _first_of_previous_month(today)
        shortcuts = [
            (t["this_month"], BASE),
            (t["last_month"], f"{BASE}?since={last_month_start.isoformat()}"
                              f"&until={(today.replace(day=1) - timedelta(days=1)).isoformat()}"),
            (t["last_30_days"], f"{BASE}?since={(today - timedelta(days=29)).isoformat()}&until={today.isoformat()}"),
        ]
        return self.render(
            "overview.html",
            400 if problem else 200,
            csrf=signed.csrf,
            problem=problem,
            since_value=since if problem and since else period.since.isoformat(),
            until_value=until if problem and until else period.until.isoformat(),
            period_label=words.days(period.since, period.until, lang),
            zone=zone,
            generated=local_time(now, zone, lang),
            total=stats["agency"]["total"],
            charts=[(by, t[f"by_{by}"], bar_chart(by, stats[by]["groups"], t["others"])) for by in reads.DIMENSIONS],
            kinds=KINDS,
            ranking=stats["agency"]["ranking"][:5],
            min_count=DEFAULT_MIN_COUNT,
            data=data,
            shortcuts=shortcuts,
            f=self._formatters(lang, zone),
        )

    async def complaint(self, request: web.Request) -> web.Response:
        """One complaint: its fields, text, reporter (none when anonymous), timeline and deliveries; 404 if unknown."""
        signed = await self.current(request)
        if signed is None:
            return self._to_login(request)
        t = words.labels(self.language)
        given = request.match_info["code"][:40]
        code = canonical(given)
        found = await self.runtime.read(reads.load_complaint, code) if code else None
        csrf = signed.csrf
        if found is None:
            return self.notice(404, t["not_found_title"], t["not_found_body"].format(code=given), csrf=csrf)
        row, details = found
        region = self.runtime.config.regions.get(row["region"])
        zone = region.timezone if region is not None else self.root_zone
        reporter = None if row["anonymous"] else details["reporter"]
        return self.render("complaint.html", csrf=csrf, c=row, reporter=reporter, events=details["events"],
                           deliveries=details["deliveries"], followups=details["followups"],
                           attachments=details["attachments"], f=self._formatters(self.language, zone))

    async def static(self, request: web.Request) -> web.Response:
        """Serve the dashboard's own stylesheet."""
        found = self.static_files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type, charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"})

    def _formatters(self, lang: str, zone: str) -> dict[str, Callable]:
        """Functions the templates use to name codes and show times and numbers."""
        config = self.runtime.config
        t = words.labels(lang)

        def region(code: str | None) -> str:
            node = config.regions.get(code) if code else None
            return node.name if node is not None else (code or t["none"])

        def agency(code: str | None) -> str:
            known = config.agencies.get(code) if code else None
            return known.name if known is not None else (code or t["no_agency"])

        def iso_time(value: str) -> str:
            try:
                return local_time(datetime.fromisoformat(value), zone, lang)
            except ValueError:
                return value

        return {
            "region": region,
            "agency": agency,
            "status": lambda s: status_name(s, lang) if s else t["none"],
            "priority": lambda p: words.priority_name(p, lang),
            "kind": lambda k: words.kind_name(k, lang),
            "channel": lambda c: words.channel_name(c, lang),
            "event": lambda e: words.event_name(e, lang),
            "details": lambda data: words.event_details(data, lang, agency, iso_time),
            "time": lambda v: local_time(v, zone, lang) or t["none"],
            "share": lambda v: words.share(v, lang),
            "hours": lambda v: words.hours(v, lang),
            "decimal": lambda v: words.decimal(v, lang),
        }


def _guarded(handler: Callable[[web.Request], Awaitable[web.Response]], dashboard: Dashboard):
    """Answer a store outage with a page of our own (503), not the API's JSON."""

    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except StoreUnavailable:
            log.warning("dashboard.store_unavailable", path=request.path)
            t = words.labels(dashboard.language)
            response = dashboard.notice(503, t["unavailable_title"], t["unavailable_body"])
            response.headers["Retry-After"] = "5"
            return response

    return guarded


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The dashboard's routes."""
    d = Dashboard(runtime)
    return [
        web.get(BASE, _guarded(d.overview, d)),
        web.get(f"{BASE}/login", _guarded(d.login_form, d)),
        web.post(f"{BASE}/login", _guarded(d.login, d)),
        web.post(f"{BASE}/logout", _guarded(d.logout, d)),
        web.get(f"{BASE}/complaints/{{code}}", _guarded(d.complaint, d)),
        web.get(f"{BASE}/static/{{name}}", d.static),
    ]
