"""Bearer tokens: random, shown once, stored as SHA-256, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from api.errors import ApiError
from api.runtime import Runtime
from store import queries

TOKEN_PREFIX = "adu_"


def new_token() -> str:
    """Return a fresh token (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for."""

    role: str  # operator | agency
    agency: str | None = None


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def authenticate(request: web.Request, runtime: Runtime) -> Principal:
    """Return the caller's principal; 401 without a valid token."""
    token = bearer(request)
    if token is None:
        raise ApiError(401, "unauthorized", "an Authorization: Bearer token is required",
                       {"WWW-Authenticate": 'Bearer realm="aduan"'})
    configured = runtime.env.operator_token
    if configured and hmac.compare_digest(token.encode(), configured.encode()):
        return Principal("operator")
    row: Mapping | None = await runtime.read(queries.find_token, token_hash(token))
    if row is None:
        raise ApiError(401, "unauthorized", "the token is not valid", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return Principal(row["role"], row["agency"])


async def require_operator(request: web.Request, runtime: Runtime) -> Principal:
    """401 without a valid token, 403 for a token that is not an operator's."""
    principal = await authenticate(request, runtime)
    if principal.role != "operator":
        raise ApiError(403, "forbidden", "this endpoint needs an operator token")
    return principal
