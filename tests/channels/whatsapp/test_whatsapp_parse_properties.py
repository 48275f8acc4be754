"""Whatever reaches the WhatsApp webhook, the parse answers it: Malformed or Parsed, never an exception, and what it
hands on (messages for intake, status callbacks for the outbox) is what those expect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from channels.ladder import Parsed
from channels.whatsapp.parse import parse
from tests.channels.parse_properties import (
    NOW, STATUSES, assert_all_fit, assert_parsed, assert_status_report, budget, changed_inputs, dumps,
    json_values, note_misfits, objects_in, replaced)

FIXTURES = Path(__file__).parent / "fixtures"
NOTIFICATIONS = {path.stem: json.loads(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))}
# The field names the parse reads (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).
FIELDS = ["object", "entry", "id", "changes", "field", "value", "contacts", "profile", "name", "wa_id", "user_id",
          "messages", "statuses", "errors", "from", "from_user_id", "group_id", "timestamp", "type", "text", "body",
          "image", "video", "audio", "voice", "document", "sticker", "mime_type", "filename", "caption", "location",
          "latitude", "longitude", "address", "interactive", "button_reply", "list_reply", "title", "button",
          "payload", "edit", "original_message_id", "message", "status", "recipient_id", "code", "error_data",
          "details"]
TELLING = ["whatsapp_business_account", "messages", "text", "image", "audio", "voice", "location", "interactive",
           "button_reply", "list_reply", "button", "edit", "reaction", *STATUSES, 131047, "6281234567890",
           "wamid.X", -8.58, 116.1]
JSON = json_values(FIELDS, TELLING)
ENVELOPE = {"object": "whatsapp_business_account", "entry": []}


@budget(200)
@given(st.binary(max_size=400))
@example(b"\xff\xfe{}")
@example(b'{"object": "whatsapp_business_account", "entry": [' * 5000)
def test_any_bytes_are_answered(body):
    """Bytes that are not a notification are Malformed (or, by chance, parsed), never raised on."""
    assert_parsed(parse(body, NOW), "whatsapp")


@budget(300)
@given(JSON)
def test_any_json_at_any_level_of_the_envelope_is_answered(value):
    """Any JSON as the body, the entry list, an entry's changes, a change's value or its messages and statuses."""
    for body in (value, {**ENVELOPE, "entry": value}, {**ENVELOPE, "entry": [{"id": "1", "changes": value}]},
                 {**ENVELOPE, "entry": [{"changes": [{"field": "messages", "value": value}]}]},
                 {**ENVELOPE, "entry": [{"changes": [{"field": "messages", "value": {"messages": [value],
                                                                                     "statuses": [value]}}]}]}):
        assert_parsed(parse(dumps(body), NOW), "whatsapp")


@pytest.mark.parametrize("name", sorted(NOTIFICATIONS))
def test_every_field_of_every_notification_may_hold_anything(name):
    """Each field of each fixture removed, or set to a value of each JSON type (and too long, and a lone surrogate)."""
    for _, changed in changed_inputs({name: NOTIFICATIONS[name]}):
        assert_parsed(parse(dumps(changed), NOW), "whatsapp")


@budget(400)
@given(st.sampled_from(sorted(NOTIFICATIONS)), st.data())
def test_arbitrary_json_in_up_to_three_fields_is_answered(name, data):
    """Up to three fields of a fixture replaced, or added, with arbitrary JSON."""
    notification = NOTIFICATIONS[name]
    for _ in range(data.draw(st.integers(1, 3))):
        holder = data.draw(st.sampled_from(objects_in(notification)))
        notification = replaced(notification, (*holder, data.draw(st.sampled_from(FIELDS))), data.draw(JSON))
    assert_parsed(parse(dumps(notification), NOW), "whatsapp")


@budget(300)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=255),
       st.sampled_from(sorted(STATUSES)), st.one_of(st.none(), st.integers(1, 2**40).map(str), st.integers(1, 2**40)))
def test_a_status_callback_of_a_wamid_is_kept_with_its_status(wamid, status, timestamp):
    """A status callback with a wamid and one of the four statuses is reported as it came, its time aware."""
    item = {"id": wamid, "status": status, "recipient_id": "6281234567890"}
    if timestamp is not None:
        item["timestamp"] = timestamp
    body = dumps({**ENVELOPE, "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"statuses": [item]}}]}]})
    result = parse(body, NOW)
    assert isinstance(result, Parsed) and result.messages == ()
    assert [(s.provider_message_id, s.status) for s in result.statuses] == [(wamid, status)]
    assert_status_report(result.statuses[0], "whatsapp")


@budget(300)
@given(st.data())
def test_status_callbacks_of_any_shape_report_only_what_can_be_matched(data):
    """Status items with any JSON in their fields: each is a report the outbox can match, or an ignored reason."""
    item = {"id": data.draw(JSON | st.just("wamid.OURS0001")), "status": data.draw(JSON | st.sampled_from(sorted(STATUSES))),
            "timestamp": data.draw(JSON), "recipient_id": data.draw(JSON), "errors": data.draw(JSON)}
    body = dumps({**ENVELOPE, "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"statuses": [item]}}]}]})
    result = parse(body, NOW)
    assert_parsed(result, "whatsapp")
    assert isinstance(result, Parsed) and len(result.statuses) + len(result.ignored) == 1


def test_every_message_fits_the_store():
    """Every message from any fixture with any field changed fits its columns and is valid UTF-8."""
    found: dict[str, str] = {}
    for change, notification in changed_inputs(NOTIFICATIONS):
        result = parse(dumps(notification), NOW)
        if isinstance(result, Parsed):
            note_misfits(found, result.messages, change, result.statuses)
    assert_all_fit(found)
