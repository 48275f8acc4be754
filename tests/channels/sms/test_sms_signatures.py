"""Vonage's `sig` with every signature method, its five-minute window, and the generic gateway's HMAC header."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from channels.sms import generic, vonage

# The vector of Vonage's Python SDK tests (test_signature): md5hash of a=1, b=2, timestamp=1461605396, secret "secret".
SDK_PARAMS = {"a": "1", "b": "2", "timestamp": "1461605396"}
SDK_MD5HASH = "6af838ef94998832dbfc29020b564830"


def test_md5hash_matches_vonage_sdk_vector():
    """The "MD5 hash" method gives the SDK's published value."""
    assert vonage.signature("secret", "md5hash", SDK_PARAMS) == SDK_MD5HASH
    assert vonage.verify("secret", "md5hash", {**SDK_PARAMS, "sig": SDK_MD5HASH})


@pytest.mark.parametrize("method", ["md5", "sha1", "sha256", "sha512"])
def test_hmac_methods_sign_the_sorted_query_string(method):
    """The HMAC methods key the hash with the secret over "&a=1&b=2&timestamp=…" (no secret appended)."""
    expected = hmac.new(b"secret", b"&a=1&b=2&timestamp=1461605396", method).hexdigest()
    assert vonage.signature("secret", method, SDK_PARAMS) == expected
    assert vonage.verify("secret", method, {**SDK_PARAMS, "sig": expected})
    assert vonage.verify("secret", method, {**SDK_PARAMS, "sig": expected.upper()})  # the .NET SDK's case


def test_ampersand_and_equals_in_values_become_underscores():
    """Values are signed with & and = replaced by _, and `sig` itself is left out."""
    params = {"text": "a&b=c", "msisdn": "62812", "sig": "ignored"}
    expected = hashlib.md5(b"&msisdn=62812&text=a_b_c" + b"secret").hexdigest()
    assert vonage.signature("secret", "md5hash", params) == expected


@pytest.mark.parametrize(
    "label, params",
    [
        ("missing sig", SDK_PARAMS),
        ("empty sig", {**SDK_PARAMS, "sig": ""}),
        ("wrong secret", {**SDK_PARAMS, "sig": hashlib.md5(b"&a=1&b=2&timestamp=1461605396other").hexdigest()}),
        ("value changed", {**SDK_PARAMS, "a": "2", "sig": SDK_MD5HASH}),
        ("parameter added", {**SDK_PARAMS, "c": "3", "sig": SDK_MD5HASH}),
        ("non-ASCII sig", {**SDK_PARAMS, "sig": "é" * 32}),
    ],
)
def test_bad_vonage_signatures_fail(label, params):
    """A missing, wrong or garbage `sig` fails without an exception."""
    assert not vonage.verify("secret", "md5hash", params), label


NOW = datetime(2026, 5, 1, 2, 24, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "params, fresh",
    [
        ({"timestamp": str(int(NOW.timestamp()))}, True),
        ({"timestamp": str(int((NOW - timedelta(seconds=299)).timestamp()))}, True),
        ({"timestamp": str(int((NOW - timedelta(seconds=301)).timestamp()))}, False),
        ({"timestamp": str(int((NOW + timedelta(minutes=6)).timestamp()))}, False),
        ({"message-timestamp": "2026-05-01 02:22:00"}, True),
        ({"message-timestamp": "2026-05-01 02:18:59"}, False),
        ({"timestamp": "soon"}, False),
        ({"timestamp": "99999999999999999999"}, False),
        ({}, False),
    ],
)
def test_signed_time_must_be_within_five_minutes(params, fresh):
    """A signed request older (or later) than five minutes is a replay; no time at all is refused too."""
    assert vonage.fresh(params, NOW) is fresh


BODY = b'{"id":"gw-1","from":"+6281234567890","to":"+6281100001708","text":"Jalan rusak","timestamp":1777600000}'


@pytest.mark.parametrize(
    "label, header, valid",
    [
        ("right", "sha256=" + hmac.new(b"k", BODY, "sha256").hexdigest(), True),
        ("upper-case hex", "sha256=" + hmac.new(b"k", BODY, "sha256").hexdigest().upper(), True),
        ("missing", None, False),
        ("empty", "", False),
        ("no prefix", hmac.new(b"k", BODY, "sha256").hexdigest(), False),
        ("sha1 prefix", "sha1=" + hmac.new(b"k", BODY, "sha1").hexdigest(), False),
        ("wrong secret", "sha256=" + hmac.new(b"other", BODY, "sha256").hexdigest(), False),
        ("over other bytes", "sha256=" + hmac.new(b"k", BODY + b" ", "sha256").hexdigest(), False),
        ("garbage", "sha256=" + "é" * 64, False),
    ],
)
def test_generic_signature_header(label, header, valid):
    """`X-Aduan-Signature: sha256=<hex HMAC of the raw body>` and nothing else passes."""
    assert generic.verify("k", BODY, header) is valid, label
    assert generic.sign("k", BODY) == "sha256=" + hmac.new(b"k", BODY, "sha256").hexdigest()
