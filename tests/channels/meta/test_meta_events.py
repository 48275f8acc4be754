"""Each event every Meta channel documents, from its table: the normalized messages and the HTTP answer."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from channels.ladder import Malformed, Parsed
from tests.channels.meta.meta_channels import each_channel

NOW = datetime(2026, 11, 25, 0, 0, 5, tzinfo=timezone.utc)
EVENTS = each_channel(lambda ch: ch.every_event)


def fields(msg) -> dict:
    """Return the normalized fields of an inbound message that the tables state."""
    r = msg.reporter
    return {"channel": msg.channel, "provider_message_id": msg.provider_message_id, "text": msg.text,
            "sender_id": msg.sender_id, "reply_to": msg.reply_to, "reply_via": msg.reply_via, "mergeable": msg.mergeable,
            "reporter": (r.name, r.phone, r.channel_user_id), "lat": msg.lat, "lon": msg.lon,
            "attachments": [(a.kind, a.content_type, a.channel_ref, a.name) for a in msg.attachments],
            "edit_of": msg.edit_of}


@pytest.mark.parametrize(("channel", "name", "status", "expected", "ignored"), EVENTS)
def test_parse_normalizes_each_event(channel, name, status, expected, ignored):
    """Parsing a fixture yields exactly the messages and ignored events the table states."""
    body = channel.fixture(name)
    result = channel.parse(body, NOW)
    assert isinstance(result, Parsed)
    assert [fields(m) for m in result.messages] == expected
    assert list(result.ignored) == ignored
    assert all(m.raw == body.decode() and m.received_at == NOW for m in result.messages)


@pytest.mark.parametrize(("channel", "name", "status", "expected", "ignored"), EVENTS)
async def test_webhook_answers_and_stores_each_event(channel, channel_client, stored, name, status, expected, ignored):
    """Posting a signed fixture answers the table's status and stores one row per message, with its text."""
    assert (await channel.post(channel_client, channel.fixture(name))).status == status
    rows = stored()
    assert [(pid, sender) for pid, sender, _ in rows] == [(m["provider_message_id"], m["sender_id"]) for m in expected]
    assert [n["text"] for _, _, n in rows] == [m["text"] for m in expected]
    assert [(n["lat"], n["lon"]) for _, _, n in rows] == [(m["lat"], m["lon"]) for m in expected]
    assert [n["reporter"]["name"] for _, _, n in rows] == [m["reporter"][0] for m in expected]


def mutations(payload):
    """Yield copies of a payload with one value swapped for another JSON type, or one key dropped."""
    others = (None, True, 0, 1.5, 10**30, "", "x", [], {}, [None], [{}], {"id": {}})

    def walk(node, path):
        yield path
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            yield from walk(child, (*path, key))

    def replaced(node, path, value):
        if not path:
            return value
        copy = dict(node) if isinstance(node, dict) else list(node)
        if value is _DROP and len(path) == 1:
            del copy[path[0]]
        else:
            copy[path[0]] = replaced(node[path[0]], path[1:], value)
        return copy

    for path in walk(payload, ()):
        for value in (*others, _DROP) if path else others:
            yield replaced(payload, path, value)


_DROP = object()


def fixtures(channel) -> dict[str, tuple[str]]:
    """Return every fixture of the channel's events table, by name."""
    return {name: (name,) for name in sorted({row[0] for row in channel.every_event.values()})}


@pytest.mark.parametrize(("channel", "name"), each_channel(fixtures))
def test_parse_never_raises_on_mutated_events(channel, name):
    """Any field of any fixture turned into another JSON type (or dropped) parses or is rejected, never raises."""
    for mutated in mutations(json.loads(channel.fixture(name))):
        result = channel.parse(json.dumps(mutated).encode(), NOW)
        assert isinstance(result, (Parsed, Malformed))
        for msg in getattr(result, "messages", ()):
            assert isinstance(msg.text, str) and msg.text and isinstance(msg.provider_message_id, str)
