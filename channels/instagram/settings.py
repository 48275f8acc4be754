"""The Instagram channel's settings, read from ADUAN_INSTAGRAM_* (SPEC section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from config.env import secret, url


@dataclass(frozen=True)
class InstagramSettings:
    """The app secret (the channel is off without it), the handshake's verify token, the token replies are sent with."""

    instagram_app_secret: str | None = secret()
    instagram_verify_token: str | None = secret()
    instagram_token: str | None = secret()
    instagram_api_url: str = url("https://graph.instagram.com/v24.0")
