"""The SMS channel: Twilio, Vonage and a generic gateway in, replies out through the gateway the citizen used."""

from __future__ import annotations

from aiohttp import web

from channels.descriptor import Channel, Ports
from channels.sms import fetch, generic, twilio, vonage
from channels.sms.http import HANDLERS, SmsHandlers
from channels.sms.settings import SmsSettings
from providers.outcome import Deliverer


def add_routes(app: web.Application, ports: Ports, env: SmsSettings) -> None:
    """Add the webhook of each gateway whose secret is set; a gateway without one stays off (404)."""
    if not (env.twilio_auth_token or env.vonage_signature_secret or env.sms_secret):
        return
    if env.vonage_signature_secret and env.vonage_signature_method.lower() not in vonage.METHODS:
        raise ValueError(f'ADUAN_VONAGE_SIGNATURE_METHOD is one of {", ".join(vonage.METHODS)}, '
                         f'not "{env.vonage_signature_method}"')
    handlers = SmsHandlers(ports, env)
    app[HANDLERS] = handlers
    if env.twilio_auth_token:
        app.router.add_post("/webhooks/sms/twilio", handlers.twilio, name="sms.twilio")
    if env.vonage_signature_secret:
        app.router.add_get("/webhooks/sms/vonage", handlers.vonage, name="sms.vonage")
        app.router.add_post("/webhooks/sms/vonage", handlers.vonage, name="sms.vonage_post")
        app.cleanup_ctx.append(handlers.sweeper)
    if env.sms_secret:
        app.router.add_post("/webhooks/sms/generic", handlers.generic, name="sms.generic")


def deliverers(env: SmsSettings) -> dict[str, Deliverer]:
    """Return the deliverers of the configured gateways, and "sms" (web-form reporters' phones) as the first of
    generic, Twilio, Vonage."""
    found = {
        generic.VIA: generic.deliverer(env),
        twilio.VIA: twilio.deliverer(env),
        vonage.VIA: vonage.deliverer(env),
    }
    out = {name: fn for name, fn in found.items() if fn is not None}
    if out:
        out["sms"] = next(iter(out.values()))
    return out


CHANNEL = Channel(name="sms", names={"id": "SMS", "en": "SMS"}, messaging=True, add_routes=add_routes,
                  settings=SmsSettings, deliverers=deliverers, fetchers=fetch.fetchers,
                  api_roots=lambda s: (s.twilio_api_url,))
