"""The aiohttp application factory used by `serve` and by the tests: middleware, routes, and what runs with the app."""

from __future__ import annotations

import errno
import socket
import time

import structlog
from aiohttp import web

from api import agency, dashboard, operator, public
from api.auth import bearer, principal_of
from api.errors import ApiError, error_response
from api.http import json_response
from api.metrics import allowed
from api.openapi import document
from channels import REGISTRY
from channels.descriptor import Ports
from edges.metrics import Metrics
from edges.runtime import Runtime
from complaints.codes import unique_id
from complaints.model import STATUSES
from store import queries
from delivery.worker import OutboxWorker
from store.db import StoreUnavailable

log = structlog.get_logger("http")

RUNTIME = web.AppKey("runtime", Runtime)
METRICS = web.AppKey("metrics", Metrics)
OUTBOX = web.AppKey("outbox", OutboxWorker)
# The public form takes up to 3 files of 5 MB; every other route caps its own body lower.
CLIENT_MAX_SIZE = 16 * 1024 * 1024 + 512 * 1024


def _request_id(request: web.Request) -> str:
    given = request.headers.get("X-Request-ID", "")
    if 0 < len(given) <= 64 and given.replace("-", "").replace("_", "").isalnum():
        return given
    return unique_id()


def make_middleware(metrics: Metrics):
    """Request id on every log line, errors as JSON, latency per route."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        request_id = _request_id(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        try:
            try:
                response = await handler(request)
            except ApiError as exc:
                response = error_response(exc.status, exc.code, exc.message, exc.headers)
            except StoreUnavailable:
                response = error_response(503, "store_unavailable", "the service cannot store this right now; try again",
                                          {"Retry-After": "5"})
            except web.HTTPRequestEntityTooLarge as exc:
                response = error_response(413, "body_too_large", f"the body is over the limit: {exc.text}")
            except web.HTTPException as exc:
                if exc.status < 400 or not request.path.startswith("/api/"):
                    status = exc.status
                    exc.headers["X-Request-ID"] = request_id
                    raise
                # Keep what aiohttp's exception carries besides its text body: 405's Allow (RFC 9110 section 15.5.6).
                kept = {name: value for name, value in exc.headers.items() if name.lower() != "content-type"}
                response = error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason, kept)
            except Exception:
                log.exception("http.unhandled", method=request.method, path=request.path)
                response = error_response(500, "internal", "an unexpected error; it has been logged")
            response.headers["X-Request-ID"] = request_id
            status = response.status
            return response
        finally:
            elapsed = time.perf_counter() - started
            resource = request.match_info.route.resource
            metrics.observe_latency(resource.canonical if resource else "unmatched", request.method, elapsed)
            # The path only: query strings may carry a provider's verify token.
            (log.warning if status >= 500 else log.info)(
                "http.request", method=request.method, path=request.path, status=status, ms=round(elapsed * 1000, 2)
            )
            structlog.contextvars.clear_contextvars()

    return middleware


# Seconds the requests in flight at SIGTERM have to finish before their connections are closed.
DRAIN_SECONDS = 10.0


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind and listen on the service's address (as aiohttp would: SO_REUSEADDR, IPv6 when the host says so);
    raises OSError when it cannot (the port taken, a privileged port, an unknown host)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def address_problem(host: str, port: int, exc: OSError) -> str:
    """The one line `serve` prints when it cannot listen: what happened and which variable to change."""
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use (another Aduan, or another program): set ADUAN_PORT to a "
                "free port, or stop what listens there")
    if exc.errno == errno.EACCES:
        return f"port {port} needs privileges this user lacks: set ADUAN_PORT to 1024 or above (a proxy may face 80/443)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: set ADUAN_HOST (127.0.0.1, 0.0.0.0 or one of its own)"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check ADUAN_HOST and ADUAN_PORT"


def create_app(runtime: Runtime, registry=REGISTRY) -> web.Application:
    """Build the application over a built runtime: API, pages and channels; intake, outbox and sweep run with it."""
    metrics = runtime.metrics
    app = web.Application(middlewares=[make_middleware(metrics)], client_max_size=CLIENT_MAX_SIZE)
    app[RUNTIME] = runtime
    app[METRICS] = metrics
    app[OUTBOX] = runtime.outbox

    async def intake_ctx(_app: web.Application):
        runtime.intake.writer.start()
        yield
        await runtime.intake.writer.stop()

    app.cleanup_ctx.append(intake_ctx)

    async def outbox_ctx(_app: web.Application):
        await runtime.outbox.start()
        yield
        await runtime.outbox.stop()

    if runtime.env.outbox_worker:
        app.cleanup_ctx.append(outbox_ctx)

    async def media_ctx(_app: web.Application):
        await runtime.media.start()
        yield
        await runtime.media.stop()

    # The same switch: an instance that does not send does not fetch either (SPEC 16's background work).
    if runtime.env.outbox_worker and runtime.media is not None:
        app.cleanup_ctx.append(media_ctx)

    async def sweep_ctx(_app: web.Application):
        runtime.scheduler.start()
        yield
        runtime.scheduler.shutdown()

    if runtime.scheduler is not None:
        app.cleanup_ctx.append(sweep_ctx)

    async def openapi(_request: web.Request) -> web.Response:
        return json_response(document(runtime.env.public_url, runtime.config, runtime.channel_names))

    async def store_counts():
        return await runtime.read(queries.status_counts), await runtime.read(queries.outbox_counts)

    async def metrics_handler(request: web.Request) -> web.Response:
        # Who is asking: the TCP peer, or behind ADUAN_TRUST_FORWARDED_FOR proxies the client they name (a client's own
        # X-Forwarded-For entries are never trusted), so a proxy on this machine does not make every scrape local.
        token = bearer(request)
        principal = await principal_of(runtime, token) if token is not None else None
        client = runtime.limiter.address(request.remote, request.headers.getall("X-Forwarded-For", []))
        if not allowed(request.remote, principal, client):
            if principal is not None:
                raise ApiError(403, "forbidden", "this token may not read metrics: use an operator's token or one "
                                                 "made with `token create --label metrics`")
            raise ApiError(401, "unauthorized", "metrics need an Authorization: Bearer token, or a request from "
                           "this machine", {"WWW-Authenticate": 'Bearer realm="aduan"' if token is None
                                            else 'Bearer error="invalid_token"'})
        try:
            await metrics.refresh(store_counts, STATUSES, queries.DELIVERY_STATES, ("pending", "sending", "failed"))
        except StoreUnavailable:
            pass  # the figures of the last count stay; the next scrape counts again
        return web.Response(body=metrics.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    app.add_routes(public.routes(runtime))
    app.add_routes(operator.routes(runtime))
    app.add_routes(agency.routes(runtime))
    app.add_routes(dashboard.routes(runtime))
    app.add_routes([web.get("/api/v1/openapi.json", openapi), web.get("/metrics", metrics_handler)])
    ports = Ports(intake=runtime.intake, in_force=runtime.in_force, public_url=runtime.env.public_url,
                  var_dir=runtime.env.var_dir, limiter=runtime.limiter, read=runtime.read, secret_key=runtime.secret_key,
                  write=runtime.write, wake_outbox=runtime.wake_outbox, record_statuses=runtime.record_statuses)
    for channel in registry:
        channel.add_routes(app, ports, runtime.env.settings(channel.name, channel.settings))
    return app
