"""Bearer tokens: random, shown once, stored as SHA-256, compared in constant time; revoked or expired ones refused."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import structlog
from aiohttp import web

from api.errors import ApiError
from complaints import who
from edges.runtime import Runtime
from store import access
from store.db import StoreUnavailable

log = structlog.get_logger("auth")

TOKEN_PREFIX = "adu_"
MAX_TOKEN_CHARS = 512


def new_token() -> str:
    """Return a fresh token (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) a token is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who a token, or a signed-in person, speaks for."""

    role: str  # operator | supervisor | agency (tokens are operator or agency)
    agency: str | None = None
    token_id: int | None = None  # None with user_id None: ADUAN_OPERATOR_TOKEN
    label: str | None = None
    user_id: int | None = None  # a person signed in with their account
    name: str | None = None

    @property
    def caller(self) -> str:
        """A stable name of the credential, never the secret: `env`, `token:<id>` or `user:<id>` (scoping, logs)."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return "env" if self.token_id is None else f"token:{self.token_id}"

    @property
    def operates(self) -> bool:
        """Tell whether this is an operator's (or a supervisor's): every complaint, the console."""
        return self.role in ("operator", "supervisor")

    @property
    def who(self) -> who.Who:
        """What the timeline records of a step this principal takes (SPEC section 13)."""
        if self.user_id is not None:
            return who.user(self.user_id, self.name or "", self.role, self.agency)
        if self.token_id is None:
            return who.token(who.OPERATOR_TOKEN_LABEL, None)
        return who.token(self.label, self.agency if self.role == "agency" else None)


def bearer(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def principal_of(runtime: Runtime, token: str, now: datetime | None = None) -> Principal | None:
    """Who `token` speaks for at `now`: ADUAN_OPERATOR_TOKEN, or a stored token neither revoked nor expired (its use
    recorded, at most once a minute); None for anything else."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    configured = runtime.env.operator_token
    if configured and hmac.compare_digest(token.encode(), configured.encode()):
        return Principal("operator")
    now = now or datetime.now(timezone.utc)
    row = await runtime.read(access.live_token, token_hash(token), now)
    if row is None:
        return None
    if access.touch_due(row["last_used_at"], now):
        try:
            await runtime.write(access.record_token_use, row["id"], now)
        except StoreUnavailable:
            # The call itself is allowed: a missed last-use time is corrected by the next call.
            log.warning("auth.last_use_not_recorded", token_id=row["id"])
    return Principal(row["role"], row["agency"], row["id"], row["label"])


async def authenticate(request: web.Request, runtime: Runtime, now: datetime | None = None) -> Principal:
    """Return the caller's principal; 401 without a valid token (unknown, revoked and expired alike)."""
    token = bearer(request)
    if token is None:
        raise ApiError(401, "unauthorized", "an Authorization: Bearer token is required",
                       {"WWW-Authenticate": 'Bearer realm="aduan"'})
    principal = await principal_of(runtime, token, now)
    if principal is None:
        raise ApiError(401, "unauthorized", "the token is not valid", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return principal


async def require_operator(request: web.Request, runtime: Runtime) -> Principal:
    """401 without a valid token, 403 for a token that is not an operator's."""
    principal = await authenticate(request, runtime)
    if principal.role != "operator":
        raise ApiError(403, "forbidden", "this endpoint needs an operator token")
    return principal
