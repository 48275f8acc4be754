"""The Facebook page channel: Messenger messages and page comments at `/webhooks/facebook`, replies via the Send API."""

from __future__ import annotations

from channels.descriptor import Channel
from channels.facebook.parse import parse
from channels.facebook.send import deliverers
from channels.facebook.settings import FacebookSettings
from channels.messenger_fetch import fetchers_for
from channels.meta import meta_routes

# Off without the app secret.
add_routes = meta_routes("facebook", parse, lambda s: (s.facebook_app_secret, s.facebook_verify_token))

CHANNEL = Channel(name="facebook", names={"id": "Facebook", "en": "Facebook"}, messaging=True,
                  add_routes=add_routes, settings=FacebookSettings, deliverers=deliverers,
                  fetchers=fetchers_for("facebook", "facebook-comment"), api_roots=lambda s: (s.graph_api_url,))
