"""The WhatsApp Cloud API channel: notifications at `/webhooks/whatsapp` (up to 3 MB), replies via the Graph API."""

from __future__ import annotations

from channels.descriptor import Channel
from channels.meta import MAX_BODY, meta_routes
from channels.whatsapp.fetch import fetchers
from channels.whatsapp.parse import parse
from channels.whatsapp.send import deliverers
from channels.whatsapp.settings import WhatsAppSettings

# Off without the app secret.
add_routes = meta_routes("whatsapp", parse, lambda s: (s.whatsapp_app_secret, s.whatsapp_verify_token), MAX_BODY)

CHANNEL = Channel(name="whatsapp", names={"id": "WhatsApp", "en": "WhatsApp"}, messaging=True,
                  add_routes=add_routes, settings=WhatsAppSettings, deliverers=deliverers,
                  fetchers=fetchers, api_roots=lambda s: (s.graph_api_url,))
