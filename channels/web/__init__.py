"""The web channel: the citizen's complaint form at `/` and the public tracking pages at `/track`."""

from __future__ import annotations

from aiohttp import web

from channels.descriptor import Channel, NoSettings, Ports
from channels.web.handlers import WebHandlers
from channels.web.rating import Rating


def add_routes(app: web.Application, ports: Ports, _settings: NoSettings) -> None:
    """Add the form, tracking and static-file routes to the app."""
    handlers = WebHandlers(ports)
    app.router.add_get("/", handlers.form, name="web.form")
    app.router.add_post("/", handlers.submit, name="web.submit")
    app.router.add_get("/track", handlers.track_lookup, name="web.track_lookup")
    app.router.add_get("/track/{code}", handlers.track, name="web.track")
    app.router.add_get("/static/{name}", handlers.static, name="web.static")
    rating = Rating(ports)
    app.router.add_get("/rate/{code}", rating.show, name="web.rate")
    app.router.add_post("/rate/{code}", rating.submit, name="web.rate_submit")


CHANNEL = Channel(name="web", names={"id": "Formulir web", "en": "Web form"}, messaging=False, add_routes=add_routes)
