"""The Instagram channel: Direct messages at `/webhooks/instagram`, replies through the Instagram Send API."""

from __future__ import annotations

from channels.descriptor import Channel
from channels.instagram.parse import parse
from channels.instagram.send import deliverers
from channels.instagram.settings import InstagramSettings
from channels.messenger_fetch import fetchers_for
from channels.meta import meta_routes

# Off without the app secret.
add_routes = meta_routes("instagram", parse, lambda s: (s.instagram_app_secret, s.instagram_verify_token))

CHANNEL = Channel(name="instagram", names={"id": "Instagram", "en": "Instagram"}, messaging=True,
                  add_routes=add_routes, settings=InstagramSettings, deliverers=deliverers,
                  fetchers=fetchers_for("instagram"), api_roots=lambda s: (s.instagram_api_url,))
