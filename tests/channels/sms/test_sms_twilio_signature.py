"""Our X-Twilio-Signature check accepts exactly what the twilio package's RequestValidator signs."""

from __future__ import annotations

import pytest
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from channels.sms import twilio
from sms_helpers import TWILIO_TOKEN, load

BASE = "https://aduan.example/webhooks/sms/twilio"
TEXT = [tuple(p) for p in load("twilio_message__text.json")]


def sdk_sign(url: str, pairs) -> str:
    """Sign with the twilio package."""
    return RequestValidator(TWILIO_TOKEN).compute_signature(url, MultiDict(pairs))


@pytest.mark.parametrize(
    "label, signed_url, our_url, pairs",
    [
        ("plain", BASE, BASE, TEXT),
        ("query string", BASE + "?region=lombok-timur&x=1", BASE + "?region=lombok-timur&x=1", TEXT),
        ("port 443 signed, absent here", "https://aduan.example:443/webhooks/sms/twilio", BASE, TEXT),
        ("port 443 here, absent when signed", BASE, "https://aduan.example:443/webhooks/sms/twilio", TEXT),
        ("port 80 on http", "http://aduan.example:80/webhooks/sms/twilio", "http://aduan.example/webhooks/sms/twilio", TEXT),
        ("other port kept", "https://aduan.example:8443/webhooks/sms/twilio", "https://aduan.example:8443/webhooks/sms/twilio", TEXT),
        ("repeated parameter", BASE, BASE, TEXT + [("MediaUrl0", "https://m.example/b"), ("MediaUrl0", "https://m.example/a")]),
        ("repeated identical value", BASE, BASE, TEXT + [("Tag", "x"), ("Tag", "x"), ("Tag", "a")]),
        ("unknown new parameter", BASE, BASE, [tuple(p) for p in load("twilio_message__unknown_new_parameter.json")]),
        ("non-ASCII body", BASE, BASE, [p if p[0] != "Body" else ("Body", "Jalan berlubang 🚧 di Praya — bahaya") for p in TEXT]),
        ("no parameters", BASE, BASE, []),
    ],
)
def test_sdk_signatures_validate(label, signed_url, our_url, pairs):
    """Whatever the SDK signs (repeated names, query, default port or not, new fields) we accept."""
    signature = sdk_sign(signed_url, pairs)
    assert twilio.verify(TWILIO_TOKEN, our_url, pairs, signature), label
    assert RequestValidator(TWILIO_TOKEN).validate(our_url, MultiDict(pairs), signature), label  # and so does the SDK


def test_our_signature_is_the_sdks():
    """compute_signature gives the SDK's value byte for byte, repeated names included."""
    pairs = TEXT + [("MediaUrl0", "b"), ("MediaUrl0", "a")]
    assert twilio.compute_signature(TWILIO_TOKEN, BASE, pairs) == sdk_sign(BASE, pairs)


def _tamper(pairs, name, value):
    """Replace one field's value."""
    return [(n, value if n == name else v) for n, v in pairs]


@pytest.mark.parametrize(
    "label, url, pairs, signer",
    [
        ("body changed", BASE, _tamper(TEXT, "Body", "Jalan rusak parah di Selong"), TWILIO_TOKEN),
        ("sender changed", BASE, _tamper(TEXT, "From", "+6289999999999"), TWILIO_TOKEN),
        ("parameter added", BASE, TEXT + [("Extra", "1")], TWILIO_TOKEN),
        ("parameter removed", BASE, [p for p in TEXT if p[0] != "NumMedia"], TWILIO_TOKEN),
        ("value repeated", BASE, TEXT + [("From", "+6289999999999")], TWILIO_TOKEN),
        ("path changed", "https://aduan.example/webhooks/sms/generic", TEXT, TWILIO_TOKEN),
        ("query added", BASE + "?x=1", TEXT, TWILIO_TOKEN),
        ("scheme changed", "http://aduan.example/webhooks/sms/twilio", TEXT, TWILIO_TOKEN),
        ("signed with another token", BASE, TEXT, "another-token"),
    ],
)
def test_tampered_requests_fail(label, url, pairs, signer):
    """A signature made for the genuine request fails once anything it covers changes, or with another token."""
    signature = RequestValidator(signer).compute_signature(BASE, MultiDict(TEXT))
    assert not twilio.verify(TWILIO_TOKEN, url, pairs, signature), label


@pytest.mark.parametrize("header", [None, "", "   ", "not-base64", "é" * 28, "A" * 28])
def test_missing_or_malformed_header_fails(header):
    """No header, an empty one, or garbage (non-ASCII too) is refused without an exception."""
    assert not twilio.verify(TWILIO_TOKEN, BASE, TEXT, header)


@pytest.mark.parametrize(
    "url, variants",
    [
        ("https://a.example/p?q=1", ["https://a.example/p?q=1", "https://a.example:443/p?q=1"]),
        ("https://a.example:443/p", ["https://a.example:443/p", "https://a.example/p"]),
        ("http://a.example/p", ["http://a.example/p", "http://a.example:80/p"]),
        ("http://[::1]:8080/p", ["http://[::1]:8080/p", "http://[::1]/p"]),
    ],
)
def test_url_variants(url, variants):
    """The URL is tried as given and with its default port added or removed, as the SDK does."""
    assert twilio.url_variants(url) == variants
