"""Cross-site request forgery defences of the form: a signed double-submit token and an Origin check.

The cookie holds a random value; the form holds HMAC-SHA256(secret key, value + submission id).
A forged form on another site can neither read the cookie nor compute the signature, and the
signature also binds the submission id, which makes a resubmitted form return the same
complaint (OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit Cookie").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from urllib.parse import urlsplit

COOKIE = "aduan_csrf"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_SUBMISSION_ID = re.compile(r"^[0-9a-f]{32}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def new_nonce() -> str:
    """Return a fresh random value for the cookie (256 bits)."""
    return secrets.token_urlsafe(32)


def is_nonce(value: str | None) -> bool:
    """Tell whether a cookie value has the shape of one of ours."""
    return value is not None and _NONCE.match(value) is not None


def new_submission_id() -> str:
    """Return a fresh id for one rendering of the form."""
    return uuid.uuid4().hex


def is_submission_id(value: str | None) -> bool:
    """Tell whether a submission id has the shape of one of ours (a uuid4 in hex)."""
    return value is not None and _SUBMISSION_ID.match(value) is not None


def sign(key: bytes, nonce: str, submission_id: str) -> str:
    """Return the token the form carries for this cookie value and submission id."""
    message = f"aduan-web-form\x00{nonce}\x00{submission_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(key: bytes, nonce: str | None, submission_id: str | None, token: str | None) -> bool:
    """Tell whether the form's token matches the cookie value and the submission id."""
    if not (is_nonce(nonce) and is_submission_id(submission_id) and token):
        return False
    return hmac.compare_digest(sign(key, nonce, submission_id).encode(), token.encode("utf-8", "replace"))


def _host_port(netloc: str, scheme: str | None) -> tuple[str, int | None]:
    """Split `host[:port]`, leaving out the scheme's default port."""
    parts = urlsplit("//" + netloc)
    try:
        port = parts.port
    except ValueError:
        return netloc.lower(), None
    host = (parts.hostname or "").lower()
    if port is not None and scheme is not None and _DEFAULT_PORTS.get(scheme) == port:
        port = None
    return host, port


def same_origin(origin: str, host: str, public_url: str) -> bool:
    """Tell whether an Origin header names this server: the request's own Host, or the public URL.

    An Origin of "null" (sandboxed frames, some redirects) never matches.
    """
    parts = urlsplit(origin.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or parts.path not in ("", "/"):
        return False
    seen = _host_port(parts.netloc, parts.scheme)
    if not seen[0]:
        return False
    # A proxy that ends TLS may hand us Host without the port the browser used; the default
    # port of the Origin's scheme is then implied.
    own = _host_port(host, parts.scheme) if host else None
    public = urlsplit(public_url)
    allowed = {own, _host_port(public.netloc, public.scheme) if public.netloc else None}
    return seen in allowed
