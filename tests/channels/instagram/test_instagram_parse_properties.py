"""Whatever reaches the Instagram webhook, the parse answers it: Malformed or Parsed, never an exception, and every
message it hands intake (Direct messages, story replies and mentions, shares, postbacks, edits) is one intake takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from channels.instagram.parse import parse
from channels.ladder import Parsed
from tests.channels.parse_properties import (
    NOW, assert_all_fit, assert_parsed, budget, changed_inputs, dumps, json_values, note_misfits, objects_in,
    replaced)

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = {path.stem: json.loads(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))}
# The field names the parse reads (https://developers.facebook.com/docs/instagram-platform/webhooks/examples).
FIELDS = ["object", "entry", "id", "time", "messaging", "changes", "standby", "sender", "recipient", "timestamp",
          "message", "mid", "text", "quick_reply", "payload", "attachments", "type", "url", "title", "is_echo",
          "is_deleted", "reply_to", "story", "postback", "message_edit", "num_edit", "field", "value", "read",
          "reaction", "messaging_seen"]
TELLING = ["instagram", "page", "image", "video", "audio", "file", "share", "ig_post", "story_mention", "ig_reel",
           "reel", "fallback", "GET_STARTED", "17841400000000001", 17841400000000001, "5300000000000001"]
JSON = json_values(FIELDS, TELLING)
ENVELOPE = {"object": "instagram", "entry": []}
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
@example(b'{"object": "instagram", "entry": [' * 5000)
def test_any_bytes_are_answered(body):
    """Bytes that are not an Instagram event are Malformed (or, by chance, parsed), never raised on."""
    assert_parsed(parse(body, NOW), "instagram")


@budget(300)
@given(JSON)
def test_any_json_at_any_level_of_the_envelope_is_answered(value):
    """Any JSON as the body, the entry list, an entry's events or changes, one event or one change's value."""
    page = "17841400000000001"
    for body in (value, {**ENVELOPE, "entry": value}, {**ENVELOPE, "entry": [{"id": page, "messaging": value}]},
                 {**ENVELOPE, "entry": [{"id": page, "changes": value}]},
                 {**ENVELOPE, "entry": [{"id": page, "messaging": [{"sender": {"id": "1"}, "message": value}]}]},
                 {**ENVELOPE, "entry": [{"id": page, "messaging": [{"sender": {"id": "1"}, "postback": value}]}]},
                 {**ENVELOPE, "entry": [{"id": page, "messaging": [{"sender": {"id": "1"}, "message_edit": value}]}]}):
        assert_parsed(parse(dumps(body), NOW), "instagram")


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_field_of_every_event_may_hold_anything(name):
    """Each field of each fixture removed, or set to a value of each JSON type (and too long, and a lone surrogate)."""
    for _, changed in changed_inputs({name: EVENTS[name]}):
        assert_parsed(parse(dumps(changed), NOW), "instagram")


@budget(400)
@given(st.sampled_from(sorted(EVENTS)), st.data())
def test_arbitrary_json_in_up_to_three_fields_is_answered(name, data):
    """Up to three fields of a fixture replaced, or added, with arbitrary JSON."""
    event = EVENTS[name]
    for _ in range(data.draw(st.integers(1, 3))):
        holder = data.draw(st.sampled_from(objects_in(event)))
        event = replaced(event, (*holder, data.draw(st.sampled_from(FIELDS))), data.draw(JSON))
    assert_parsed(parse(dumps(event), NOW), "instagram")


def test_every_message_fits_the_store():
    """Every message from any fixture with any field changed fits its columns and is valid UTF-8."""
    found: dict[str, str] = {}
    for change, event in [*changed_inputs(EVENTS), *LONG_IDS.items()]:
        result = parse(dumps(event), NOW)
        if isinstance(result, Parsed):
            note_misfits(found, result.messages, change)
    assert_all_fit(found)
