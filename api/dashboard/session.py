"""The dashboard's signed cookies and CSRF tokens; pure functions of the secret key and the time.

A cookie value is `<expires>.<who>.<nonce>.<signature>`: the expiry (Unix seconds) and who logged in
(`env` for ADUAN_OPERATOR_TOKEN, `t<id>` for a stored operator token) ride inside the value, and
HMAC-SHA256 with the service's secret key covers them, so a changed expiry or principal is refused.
The token itself is never in the cookie. An `env` session is also bound to a fingerprint of the
operator token in force, so changing ADUAN_OPERATOR_TOKEN ends every such session.

The CSRF token of a form is HMAC(secret key, "csrf" + the cookie's nonce): only a page we rendered for
this session holds it (OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit Cookie").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

SESSION_COOKIE = "aduan_dashboard"
LOGIN_COOKIE = "aduan_dashboard_login"  # a pre-session: binds the login form's CSRF token
SESSION_SECONDS = 12 * 3600
LOGIN_SECONDS = 3600
_WHO = re.compile(r"^(env|t[0-9]{1,18}|login)$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class Signed:
    """What a valid cookie says: who, a random nonce (the session's id) and when it ends."""

    who: str  # env | t<token id> | login
    nonce: str
    expires: int

    @property
    def token_id(self) -> int | None:
        """The stored token's id for a `t<id>` session, else None."""
        return int(self.who[1:]) if self.who.startswith("t") else None


def fingerprint(operator_token: str | None) -> str:
    """A digest of ADUAN_OPERATOR_TOKEN that `env` sessions are bound to ("" when there is none)."""
    return hashlib.sha256(operator_token.encode()).hexdigest() if operator_token else ""


def _mac(key: bytes, purpose: str, message: str) -> str:
    digest = hmac.new(key, f"aduan-dashboard\x00{purpose}\x00{message}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(key: bytes, who: str, now: float, seconds: int, binding: str = "") -> str:
    """Return a fresh cookie value for `who`, valid `seconds` from `now`."""
    if not _WHO.match(who):
        raise ValueError(f"not a principal of the dashboard: {who!r}")
    payload = f"{int(now) + seconds}.{who}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_mac(key, 'cookie', f'{payload}.{binding}')}"


def read(key: bytes, value: str | None, now: float, binding=lambda who: "") -> Signed | None:
    """Return what a cookie value says when its signature holds and it has not expired, else None.

    `binding(who)` gives what the signature was bound to when it was issued (None: no longer valid).
    """
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 4:
        return None
    expires, who, nonce, signature = parts
    if not (expires.isdigit() and len(expires) <= 12 and _WHO.match(who) and _NONCE.match(nonce)
            and _SIGNATURE.match(signature)):
        return None
    bound = binding(who)
    if bound is None:
        return None
    payload = f"{expires}.{who}.{nonce}"
    if not hmac.compare_digest(_mac(key, "cookie", f"{payload}.{bound}"), signature):
        return None
    if int(expires) <= now:
        return None
    return Signed(who=who, nonce=nonce, expires=int(expires))


def csrf_token(key: bytes, signed: Signed) -> str:
    """Return the CSRF token that forms rendered for this cookie carry."""
    return _mac(key, "csrf", f"{signed.who}.{signed.nonce}")


def check_csrf(key: bytes, signed: Signed | None, token: str | None) -> bool:
    """Tell whether a submitted CSRF token belongs to this cookie."""
    if signed is None or not token or len(token) > 100:
        return False
    return hmac.compare_digest(csrf_token(key, signed).encode(), token.encode("utf-8", "replace"))
