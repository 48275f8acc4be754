"""The WhatsApp Cloud API channel: notifications at `/webhooks/whatsapp` (up to 3 MB), replies via the Graph API."""

from __future__ import annotations

from aiohttp import web

from channels.meta import MAX_BODY, MetaWebhook
from channels.whatsapp.parse import parse
from channels.whatsapp.send import deliverers

__all__ = ["add_routes", "deliverers", "parse"]


def add_routes(app: web.Application, runtime) -> None:
    """Add `GET, POST /webhooks/whatsapp` when the app secret is set (the channel is off without it)."""
    env = runtime.env
    if not env.whatsapp_app_secret:
        return
    webhook = MetaWebhook("whatsapp", runtime, env.whatsapp_app_secret, env.whatsapp_verify_token, parse, MAX_BODY)
    app.router.add_get("/webhooks/whatsapp", webhook.subscribe, name="whatsapp.subscribe")
    app.router.add_post("/webhooks/whatsapp", webhook.receive, name="whatsapp.receive")
