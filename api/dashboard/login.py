"""Signing in and out (SPEC section 13): a person with e-mail and password (or an operator token, for the desk's
machines and scripts), a session opened in the store, the one-time link where a new account sets its password, the
password change, and the logout that ends a session at once.

Failed sign-ins are limited per address (in this process) and per e-mail typed (in the store, across instances),
and never say which of e-mail or password was wrong.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import datetime, timezone

import structlog
from aiohttp import web
from sqlalchemy.exc import IntegrityError

from api import passwords
from api.auth import Principal, principal_of, token_hash
from api.dashboard import forms, session
from api.dashboard.render import BASE, Answer, Handlers, Pages, see_other
from api.dashboard.signed_in import current, signed_in, to_login
from edges.ratelimit import RateLimiter
from store import access, users

log = structlog.get_logger("dashboard")

LOGINS_PER_MINUTE = 10
# Every attempt from an address costs a little and a failed one the rest of a whole: ten failures a minute, while an
# office behind one address can still sign fifty people in a minute.
ATTEMPT_COST = 0.2
LOGIN_FORM_MIN_SECONDS = 15 * 60
MAX_FORM_BYTES = 8192
MAX_EMAIL_CHARS = 254
WELCOME = f"{BASE}/welcome"
PASSWORD = f"{BASE}/password"


def email_hash(email: str) -> str:
    """What failed sign-ins are counted by: the SHA-256 of the address as accounts are keyed."""
    return hashlib.sha256(users.normal_email(email[:MAX_EMAIL_CHARS]).encode()).hexdigest()


async def off_loop(function, *args):
    """Run a password hash or check (tens of milliseconds of CPU) on a thread, not on the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


