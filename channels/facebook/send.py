"""Replies to Facebook: Messenger messages through the Send API, and private replies to page comments.

https://developers.facebook.com/docs/messenger-platform/reference/send-api/ and
https://developers.facebook.com/docs/messenger-platform/discovery/private-replies
"""

from __future__ import annotations

import aiohttp

from channels.messenger import reply_text, send_api_deliverer
from channels.meta import post_graph
from channels.facebook.settings import FacebookSettings
from providers.outcome import Deliverer, Delivery, Outcome, Permanent


def comment_deliverer(graph_api_url: str, page_token: str) -> Deliverer:
    """Return the deliverer that answers a comment on the page with a private reply (one per comment)."""

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        text = reply_text(delivery)
        if not delivery.target or text is None:
            return Permanent("no comment id" if not delivery.target else "no text to send")
        body = {"recipient": {"comment_id": delivery.target}, "message": {"text": text}}
        return await post_graph(session, f"{graph_api_url}/me/messages", body, params={"access_token": page_token},
                                secrets=(page_token,))

    return deliver


def deliverers(settings: FacebookSettings) -> dict[str, Deliverer]:
    """Return the Facebook deliverers when the page token is set, else none."""
    if not settings.facebook_page_token:
        return {}
    return {
        # The page token goes in the query, as the Send API documents it.
        "facebook": send_api_deliverer(f"{settings.graph_api_url}/me/messages", (settings.facebook_page_token,),
                                       params={"access_token": settings.facebook_page_token}),
        "facebook-comment": comment_deliverer(settings.graph_api_url, settings.facebook_page_token),
    }
