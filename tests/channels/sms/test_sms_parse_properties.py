"""Whatever reaches the three SMS webhooks, each parse answers it: a message, Ignored or Malformed (for Vonage also a
part to hold), never an exception, and every message it hands intake is one intake takes.

The gateways' parameters reach the parse decoded as UTF-8 (form data, query strings) or by orjson, so they are text
without lone surrogates; anything else is refused before the parse (`form_params` raises ValueError, as the edge
expects).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from channels.ladder import Ignored, Malformed
from channels.sms import generic, twilio, vonage
from channels.sms.common import form_params
from complaints.model import InboundMessage
from tests.channels.parse_properties import (
    DELETE, NOW, SAMPLES, assert_all_fit, assert_message_for_intake, budget, changed_inputs, dumps, json_values,
    note_misfits)

FIXTURES = Path(__file__).parent / "fixtures"
LOADED = {path.stem: json.loads(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))}
TWILIO = {name: pairs for name, pairs in LOADED.items() if name.startswith("twilio_")}
VONAGE = {name: params for name, params in LOADED.items() if name.startswith("vonage_")}
GENERIC = {name: body for name, body in LOADED.items() if name.startswith("generic_")}

# What a form value can be: any text but a lone surrogate, and values that sit on a decision or pass a column.
VALUE = (st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)
         | st.sampled_from(["", " ", "received", "delivered", "true", "text", "unicode", "binary", "1", "2", "-1",
                            "10", "99999999999999999999", "image/jpeg", "+6281234567890", "6281234567890",
                            "https://api.twilio.com/m", "7" * 41, "7" * 256, "a" * 300]))
TWILIO_NAMES = ["MessageSid", "SmsMessageSid", "SmsSid", "SmsStatus", "MessageStatus", "From", "To", "Body",
                "NumMedia", "MediaUrl0", "MediaContentType0", "MediaUrl1", "MediaContentType1", "MediaUrl9"]
VONAGE_NAMES = ["messageId", "msisdn", "to", "text", "type", "keyword", "concat", "concat-ref", "concat-total",
                "concat-part", "status", "err-code", "scts", "network-code", "price", "timestamp",
                "message-timestamp", "data", "udh"]
PAIRS = st.lists(st.tuples(st.sampled_from(TWILIO_NAMES) | st.text(max_size=6), VALUE), max_size=12)
PARAMS = st.dictionaries(st.sampled_from(VONAGE_NAMES) | st.text(max_size=6), VALUE, max_size=12)
# The fixtures' values, each replaced by one of these (form values are strings).
STRING_SAMPLES = [DELETE, *(value for value in SAMPLES if isinstance(value, str) and value != "\ud800")]


def assert_answered(result, *more: type) -> None:
    """A message intake takes, Ignored or Malformed with its reason (or one of `more`)."""
    assert isinstance(result, (InboundMessage, Ignored, Malformed, *more))
    if isinstance(result, Ignored | Malformed):
        assert isinstance(result.reason, str) and result.reason
    elif isinstance(result, InboundMessage):
        assert_message_for_intake(result, "sms")


def assert_part(part: vonage.Part) -> None:
    """A part the spool can keep and join: its group's sender and ref, its place among at most 255."""
    assert 1 <= part.number <= part.total <= vonage.MAX_PARTS
    assert part.msisdn and part.ref and len(part.ref) <= 64 and part.message_id
    assert all(isinstance(v, str) for v in (part.to, part.text, part.raw))


@budget(200)
@given(st.binary(max_size=300))
def test_any_form_body_decodes_or_is_refused_as_the_edge_expects(body):
    """A body is read as form pairs, or refused with ValueError (which the edges answer with 400)."""
    try:
        pairs = form_params(body)
    except ValueError:
        return
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in pairs)
    assert_answered(twilio.parse(pairs, "", NOW))


@budget(300)
@given(PAIRS)
@example([("MessageSid", "SM1"), ("From", "+6281234567890"), ("NumMedia", "99999999999999999999")])
@example([("MessageSid", "SM1"), ("From", "+62812"), ("NumMedia", "-5"), ("Body", " ")])
def test_any_twilio_parameters_are_answered(pairs):
    """Any form pairs, Twilio's names or others, repeated or not, give a message, Ignored or Malformed."""
    assert_answered(twilio.parse(pairs, "", NOW))


@pytest.mark.parametrize("name", sorted(TWILIO))
def test_every_twilio_field_may_hold_anything(name):
    """Each pair of each Twilio fixture removed, or its value set to each sample string."""
    for _, pairs in changed_inputs({name: TWILIO[name]}, STRING_SAMPLES):
        if all(isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs):
            assert_answered(twilio.parse([tuple(p) for p in pairs], "", NOW))


@budget(300)
@given(PARAMS)
@example({"messageId": "1", "msisdn": "62812345", "text": "x", "concat": "true", "concat-ref": "1",
          "concat-total": "300", "concat-part": "1"})
