"""The dashboard's cookies and CSRF tokens, as pure functions; the session itself lives in the store (store/access.py).

The session cookie holds only a random id (256 bits from `secrets`); the store keeps the id's SHA-256, never the
id, so a copy of the database signs no one in and a logout or a revocation ends the session on every instance at
once. The CSRF token of a signed-in page is HMAC-SHA256 keyed by that id: only a page we rendered for this session
holds it, and it needs neither a column nor a key shared between instances.

The login form comes before any session: its CSRF token is bound to a short-lived signed pre-session cookie,
`<expires>.login.<nonce>.<signature>` with HMAC-SHA256 under the service's secret key (OWASP CSRF Prevention
Cheat Sheet, "Signed Double-Submit Cookie").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from api.auth import Principal
from store.access import SESSION_LIFETIME

SESSION_COOKIE = "aduan_dashboard"
LOGIN_COOKIE = "aduan_dashboard_login"  # a pre-session: binds the login form's CSRF token
# The cookie may live the session's 7 days; the store ends the session sooner (12 h idle, logout, revocation).
SESSION_SECONDS = int(SESSION_LIFETIME.total_seconds())
LOGIN_SECONDS = 3600
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
_NONCE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _mac(key: bytes, purpose: str, message: str) -> bytes:
    return hmac.new(key, f"aduan-dashboard\x00{purpose}\x00{message}".encode(), hashlib.sha256).digest()


def matches(expected: str, given: str | None) -> bool:
    """Compare a submitted CSRF token with the expected one in constant time."""
    if not given or len(given) > 100:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


# --- the session cookie ------------------------------------------------------------------------


def new_session_id() -> str:
    """A fresh session id for the cookie (256 random bits)."""
    return secrets.token_urlsafe(32)


def session_id_of(value: str | None) -> str | None:
    """The session id a cookie value holds when it has the shape of one we issue, else None (never looked up)."""
    return value if value and _SESSION_ID.match(value) else None


def id_hash(session_id: str) -> str:
    """The SHA-256 (hex) a session is stored and looked up by."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def session_csrf(session_id: str) -> str:
    """The CSRF token of every form rendered for this session."""
    return _b64(_mac(session_id.encode(), "csrf", ""))


def env_token_mac(session_id: str, operator_token: str) -> str:
    """What an `env` session is bound to: the operator token in force, keyed by the session id (hex)."""
    return _mac(session_id.encode(), "operator-token", operator_token).hex()


@dataclass(frozen=True)
class Session:
    """A live session as the pages use it: who it is, and the CSRF token of its forms."""

    id_hash: str
    principal: Principal
    csrf: str


# --- the login form's pre-session ------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """What a valid pre-session cookie says: its random nonce and when it ends."""

    nonce: str
    expires: int


def issue(key: bytes, now: float, seconds: int) -> str:
    """Return a fresh pre-session cookie value, valid `seconds` from `now`."""
    payload = f"{int(now) + seconds}.login.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_b64(_mac(key, 'cookie', f'{payload}.'))}"


def read(key: bytes, value: str | None, now: float) -> Signed | None:
    """Return what a pre-session cookie value says when its signature holds and it has not expired, else None."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 4:
        return None
    expires, who, nonce, signature = parts
    if not (expires.isdigit() and len(expires) <= 12 and who == "login" and _NONCE.match(nonce)
            and _SIGNATURE.match(signature)):
        return None
    if not hmac.compare_digest(_b64(_mac(key, "cookie", f"{expires}.{who}.{nonce}.")), signature):
        return None
    if int(expires) <= now:
        return None
    return Signed(nonce=nonce, expires=int(expires))


def csrf_token(key: bytes, signed: Signed) -> str:
    """Return the CSRF token the login form rendered for this pre-session carries."""
    return _b64(_mac(key, "csrf", f"login.{signed.nonce}"))


def check_csrf(key: bytes, signed: Signed | None, token: str | None) -> bool:
    """Tell whether a submitted CSRF token belongs to this pre-session."""
    return signed is not None and matches(csrf_token(key, signed), token)
