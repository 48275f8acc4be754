"""Replies to Instagram Direct through the Instagram Send API, with the Instagram user access token.

https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
(`POST <root>/me/messages`, the token as a bearer header, `recipient.id` the citizen's IGSID).
"""

from __future__ import annotations

from channels.instagram.settings import InstagramSettings
from channels.messenger import send_api_deliverer
from providers.outcome import Deliverer


def deliverers(settings: InstagramSettings) -> dict[str, Deliverer]:
    """Return the Instagram deliverer when the token is set, else none."""
    if not settings.instagram_token:
        return {}
    return {"instagram": send_api_deliverer(f"{settings.instagram_api_url}/me/messages", (settings.instagram_token,),
                                            headers={"Authorization": f"Bearer {settings.instagram_token}"},
                                            platform="Instagram")}
