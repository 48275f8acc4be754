"""Any JSON in any field of an update: the parse never raises, and a message it returns is what intake expects."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.ladder import Ignored, Malformed
from channels.telegram.group_updates import Answer, Press
from channels.telegram.inbound import parse
from complaints.model import InboundMessage

from telegram_fakes import BOT_USERNAME, FIXTURES

NOW = datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc)
UPDATES = {path.stem: json.loads(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))}
# The field names of the objects the parse reads, so generated objects often hold them.
FIELDS = ["message", "edited_message", "update_id", "message_id", "date", "chat", "from", "text", "caption", "entities",
          "caption_entities", "photo", "document", "voice", "audio", "video", "video_note", "location", "venue",
          "contact", "id", "type", "is_bot", "first_name", "last_name", "language_code", "user_id", "phone_number",
          "title", "address", "latitude", "longitude", "file_id", "file_unique_id", "file_size", "mime_type",
          "file_name", "width", "height", "duration", "length", "offset", "callback_query", "data", "reply_to_message",
          "username"]
# Values that sit on a decision: chat types, a command naming the bot, an entity type, a date out of range.
TELLING = ["private", "group", "supergroup", "channel", "bot_command", "/status@AduanTestBot NTB-7K3QX9P2",
           "6281234567890", "en", 0, 5550001, 99999999999999999, -1, 1.5, "ack:NTB-7K3QX9P2", "AduanTestBot"]
SCALARS = (st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=12) | st.sampled_from(TELLING))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), inner, max_size=4), max_leaves=10)
# A few JSON values of every type, for the exhaustive pass over each field.
SAMPLES = [None, True, False, 0, -1, 1.5, 2**64 - 1, "", "x", [], [None], [{}], {}, {"id": "x"}]


def paths(value, prefix=()):
    """Yield the path of every field (object member or array item) inside a JSON value."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield prefix + (key,)
        yield from paths(inner, prefix + (key,))


DELETE = object()


def at(update: dict, path: tuple):
    """Return the value at `path` inside the update."""
    for key in path:
        update = update[key]
    return update


def replaced(update: dict, path: tuple, value) -> dict:
    """Return a copy of the update with the field at `path` set to `value` (deleted when value is DELETE)."""
    changed = copy.deepcopy(update)
    holder = at(changed, path[:-1])
    if value is DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return changed


def assert_what_intake_expects(result) -> None:
    """The result is Malformed, Ignored with its update id, a group's press or reply, or messages whose fields all
    have their declared types."""
    if isinstance(result, Malformed):
        assert isinstance(result.reason, str)
        return
    if isinstance(result, Ignored):
        assert isinstance(result.reason, str) and type(result.ref) is int
        return
    if isinstance(result, Press):
        assert type(result.update_id) is int and isinstance(result.query_id, str) and result.user_id.lstrip("-").isdigit()
        assert all(v is None or type(v) is int for v in (result.chat_id, result.message_id))
        assert result.text is None or isinstance(result.text, str)
        assert all(type(e["offset"]) is int and type(e["length"]) is int for e in result.entities)
        return
    if isinstance(result, Answer):
        assert all(type(v) is int for v in (result.update_id, result.chat_id, result.message_id, result.replied_to))
        assert isinstance(result.text, str) and result.text.strip() and result.user_id.lstrip("-").isdigit()
        return
    assert isinstance(result, list) and result
    for msg in result:
        assert isinstance(msg, InboundMessage)
        assert isinstance(msg.text, str) and msg.text.strip()
        assert all(isinstance(v, str) for v in (msg.provider_message_id, msg.sender_id, msg.reply_to, msg.raw))
        r = msg.reporter
        assert all(v is None or isinstance(v, str) for v in (r.name, r.phone, r.channel_user_id, msg.language, msg.edit_of))
        assert all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in (msg.lat, msg.lon))
        for a in msg.attachments:
            assert a.kind in {"image", "document", "voice", "audio", "video"} and isinstance(a.channel_ref, str)
            assert a.size is None or (type(a.size) is int)
            assert all(v is None or isinstance(v, str) for v in (a.content_type, a.name))


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_every_field_of_every_fixture_may_hold_any_json_type(name):
    """Each field of each fixture, removed or set to a value of each JSON type, still parses without raising."""
    update = UPDATES[name]
    for path in paths(update):
        for value in (DELETE, *SAMPLES):
            body = orjson.dumps(replaced(update, path, value))
            assert_what_intake_expects(parse(body, BOT_USERNAME, NOW))


@settings(max_examples=600, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(UPDATES)), st.data())
def test_arbitrary_json_in_any_fields_never_raises(name, data):
    """Up to three fields of a fixture replaced, or added, with arbitrary JSON: no exception, well-typed messages."""
    update = UPDATES[name]
    for _ in range(data.draw(st.integers(1, 3))):
        objects = [(), *(p for p in paths(update) if isinstance(at(update, p), dict))]
        where = data.draw(st.sampled_from(objects))
        update = replaced(update, (*where, data.draw(st.sampled_from(FIELDS))), data.draw(JSON))
    assert_what_intake_expects(parse(orjson.dumps(update), BOT_USERNAME, NOW))
    assert_what_intake_expects(parse(orjson.dumps(update), None, NOW))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(JSON)
def test_any_json_body_never_raises(value):
    """A body holding any JSON value (or an update whose message is any value) is answered, never raised on."""
    for body in (value, {"update_id": 1, "message": value}, {"update_id": 1, "edited_message": value}):
        assert_what_intake_expects(parse(orjson.dumps(body), BOT_USERNAME, NOW))