def test_any_vonage_parameters_are_answered(params):
    """Any parameters give a message, a part to hold, Ignored or Malformed; the send time never raises."""
    result = vonage.parse(params, "", NOW)
    assert_answered(result, vonage.Part)
    if isinstance(result, vonage.Part):
        assert_part(result)
    assert vonage.sent_at(params) is None or vonage.sent_at(params).tzinfo is not None
    assert isinstance(vonage.fresh(params, NOW), bool)


@budget(200)
@given(json_values(VONAGE_NAMES))
def test_any_vonage_json_body_is_read_as_strings_or_refused(value):
    """A JSON body's members become string parameters, or the body is refused (None) when one is nested."""
    if not isinstance(value, dict):
        return
    params = vonage.string_params(value)
    assert params is None or all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    if params is not None:
        assert_answered(vonage.parse(params, "", NOW), vonage.Part)


@budget(200)
@given(st.lists(st.tuples(st.integers(1, 6), VALUE, VALUE), min_size=1, max_size=6), st.integers(1, 6), VALUE, VALUE)
def test_any_parts_join_into_one_message(pieces, total, msisdn, ref):
    """The parts of one long SMS, any of them missing or repeated, join into one message intake takes."""
    parts = []
    for number, message_id, text in pieces:
        params = {"messageId": message_id or "0A00", "msisdn": msisdn, "text": text, "concat": "true",
                  "concat-ref": ref, "concat-total": str(total), "concat-part": str(number)}
        part = vonage.parse(params, "", NOW)
        if isinstance(part, vonage.Part):
            assert_part(part)
            parts.append(part)
    if parts:
        assert_message_for_intake(vonage.join(parts, NOW), "sms")


@pytest.mark.parametrize("name", sorted(VONAGE))
def test_every_vonage_field_may_hold_anything(name):
    """Each parameter of each Vonage fixture removed, or set to each sample string."""
    for _, params in changed_inputs({name: VONAGE[name]}, STRING_SAMPLES):
        if all(isinstance(v, str) for v in params.values()):
            assert_answered(vonage.parse(params, "", NOW), vonage.Part)


@budget(200)
@given(st.binary(max_size=300))
@example(b'{"id": "1", "from": "+62812", "text": "\\ud800"}')
@example(b'[' * 5000)
def test_any_generic_body_bytes_are_answered(body):
    """Bytes that are not the gateway's JSON are Malformed, never raised on."""
    assert_answered(generic.parse(body, NOW))


@budget(300)
@given(json_values(["id", "from", "to", "text", "timestamp"], ["+6281234567890", "0812", 1777600000]))
def test_any_generic_json_is_answered(value):
    """Any JSON, and the gateway's object with any JSON in its fields, gives a message, Ignored or Malformed."""
    for body in (value, {"id": "gw-1", "from": "+6281234567890", "text": value},
                 {"id": value, "from": "+6281234567890", "text": "x"}, {"id": "gw-1", "from": value, "text": "x"},
                 {"id": "gw-1", "from": "+62812", "to": value, "text": "x", "timestamp": value}):
        assert_answered(generic.parse(dumps(body), NOW))


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_every_generic_field_may_hold_anything(name):
    """Each field of each generic gateway fixture removed, or set to a value of each JSON type."""
    for _, body in changed_inputs({name: GENERIC[name]}):
        assert_answered(generic.parse(dumps(body), NOW))


def _fitting_inputs():
    """(change, parse result) of every fixture of each gateway with any field changed, and ids at their limit."""
    for change, pairs in changed_inputs(TWILIO, STRING_SAMPLES):
        if all(isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs):
            yield change, twilio.parse([tuple(p) for p in pairs], "", NOW)
    for change, params in changed_inputs(VONAGE, STRING_SAMPLES):
        if all(isinstance(v, str) for v in params.values()):
            yield change, vonage.parse(params, "", NOW)
    for change, body in changed_inputs(GENERIC):
        yield change, generic.parse(dumps(body), NOW)
    longest = "S" * vonage.MAX_ID  # the longest id each gateway's parse takes
    yield "twilio MessageSid of 255", twilio.parse([("MessageSid", longest), ("From", "+62812"), ("Body", "x")], "", NOW)
    yield "vonage messageId of 255", vonage.parse({"messageId": longest, "msisdn": "62812", "text": "x"}, "", NOW)
    yield "generic id of 255", generic.parse(dumps({"id": longest, "from": "+62812", "text": "x"}), NOW)
    part = vonage.parse({"messageId": longest, "msisdn": "6" * 15, "text": "x", "concat": "true", "concat-ref": "r" * 64,
                         "concat-total": "1", "concat-part": "1"}, "", NOW)
    yield "vonage part joined with ids at their limit", vonage.join([part], NOW)


def test_every_message_fits_the_store():
    """Every message of any gateway's fixture with any field changed, and of ids at their limit, fits its columns."""
    found: dict[str, str] = {}
    for change, result in _fitting_inputs():
        if isinstance(result, InboundMessage):
            note_misfits(found, [result], change)
    assert_all_fit(found)