class Login(Handlers):
    """The sign-in, sign-out, welcome and password handlers, rendering through `pages`."""

    def __init__(self, pages: Pages) -> None:
        super().__init__(pages)
        runtime = self.runtime
        self.key = runtime.secret_key
        self.secure = runtime.env.public_url.lower().startswith("https://")
        self.logins = RateLimiter(LOGINS_PER_MINUTE, runtime.env.trust_forwarded_for)

    # --- signing in ---------------------------------------------------------------------------

    async def login_form(self, request: web.Request) -> web.Response:
        """Show the sign-in form (or go on when already signed in)."""
        signed = await current(self.runtime, request)
        if signed is not None:
            return see_other(forms.safe_next(request.query.get("next"), forms.landing(signed.principal.operates)))
        next_url = forms.safe_next(request.query.get("next"), "")
        return self._login_page(200, next_url, signed=self._fresh_pre(request))

    async def login(self, request: web.Request) -> web.Response:
        """Check e-mail and password (or an operator token); on success open a session in the store."""
        t = self.t
        address = self._address(request)
        if not self.logins.allow(address, ATTEMPT_COST):
            seconds = self.logins.retry_after(address, ATTEMPT_COST)
            log.warning("dashboard.login_limited", address=address, per="address")
            return self._login_page(429, "", t["login_limited"].format(seconds=seconds),
                                    signed=self._pre(request), headers={"Retry-After": str(seconds)})
        form = await forms.read_form(request, MAX_FORM_BYTES)
        if form is None:
            return self._login_page(413, "", t["body_too_large"], fresh=True)
        next_url = forms.safe_next(form.get("next"), "")
        pre = self._pre(request)
        if forms.cross_site(request, self.runtime.env.public_url) or not session.check_csrf(self.key, pre, form.get("csrf")):
            log.info("dashboard.login_refused", reason="csrf", address=address)
            return self._login_page(403, next_url, t["form_expired"], fresh=True)
        if form.get("token", "").strip() and not form.get("email", "").strip():
            return await self._token_login(request, form, next_url, pre, address)
        email = form.get("email", "").strip()[:MAX_EMAIL_CHARS]
        digest = email_hash(email)
        now = datetime.now(timezone.utc)
        until = await self.runtime.read(users.sign_in_blocked, digest, now)
        if until is not None:
            seconds = max(1, int((until - now).total_seconds()))
            log.warning("dashboard.login_limited", address=address, per="account")
            return self._login_page(429, next_url, t["login_limited"].format(seconds=seconds), signed=pre,
                                    email=email, headers={"Retry-After": str(seconds)})
        account = await self.runtime.read(users.find_user, email) if email else None
        stored = account["password_hash"] if account is not None and account["active"] else None
        if not await off_loop(passwords.verify, stored, form.get("password", "")):
            self.logins.charge(address, 1 - ATTEMPT_COST)
            await self._count_failure(digest, now)
            log.info("dashboard.login_failed", address=address)
            return self._login_page(401, next_url, t["login_wrong"], signed=pre, email=email)
        principal = Principal(account["role"], agency=account["agency"], user_id=account["id"], name=account["name"])
        response = await self._open(request, principal, address, kind="user", next_url=next_url)
        await self.runtime.write(users.clear_failures, digest)
        return response

    async def _token_login(self, request: web.Request, form: dict, next_url: str, pre, address: str) -> web.Response:
        """An operator token signs in as the operator API would accept it (ADUAN_OPERATOR_TOKEN or an operator's)."""
        token = form.get("token", "").strip()
        principal = await principal_of(self.runtime, token)
        if principal is None or principal.role != "operator":
            self.logins.charge(address, 1 - ATTEMPT_COST)
            log.info("dashboard.login_failed", address=address, with_token=True)
            return self._login_page(401, next_url, self.t["login_invalid"], signed=pre)
        kind = "env" if principal.token_id is None else "token"
        return await self._open(request, principal, address, kind=kind, next_url=next_url, token=token)

    async def _open(self, request: web.Request, principal: Principal, address: str, *, kind: str, next_url: str,
                    token: str | None = None, done: str | None = None, link_hash: str | None = None,
                    password_hash: str | None = None) -> web.Response:
        """Open a new session (always a new id: a cookie planted before sign-in is never promoted) and go on."""
        session_id = session.new_session_id()
        earlier = session.session_id_of(request.cookies.get(session.SESSION_COOKIE))
        now = datetime.now(timezone.utc)

        def write(conn) -> bool:
            if password_hash is not None and not users.use_link(conn, principal.user_id, link_hash, password_hash, now):
                return False  # the link was used (or replaced) a moment ago, by another request
            access.open_session(
                conn, id_hash=session.id_hash(session_id), principal_kind=kind, token_id=principal.token_id,
                user_id=principal.user_id,
                env_token_mac=session.env_token_mac(session_id, token) if kind == "env" else None,
                now=now, address=address, user_agent=request.headers.get("User-Agent"),
                replaces=session.id_hash(earlier) if earlier else None)
            return True

        if not await self.runtime.write(write):
            return self.pages.notice(404, self.t["link_dead_title"], self.t["link_dead_body"])
        log.info("dashboard.login", who=principal.caller, address=address)
        target = next_url or forms.landing(principal.operates)
        if done:
            target += ("&" if "?" in target else "?") + f"done={done}"
        response = see_other(target)
        self._set_session_cookie(response, session_id)
        response.del_cookie(session.LOGIN_COOKIE, path=BASE, secure=self.secure, httponly=True, samesite="Strict")
        return response

    async def _count_failure(self, digest: str, now: datetime) -> None:
        try:
            await self.runtime.write(users.record_failure, digest, now)
        except IntegrityError:
            # Another instance counted the first failure of this address at the same moment: count this one again.
            await self.runtime.write(users.record_failure, digest, now)

    # --- signing out --------------------------------------------------------------------------------

    async def logout(self, request: web.Request) -> web.Response:
        """End the session in the store at once (the form carries the session's CSRF token)."""
        signed = await current(self.runtime, request)
        form = await forms.read_form(request, MAX_FORM_BYTES)
        if signed is not None:
            if forms.forged(request, self.runtime.env.public_url, signed, form):
                return self.pages.notice(403, self.t["forbidden_title"], self.t["form_expired"], csrf=signed.csrf)
            await self.runtime.write(access.end_session, signed.id_hash, datetime.now(timezone.utc), "logout")
            log.info("dashboard.logout", who=signed.principal.caller)
        response = see_other(f"{BASE}/login")
        response.del_cookie(session.SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="Lax")
        return response

    # --- the one-time link: a new account sets its password ------------------------------------------

    async def welcome_form(self, request: web.Request) -> web.Response:
        """The page a one-time link opens: who the account is, and the new password's fields."""
        link = request.query.get("link", "")
        account = await self._account_of_link(link)
        if account is None:
            return self.pages.notice(404, self.t["link_dead_title"], self.t["link_dead_body"])
        return self._welcome_page(200, link, account, signed=self._fresh_pre(request))

    async def welcome(self, request: web.Request) -> web.Response:
        """Set the first (or a forgotten) password from a one-time link, and sign in."""
        form = await forms.read_form(request, MAX_FORM_BYTES)
        if form is None:
            return self.pages.notice(413, self.t["forbidden_title"], self.t["body_too_large"])
        link = form.get("link", "")
        account = await self._account_of_link(link)
        if account is None:
            return self.pages.notice(404, self.t["link_dead_title"], self.t["link_dead_body"])
        pre = self._pre(request)
        if forms.cross_site(request, self.runtime.env.public_url) or not session.check_csrf(self.key, pre, form.get("csrf")):
            return self._welcome_page(403, link, account, error=self.t["form_expired"], fresh=True)
        problem = passwords.problem(form.get("password", ""), form.get("password2", ""))
        if problem:
            return self._welcome_page(400, link, account, error=self.t[f"password_{problem}"], signed=pre)
        hashed = await off_loop(passwords.hash_password, form["password"])
        principal = Principal(account["role"], agency=account["agency"], user_id=account["id"], name=account["name"])
        log.info("dashboard.password_set", who=principal.caller, via="link")
        return await self._open(request, principal, self._address(request), kind="user", next_url="",
                                done="password_set", password_hash=hashed, link_hash=token_hash(link))

    async def _account_of_link(self, link: str):
        if not link or len(link) > 100:
            return None
        return await self.runtime.read(users.user_by_link, token_hash(link), datetime.now(timezone.utc))

    # --- a signed-in person changes their password -------------------------------------------------------

    async def password_form(self, request: web.Request) -> web.Response:
        """The password change form of a signed-in person."""
        signed = await signed_in(self.pages, request)
        if signed.principal.user_id is None:
            return self.pages.notice(404, self.t["page_not_found_title"], self.t["page_not_found_body"], csrf=signed.csrf)
        done = self.t["done_password_changed"] if forms.done(request) == "password_changed" else None
        return self._password_page(200, signed, done=done)

    async def change_password(self, request: web.Request) -> web.Response:
        """Check the current password, store the new one and end every other session of the person."""
        signed = await signed_in(self.pages, request)
        principal = signed.principal
        if principal.user_id is None:
            return self.pages.notice(404, self.t["page_not_found_title"], self.t["page_not_found_body"], csrf=signed.csrf)
        form = await forms.read_form(request, MAX_FORM_BYTES)
        if forms.forged(request, self.runtime.env.public_url, signed, form):
            return self.pages.notice(403, self.t["forbidden_title"], self.t["form_expired"], csrf=signed.csrf)
        account = await self.runtime.read(users.find_user_by_id, principal.user_id)
        if account is None:
            raise Answer(to_login(request))
        # Guessing the current password counts with the failed sign-ins of the address: a session left open on a
        # shared computer is not a way to try passwords without limit.
        digest = email_hash(account["email"])
        now = datetime.now(timezone.utc)
        until = await self.runtime.read(users.sign_in_blocked, digest, now)
        if until is not None:
            seconds = max(1, int((until - now).total_seconds()))
            return self._password_page(429, signed, errors={"current": self.t["login_limited"].format(seconds=seconds)},
                                       headers={"Retry-After": str(seconds)})
        if not await off_loop(passwords.verify, account["password_hash"], form.get("current", "")):
            await self._count_failure(digest, now)
            return self._password_page(400, signed, errors={"current": self.t["password_current_wrong"]})
        problem = passwords.problem(form.get("password", ""), form.get("password2", ""))
        if problem:
            return self._password_page(400, signed, errors={"password": self.t[f"password_{problem}"]})
        hashed = await off_loop(passwords.hash_password, form["password"])
        ended = await self.runtime.write(users.set_password, principal.user_id, hashed, datetime.now(timezone.utc),
                                         signed.id_hash)
        await self.runtime.write(users.clear_failures, digest)
        log.info("dashboard.password_set", who=principal.caller, via="change", sessions_ended=ended)
        return forms.back(PASSWORD, "password_changed")

    # --- pieces -------------------------------------------------------------------------------------

    def _address(self, request: web.Request) -> str:
        return self.logins.address(request.remote, request.headers.getall("X-Forwarded-For", ()))

    def _pre(self, request: web.Request) -> session.Signed | None:
        return session.read(self.key, request.cookies.get(session.LOGIN_COOKIE), time.time())

    def _fresh_pre(self, request: web.Request) -> session.Signed | None:
        """The pre-session of a form shown now, unless it would expire while the person types."""
        pre = self._pre(request)
        return None if pre is None or pre.expires - time.time() < LOGIN_FORM_MIN_SECONDS else pre

    def _set_session_cookie(self, response: web.StreamResponse, session_id: str) -> None:
        # Lax, not Strict: the link in an agency's e-mail is a top-level navigation from another site, and must
        # arrive signed in. POSTs from other sites get no cookie, and every form checks its CSRF token besides.
        response.set_cookie(session.SESSION_COOKIE, session_id, max_age=session.SESSION_SECONDS, path="/",
                            httponly=True, samesite="Lax", secure=self.secure)

    def _with_pre(self, template: str, status: int, fresh: bool, signed: session.Signed | None,
                  headers: dict[str, str] | None = None, **context) -> web.Response:
        """A form before any session; with `fresh` (or no valid pre-session), a new pre-session cookie binds its
        CSRF token."""
        value = None
        if fresh or signed is None:
            value = session.issue(self.key, time.time(), session.LOGIN_SECONDS)
            signed = session.read(self.key, value, time.time())
        response = self.pages.render(template, status, headers, login_csrf=session.csrf_token(self.key, signed),
                                     **context)
        if value is not None:
            response.set_cookie(session.LOGIN_COOKIE, value, max_age=session.LOGIN_SECONDS, path=BASE, httponly=True,
                                samesite="Strict", secure=self.secure)
        return response

    def _login_page(self, status: int, next_url: str, error: str | None = None, fresh: bool = False,
                    signed: session.Signed | None = None, headers: dict[str, str] | None = None,
                    email: str = "") -> web.Response:
        return self._with_pre("login.html", status, fresh, signed, headers, next_url=next_url, error=error,
                              email=email)

    def _welcome_page(self, status: int, link: str, account, error: str | None = None, fresh: bool = False,
                      signed: session.Signed | None = None) -> web.Response:
        return self._with_pre("welcome.html", status, fresh, signed, link=link, account=account, error=error,
                              min_chars=passwords.MIN_CHARS)

    def _password_page(self, status: int, signed: session.Session, errors: dict[str, str] | None = None,
                       done: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
        # Both fields named: the templates are strict, and a field without an error shows none.
        errors = {"current": None, "password": None, **(errors or {})}
        return self.pages.render("password.html", status, headers, csrf=signed.csrf, errors=errors,
                                 principal=signed.principal, min_chars=passwords.MIN_CHARS, done=done)
