"""Every Meta channel's replies through the Graph API, against a fake on loopback: the request, failures classified."""

from __future__ import annotations

import socket

import aiohttp
import pytest

import channels.meta
from providers.outcome import Delivered, Delivery, Permanent, RetryLater
from tests.channels.meta.fake_graph import graph_error
from tests.channels.meta.meta_channels import each_channel
from tests.channels.meta.meta_helpers import REPLY_TEXT
from tests.conftest import channel_settings, with_env


def deliverers(channel, env) -> dict:
    """Return the deliverers the channel offers with the settings of this environment."""
    return channel.deliverers(channel_settings(env, channel.name))


def send_with(channel, env, graph_url: str) -> dict:
    """Return the channel's deliverers, sending to this Graph API root."""
    return deliverers(channel, with_env(env, **channel.settings, **{channel.api_url_setting: graph_url}))


def delivery(transport: str, target: str | None, text: str = REPLY_TEXT) -> Delivery:
    """Return an acknowledgement to deliver over one transport to one target."""
    return Delivery(delivery_id="d-1", transport=transport, target=target, event="citizen.ack",
                    payload={"text": text, "language": "id", "code": "NTB-7K3QX9P2"})


def targets(channel) -> dict[str, str]:
    """Return a target for each transport the channel delivers over, from its replies table."""
    return {transport: target for transport, target, _ in channel.replies.values()}


def test_no_deliverer_without_the_send_settings(channel, env):
    """Without every send setting (a token, for WhatsApp also the phone number id) the channel offers no deliverer."""
    assert deliverers(channel, env) == {}
    for name in channel.send_settings:
        assert deliverers(channel, with_env(env, **channel.without(name))) == {}
    assert set(deliverers(channel, with_env(env, **channel.settings))) == set(targets(channel))


@pytest.mark.parametrize(("channel", "transport", "target", "request_"), each_channel(lambda ch: ch.replies))
async def test_reply_is_the_documented_request(env, graph, session, channel, transport, target, request_):
    """A reply POSTs exactly the request Meta documents for the transport: path, token, recipient and text; the id of
    the message the API took is kept (WhatsApp's status callbacks name it)."""
    outcome = await send_with(channel, env, graph.url)[transport](delivery(transport, target), session)
    answered = graph.body.get("message_id") or graph.body["messages"][0]["id"]
    assert outcome == Delivered("HTTP 200", message_id=answered)
    assert graph.requests == [request_]


async def test_long_text_is_cut_to_the_api_limit(channel, env, graph, session):
    """Text over the API's limit (2,000 for the Send API, 4,096 for the Cloud API) is cut, not refused whole."""
    send = send_with(channel, env, graph.url)
    for transport, target in targets(channel).items():
        await send[transport](delivery(transport, target, "é" * (channel.max_text + 500)), session)
    for request in graph.requests:
        sent = channel.sent_text(request["json"])
        assert len(sent) == channel.max_text and sent.endswith("…")


# label: (HTTP status, body, headers, outcome type): Graph API errors every Meta channel may get
GRAPH_ERRORS = {
    "500 transient": (500, graph_error(2, "An unexpected error has occurred. Please retry your request later.",
                                       is_transient=True), {}, RetryLater),
    "503 retry-after": (503, {}, {"Retry-After": "30"}, RetryLater),
    "429": (429, {}, {}, RetryLater),
    "429 app rate limit": (429, graph_error(4, "(#4) Application request limit reached"), {}, RetryLater),
    "400 marked transient": (400, graph_error(1200, "Temporary send message failure. Please try again later",
                                                   is_transient=True), {}, RetryLater),
    "400 invalid parameter": (400, graph_error(100, "(#100) Invalid parameter"), {}, Permanent),
    "403 no permission": (403, graph_error(200, "(#200) Requires pages_messaging permission to manage the object"), {},
                          Permanent),
}
FAILURES = each_channel(lambda ch: {**GRAPH_ERRORS, **ch.failures})


@pytest.mark.parametrize(("channel", "status", "body", "headers", "expected"), FAILURES)
async def test_failures_are_classified_without_the_token(env, graph, session, channel, status, body, headers, expected):
    """5xx, 429 and Meta's transient or rate-limit codes retry; other 4xx are permanent; no token in the detail."""
    graph.answer(status, body, headers)
    for transport, target in targets(channel).items():
        outcome = await send_with(channel, env, graph.url)[transport](delivery(transport, target), session)
        assert type(outcome) is expected
        assert str(status) in outcome.detail and channel.token not in outcome.detail
        if "Retry-After" in headers:
            assert outcome.retry_after == float(headers["Retry-After"])


async def test_connection_refused_retries_later(channel, env, session):
    """With nothing listening, the reply is retried later, and the detail holds neither URL nor token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    send = send_with(channel, env, f"http://127.0.0.1:{port}/v26.0")
    for transport, target in targets(channel).items():
        outcome = await send[transport](delivery(transport, target), session)
        assert type(outcome) is RetryLater
        assert channel.token not in outcome.detail and "access_token" not in outcome.detail


async def test_slow_graph_api_retries_later(channel, env, graph, session, monkeypatch):
    """A Graph API slower than the client timeout gives RetryLater("timeout"), not an exception."""
    graph.delay = 2
    monkeypatch.setattr(channels.meta, "GRAPH_TIMEOUT", aiohttp.ClientTimeout(total=0.2))
    for transport, target in targets(channel).items():
        outcome = await send_with(channel, env, graph.url)[transport](delivery(transport, target), session)
        assert outcome == RetryLater("timeout")


async def test_missing_target_or_text_is_permanent(channel, env, graph, session):
    """A delivery with no recipient or no text cannot succeed later: permanent, and nothing is sent."""
    send = send_with(channel, env, graph.url)
    for transport, target in targets(channel).items():
        assert type(await send[transport](delivery(transport, None), session)) is Permanent
        for blank in ("", "  "):
            assert type(await send[transport](delivery(transport, target, blank), session)) is Permanent
    assert graph.requests == []
