"""Public API: health, complaint submission with Idempotency-Key, tracking."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Literal

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from api.errors import ApiError
from api.http import json_response, parse_json_object, read_capped
from api.runtime import Runtime
from complaints.codes import canonical, unique_id
from complaints.model import InboundMessage, Reporter
from complaints.views import public_view
from config.models import EMAIL_RE
from router import UnknownRegion
from store import queries

MAX_TEXT = 10_000


class _Strict(BaseModel):
    # strict: "anonymous": "yes" or "lat": "1" are mistakes to report, not values to guess at.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class ReporterIn(_Strict):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()-]{5,40}$")
    email: str | None = Field(default=None, max_length=254)

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

    async def submit(request: web.Request) -> web.Response:
        address = runtime.limiter.address(request.remote, request.headers.get("X-Forwarded-For"))
        if not runtime.limiter.allow(address):
            raise ApiError(429, "rate_limited", "too many submissions from this address; try again later",
                           {"Retry-After": str(runtime.limiter.retry_after(address))})
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 200 and key.isprintable()):
            raise ApiError(400, "bad_idempotency_key", "Idempotency-Key must be 1 to 200 printable characters")
        body = await read_capped(request, runtime.config.settings.max_body_bytes)
        data = parse_json_object(body)
        if isinstance(data.get("text"), str) and not data["text"].strip():
            raise ApiError(400, "invalid_input", "text is required and may not be empty")
        try:
            given = ComplaintIn.model_validate(data)
        except ValidationError as exc:
            raise ApiError(400, "invalid_input", _validation_message(exc)) from None
        r = given.reporter or NO_REPORTER
        msg = InboundMessage(
            channel="api",
            provider_message_id=f"key:{key}" if key is not None else f"auto:{unique_id()}",
            text=given.text,
            received_at=datetime.now(timezone.utc),
            raw=body.decode("utf-8"),
            kind=given.kind,
            region=given.region,
            category=given.category,
            reporter=Reporter(name=r.name, phone=r.phone, email=r.email),
            anonymous=given.anonymous,
            confidential=given.confidential,
            lat=given.location.lat if given.location else None,
            lon=given.location.lon if given.location else None,
            language=given.language,
            fingerprint=hashlib.sha256(body).hexdigest() if key is not None else None,
        )
        try:
            result = await runtime.intake.accept(msg)
        except UnknownRegion as exc:
            raise ApiError(400, "unknown_region", str(exc)) from None
        if result.outcome == "conflict":
            raise ApiError(422, "idempotency_key_reused",
                           "this Idempotency-Key was used for a different request; use a new key for a new complaint")
        structlog.contextvars.bind_contextvars(code=result.code)
        headers = {"Location": result.response["track_url"]}
        if result.outcome == "duplicate":
            headers["Idempotent-Replayed"] = "true"
        return json_response(result.response, status=201, headers=headers)

    async def track(request: web.Request) -> web.Response:
        code = canonical(request.match_info["code"])
        row = await runtime.read(queries.find_complaint, code) if code else None
        if row is None:
            raise ApiError(404, "not_found", "no complaint has this tracking code")
        events = await runtime.read(queries.public_events, row["id"])
        language = request.query.get("lang", runtime.config.settings.language)
        return json_response(public_view(row, events, runtime.config, language))

    return [
        web.get("/healthz", healthz),
        web.post("/api/v1/complaints", submit),
        web.get("/api/v1/track/{code}", track),
    ]
