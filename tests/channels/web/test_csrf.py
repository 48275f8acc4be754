"""The form's CSRF token and Origin check, as pure functions."""

from __future__ import annotations

import pytest

from edges import csrf
from edges.ratelimit import RateLimiter

KEY = b"k" * 32


def test_token_verifies_for_its_cookie_and_submission():
    """A token signed for a cookie value and submission id verifies with both."""
    nonce, sid = csrf.new_nonce(), csrf.new_submission_id()
    assert csrf.verify(KEY, nonce, sid, csrf.sign(KEY, nonce, sid))


def test_token_fails_for_another_cookie_submission_or_key():
    """Changing the cookie value, the submission id or the key breaks the token."""
    nonce, sid = csrf.new_nonce(), csrf.new_submission_id()
    token = csrf.sign(KEY, nonce, sid)
    assert not csrf.verify(KEY, csrf.new_nonce(), sid, token)
    assert not csrf.verify(KEY, nonce, csrf.new_submission_id(), token)
    assert not csrf.verify(b"other", nonce, sid, token)


@pytest.mark.parametrize("token", [None, "", "0" * 64, "é" * 64, "x"])
def test_missing_or_garbled_token_fails(token):
    """No token, a wrong one or a non-ASCII one fails without raising."""
    assert not csrf.verify(KEY, csrf.new_nonce(), csrf.new_submission_id(), token)


def test_cookie_and_submission_id_must_have_our_shape():
    """Values we never issue are refused before any signature is computed."""
    sid = csrf.new_submission_id()
    assert not csrf.verify(KEY, None, sid, csrf.sign(KEY, "short", sid))
    assert not csrf.verify(KEY, "a" * 43, "not-a-uuid", csrf.sign(KEY, "a" * 43, "not-a-uuid"))


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1:8080", True),
        ("https://aduan.ntbprov.go.id", "aduan.ntbprov.go.id", True),
        ("https://ADUAN.ntbprov.go.id", "aduan.ntbprov.go.id:443", True),
        ("https://aduan.example", "10.0.0.5:8080", True),  # the public URL, behind a proxy
        ("https://evil.example", "aduan.ntbprov.go.id", False),
        ("http://127.0.0.1:9999", "127.0.0.1:8080", False),
        ("null", "127.0.0.1:8080", False),
        ("https://aduan.ntbprov.go.id.evil.example", "aduan.ntbprov.go.id", False),
        ("javascript:alert(1)", "127.0.0.1:8080", False),
    ],
)
def test_origin_must_be_this_site(origin, host, allowed):
    """Only the request's own host (or the configured public URL) is a trusted Origin."""
    assert csrf.same_origin(origin, host, "https://aduan.example") is allowed


def test_forwarded_address_counts_only_when_trusted():
    """X-Forwarded-For is used only behind our own proxy (its last entry, the one the proxy wrote); else the peer."""
    assert RateLimiter(5, trust_forwarded_for=1).address("10.0.0.1", "203.0.113.9, 198.51.100.4") == "198.51.100.4"
    assert RateLimiter(5).address("10.0.0.1", "203.0.113.9") == "10.0.0.1"
    assert RateLimiter(5).address(None, None) == "unknown"
