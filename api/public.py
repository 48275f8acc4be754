"""Public API: health, complaint submission with Idempotency-Key, tracking."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Literal, get_args

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from api import idempotency
from api.auth import bearer, principal_of
from api.errors import ApiError
from api.http import json_response, read_json
from edges.ratelimit import LIGHT_COST
from edges.runtime import Runtime
from complaints.codes import canonical, unique_id
from complaints.model import Reporter, breaks_line, filled_in
from complaints.views import public_view
from config.models import EMAIL_RE, Language
from router import UnknownRegion
from store import queries

MAX_TEXT = 10_000
LANGUAGES = get_args(Language)


def now() -> datetime:
    """The current time (the tests move it to see a key expire)."""
    return datetime.now(timezone.utc)


def _single_line(value: object) -> object:
    # Checked before stripping: "roads\r\n" is a mistake to report, not a value to trim.
    if isinstance(value, str) and breaks_line(value):
        raise ValueError("holds a control character or line break; it must be a single line")
    return value


class _Strict(BaseModel):
    # strict: "anonymous": "yes" or "lat": "1" are mistakes to report, not values to guess at.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class ReporterIn(_Strict):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()-]{5,40}$")
    email: str | None = Field(default=None, max_length=254)

    @field_validator("name", "phone", "email", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return _single_line(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not EMAIL_RE.match(value):
            raise ValueError("not an e-mail address")
        return value or None


NO_REPORTER = ReporterIn()


class LocationIn(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ComplaintIn(_Strict):
    """The body of POST /api/v1/complaints."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    kind: Literal["complaint", "aspiration", "inquiry"] = "complaint"
    region: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    reporter: ReporterIn | None = None
    anonymous: bool = False
    confidential: bool = False
    location: LocationIn | None = None
    language: Literal["id", "en"] | None = None

    @field_validator("region", "category", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return _single_line(value)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "body"
        if err["type"] == "missing":
            parts.append(f"{where} is required")
        elif err["type"] == "extra_forbidden":
            parts.append(f"unknown field {where}")
        else:
            parts.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The public API's routes."""

    async def healthz(_request: web.Request) -> web.Response:
        try:
            await runtime.read(queries.ping)
        except Exception:
            return json_response({"status": "unavailable"}, status=503)
        return json_response({"status": "ok"})

    async def caller(request: web.Request, address: str) -> str:
        # An Idempotency-Key is the caller's own: its token's, else its address's.
        token = bearer(request)
        if token is None:
            return f"addr:{address}"
        principal = await principal_of(runtime, token)
        if principal is None:
            raise ApiError(401, "unauthorized", "the token is not valid; send none to submit without one",
                           {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return principal.caller

    async def message_id(key: str, who: str, at: datetime) -> str:
        # The id names the 7-day period the key was first used in: one used in the period before is the same key
        # while under 7 days old, and free once older (the unique constraint keeps its old row).
        scoped = idempotency.scope(runtime.secret_key, who)
        current = idempotency.period(at)
        earlier = idempotency.stored_id(scoped, key, current - 1)
        first = await runtime.read(idempotency.received_at, earlier)
        if first is not None and at - first < idempotency.KEPT:
            return earlier
        return idempotency.stored_id(scoped, key, current)

    def admit(request: web.Request, what: str) -> str:
        # Count the request light against its address before anything is read (429 once over the limit) and
        # return the address: the handler tops the count up to 1 for what costs more.
        limiter = runtime.limiter
        address = limiter.address(request.remote, request.headers.getall("X-Forwarded-For", ()))
        if not limiter.allow(address, LIGHT_COST):
            raise ApiError(429, "rate_limited", f"too many {what} from this address; try again later",
                           {"Retry-After": str(limiter.retry_after(address, LIGHT_COST))})
        return address

    async def submit(request: web.Request) -> web.Response:
        # A complaint stored (or replayed) tops the light count up to 1.
        address = admit(request, "submissions")
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= idempotency.MAX_KEY and key.isprintable()):
            raise ApiError(400, "bad_idempotency_key",
                           f"Idempotency-Key must be 1 to {idempotency.MAX_KEY} printable characters")
        who = await caller(request, address) if key is not None or bearer(request) is not None else None
        body, data = await read_json(request, runtime.config.settings.max_body_bytes)
        if isinstance(data.get("text"), str) and not data["text"].strip():
            raise ApiError(400, "invalid_input", "text is required and may not be empty")
        try:
            given = ComplaintIn.model_validate(data)
        except ValidationError as exc:
            raise ApiError(400, "invalid_input", _validation_message(exc)) from None
        r = given.reporter or NO_REPORTER
        received = now()
        provider_id = await message_id(key, who, received) if key is not None else f"auto:{unique_id()}"
        msg = filled_in("api", provider_id, received, body.decode("utf-8"), given,
                        Reporter(name=r.name, phone=r.phone, email=r.email),
                        lat=given.location.lat if given.location else None,
                        lon=given.location.lon if given.location else None,
                        language=given.language,
                        fingerprint=hashlib.sha256(body).hexdigest() if key is not None else None)
        try:
            result = await runtime.intake.accept(msg)
        except UnknownRegion as exc:
            raise ApiError(400, "unknown_region", str(exc)) from None
        if result.outcome == "conflict":
            raise ApiError(422, "idempotency_key_reused",
                           "this Idempotency-Key was used for a different request; use a new key for a new complaint")
        runtime.limiter.charge(address, 1 - LIGHT_COST)
        structlog.contextvars.bind_contextvars(code=result.code)
        headers = {"Location": result.response["track_url"]}
        if result.outcome == "duplicate":
            headers["Idempotent-Replayed"] = "true"
        return json_response(result.response, status=201, headers=headers)

    async def track(request: web.Request) -> web.Response:
        # A code that is no complaint's tops the light count up to 1, so guessing codes runs out fast. A code typed
        # without the service's prefix is found too.
        address = admit(request, "lookups")
        config = runtime.config
        code = canonical(request.match_info["code"][:40], config.settings.tracking_prefix)
        row = await runtime.read(queries.find_complaint, code) if code else None
        if row is None:
            runtime.limiter.charge(address, 1 - LIGHT_COST)
            raise ApiError(404, "not_found", "no complaint has this tracking code")
        events = await runtime.read(queries.public_events, row["id"])
        # Labels in the language asked for, else the citizen's own (the complaint's), as the tracking page.
        language = request.query.get("lang")
        if language not in LANGUAGES:
            language = row["language"] if row["language"] in LANGUAGES else config.settings.language
        return json_response(public_view(row, events, config, language))

    return [
        web.get("/healthz", healthz),
        web.post("/api/v1/complaints", submit),
        web.get("/api/v1/track/{code}", track),
    ]
