"""The Facebook page channel's settings, read from ADUAN_FACEBOOK_* and ADUAN_GRAPH_API_URL (SPEC section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from channels.meta import GRAPH_API_URL
from config.env import secret, url


@dataclass(frozen=True)
class FacebookSettings:
    """The app secret (the channel is off without it), the handshake's verify token, the page token for replies."""

    facebook_app_secret: str | None = secret()
    facebook_verify_token: str | None = secret()
    facebook_page_token: str | None = secret()
    graph_api_url: str = url(GRAPH_API_URL)
