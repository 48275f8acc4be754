"""The Facebook page channel: Messenger messages and page comments at `/webhooks/facebook`, replies via the Send API."""

from __future__ import annotations

from aiohttp import web

from channels.facebook.parse import parse
from channels.facebook.send import deliverers
from channels.meta import MetaWebhook

__all__ = ["add_routes", "deliverers", "parse"]


def add_routes(app: web.Application, runtime) -> None:
    """Add `GET, POST /webhooks/facebook` when the app secret is set (the channel is off without it)."""
    env = runtime.env
    if not env.facebook_app_secret:
        return
    webhook = MetaWebhook("facebook", runtime, env.facebook_app_secret, env.facebook_verify_token, parse)
    app.router.add_get("/webhooks/facebook", webhook.subscribe, name="facebook.subscribe")
    app.router.add_post("/webhooks/facebook", webhook.receive, name="facebook.receive")
