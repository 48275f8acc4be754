"""The Meta envelope shared by Facebook and WhatsApp, without a server: handshake, signature, stand-in text."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from channels.meta import handshake, placeholder, signature_of, verify_signature
from complaints.model import Attachment

SECRET = "app-secret"
BODY = b'{"object":"page","entry":[{"messaging":[{"message":{"text":"D\\u00e9sa"}}]}]}'
GOOD = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(("header", "valid"), [
    (GOOD, True),
    (GOOD.upper().replace("SHA256=", "sha256="), True),
    (None, False),
    ("", False),
    (GOOD[:-1], False),
    (GOOD + "0", False),
    ("sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(), False),
    (GOOD.replace("sha256=", "SHA256="), False),
    ("sha256=" + hmac.new(SECRET.encode(), "D\u00e9sa".encode(), hashlib.sha256).hexdigest(), False),
    ("sha256=" + hmac.new(SECRET.encode(), BODY.replace(b"\\u00e9", "é".encode()), hashlib.sha256).hexdigest(), False),
], ids=["good", "uppercase hex", "missing", "empty", "short", "long", "sha1", "uppercase prefix", "other body",
        "unescaped body"])
def test_signature_is_an_hmac_sha256_of_the_raw_bytes(header, valid):
    """Only `sha256=<hex HMAC-SHA256(app secret, raw body)>` is valid; the unescaped body's digest is not."""
    assert verify_signature(SECRET, BODY, header) is valid


def test_signature_of_matches_meta():
    """signature_of gives the header Meta would send."""
    assert signature_of(SECRET, BODY) == GOOD


@pytest.mark.parametrize(("query", "token", "challenge"), [
    ({"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1234"}, "tok", "1234"),
    ({"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1234"}, None, None),
    ({"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1234"}, "other", None),
    ({"hub.mode": "subscribe", "hub.verify_token": "tök", "hub.challenge": "1234"}, "tok", None),
    ({"hub.mode": "subscribe", "hub.verify_token": "tok"}, "tok", None),
    ({"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "12a"}, "tok", None),
    ({"hub.mode": "SUBSCRIBE", "hub.verify_token": "tok", "hub.challenge": "1"}, "tok", None),
], ids=["match", "no token configured", "wrong token", "non-ASCII token", "no challenge", "challenge not digits", "mode case"])
def test_handshake_returns_the_challenge_only_on_a_match(query, token, challenge):
    """The challenge comes back only for mode subscribe, our verify token and a numeric challenge."""
    assert handshake(query, token) == challenge


@pytest.mark.parametrize(("kinds", "located", "text"), [
    (["image"], False, "[foto]"),
    (["image", "image"], False, "[foto]"),
    (["document"], False, "[dokumen]"),
    (["voice"], False, "[pesan suara]"),
    (["video", "image"], True, "[video] [foto] [lokasi]"),
    ([], True, "[lokasi]"),
    ([], False, "[pesan]"),
])
def test_placeholder_text_says_what_was_sent(kinds, located, text):
    """A message with no words gets Indonesian stand-in text, so a complaint always has text."""
    assert placeholder(tuple(Attachment(kind=k) for k in kinds), located) == text
