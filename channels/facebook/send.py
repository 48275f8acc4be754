"""Replies to Facebook: Messenger messages through the Send API, and private replies to page comments.

https://developers.facebook.com/docs/messenger-platform/reference/send-api/ and
https://developers.facebook.com/docs/messenger-platform/discovery/private-replies
"""

from __future__ import annotations

import aiohttp

from channels.meta import post_graph
from config.env import Env
from delivery.outcome import Deliverer, Delivery, Outcome, Permanent

# The Send API refuses text over 2,000 characters.
MAX_TEXT = 2000


def _text(delivery: Delivery) -> str | None:
    text = str(delivery.payload.get("text") or "").strip()
    if not text:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def messenger_deliverer(graph_api_url: str, page_token: str) -> Deliverer:
    """Return the deliverer that answers a PSID over Messenger (`messaging_type` RESPONSE)."""

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        text = _text(delivery)
        if not delivery.target or text is None:
            return Permanent("no recipient PSID" if not delivery.target else "no text to send")
        body = {"recipient": {"id": delivery.target}, "messaging_type": "RESPONSE", "message": {"text": text}}
        return await _send(session, graph_api_url, page_token, body)

    return deliver


def comment_deliverer(graph_api_url: str, page_token: str) -> Deliverer:
    """Return the deliverer that answers a comment on the page with a private reply (one per comment)."""

    async def deliver(delivery: Delivery, session: aiohttp.ClientSession) -> Outcome:
        text = _text(delivery)
        if not delivery.target or text is None:
            return Permanent("no comment id" if not delivery.target else "no text to send")
        body = {"recipient": {"comment_id": delivery.target}, "message": {"text": text}}
        return await _send(session, graph_api_url, page_token, body)

    return deliver


async def _send(session: aiohttp.ClientSession, graph_api_url: str, page_token: str, body: dict) -> Outcome:
    # The page token goes in the query, as the Send API documents it.
    return await post_graph(session, f"{graph_api_url}/me/messages", body, params={"access_token": page_token},
                            secrets=(page_token,))


def deliverers(env: Env) -> dict[str, Deliverer]:
    """Return the Facebook deliverers when the page token is set, else none."""
    if not env.facebook_page_token:
        return {}
    return {
        "facebook": messenger_deliverer(env.graph_api_url, env.facebook_page_token),
        "facebook-comment": comment_deliverer(env.graph_api_url, env.facebook_page_token),
    }
