"""Whatever reaches the Facebook page webhook, the parse answers it: Malformed or Parsed, never an exception, and
every message it hands intake (Messenger messages, postbacks, edits, comments on the page's posts) is one intake
takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from channels.facebook.parse import parse
from channels.ladder import Parsed
from tests.channels.parse_properties import (
    NOW, assert_all_fit, assert_parsed, budget, changed_inputs, dumps, json_values, note_misfits, objects_in,
    replaced)

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = {path.stem: json.loads(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))}
# The field names the parse reads (Messenger Platform webhook events; the page's `feed` field).
FIELDS = ["object", "entry", "id", "time", "messaging", "changes", "standby", "sender", "recipient", "timestamp",
          "message", "mid", "text", "quick_reply", "payload", "attachments", "type", "url", "coordinates", "lat",
          "long", "sticker_id", "title", "is_echo", "is_deleted", "postback", "message_edit", "num_edit", "field",
          "value", "item", "verb", "comment_id", "from", "name", "photo", "video", "delivery", "read", "reaction"]
TELLING = ["page", "instagram", "feed", "comment", "add", "edited", "image", "video", "audio", "file", "location",
           "fallback", "reel", "GET_STARTED", "Mulai", "104500000000001", 104500000000001, "7400000000000001"]
JSON = json_values(FIELDS, TELLING)
ENVELOPE = {"object": "page", "entry": []}
# Ids as long as the parse takes them (200 characters), in the two fields a provider id is built from.
LONGEST = "7" * 200
LONG_IDS = {
    "postback__button with a 200-character sender id and timestamp":
        replaced(replaced(EVENTS["postback__button"], ("entry", 0, "messaging", 0, "sender", "id"), LONGEST),
                 ("entry", 0, "messaging", 0, "timestamp"), LONGEST),
    "message_edit__text with a 200-character mid and num_edit":
        replaced(replaced(EVENTS["message_edit__text"], ("entry", 0, "messaging", 0, "message_edit", "mid"), LONGEST),
                 ("entry", 0, "messaging", 0, "message_edit", "num_edit"), LONGEST),
}


@budget(200)
@given(st.binary(max_size=400))
@example(b'{"object": "page", "entry": [' * 5000)
def test_any_bytes_are_answered(body):
    """Bytes that are not a page event are Malformed (or, by chance, parsed), never raised on."""
    assert_parsed(parse(body, NOW), "facebook")


@budget(300)
@given(JSON)
def test_any_json_at_any_level_of_the_envelope_is_answered(value):
    """Any JSON as the body, the entry list, an entry's events or changes, one event or one change's value."""
    page = "104500000000001"
    for body in (value, {**ENVELOPE, "entry": value}, {**ENVELOPE, "entry": [{"id": page, "messaging": value}]},
                 {**ENVELOPE, "entry": [{"id": page, "changes": value}]},
                 {**ENVELOPE, "entry": [{"id": page, "messaging": [{"sender": {"id": "1"}, "message": value}]}]},
                 {**ENVELOPE, "entry": [{"id": page, "messaging": [{"sender": {"id": "1"}, "postback": value}]}]},
                 {**ENVELOPE, "entry": [{"id": page, "changes": [{"field": "feed", "value": value}]}]}):
        assert_parsed(parse(dumps(body), NOW), "facebook")


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_field_of_every_event_may_hold_anything(name):
    """Each field of each fixture removed, or set to a value of each JSON type (and too long, and a lone surrogate)."""
    for _, changed in changed_inputs({name: EVENTS[name]}):
        assert_parsed(parse(dumps(changed), NOW), "facebook")


@budget(400)
@given(st.sampled_from(sorted(EVENTS)), st.data())
def test_arbitrary_json_in_up_to_three_fields_is_answered(name, data):
    """Up to three fields of a fixture replaced, or added, with arbitrary JSON."""
    event = EVENTS[name]
    for _ in range(data.draw(st.integers(1, 3))):
        holder = data.draw(st.sampled_from(objects_in(event)))
        event = replaced(event, (*holder, data.draw(st.sampled_from(FIELDS))), data.draw(JSON))
    assert_parsed(parse(dumps(event), NOW), "facebook")


def test_every_message_fits_the_store():
    """Every message from any fixture with any field changed fits its columns and is valid UTF-8."""
    found: dict[str, str] = {}
    for change, event in [*changed_inputs(EVENTS), *LONG_IDS.items()]:
        result = parse(dumps(event), NOW)
        if isinstance(result, Parsed):
            note_misfits(found, result.messages, change)
    assert_all_fit(found)
