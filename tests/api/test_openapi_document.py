"""The OpenAPI document declares what schemathesis found undeclared: null codes, auth errors, 405 with Allow, patterns."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.openapi import BLANKS, PHONE
from api.public import ReporterIn
from store.queries import encode_cursor

GUARDED_ERRORS = {"401", "403", "405", "503"}


async def document(client) -> dict:
    return await (await client.get("/api/v1/openapi.json")).json()


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("TRACE", "/api/v1/stats", {"GET", "HEAD"}),
    ("DELETE", "/api/v1/complaints", {"GET", "HEAD", "POST"}),
    ("PUT", "/api/v1/agency/tickets/NTB-7K3QX9P2/reply", {"POST"}),
])
async def test_an_unsupported_method_is_405_with_allow_and_a_json_error(client, method, path, allowed):
    """A method a path does not take is 405, the Allow header lists those it does (RFC 9110), the body is our error."""
    resp = await client.request(method, path)
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(",")) == allowed
    assert (await resp.json())["error"]["code"] == "method_not_allowed"
    assert resp.headers["X-Request-ID"]


async def test_an_unsupported_method_outside_the_api_is_405_with_allow(client):
    """Outside /api/ aiohttp's own 405 answers, and it too has Allow."""
    resp = await client.request("TRACE", "/healthz")
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}


async def test_the_group_without_an_agency_has_a_null_code_as_documented(client, runtime, operator_headers):
    """By agency, the complaints in triage are one group whose key has code null, and the document allows it."""
    resp = await client.post("/api/v1/complaints", json={"text": "Saya ingin bertanya sesuatu yang umum saja"})
    assert (await resp.json())["agency"] is None
    stats = await (await client.get("/api/v1/stats?by=agency", headers=operator_headers)).json()
    assert [group["key"] for group in stats["groups"]] == [{"code": None, "name": "Belum ditugaskan"}]
    key = (await document(client))["components"]["schemas"]["Stats"]["properties"]["groups"]["items"]["properties"]["key"]
    assert key["properties"]["code"]["type"] == ["string", "null"]


async def test_every_guarded_operation_declares_its_auth_errors_and_404(client):
    """Operator and agency operations declare 401 (WWW-Authenticate), 403, 405 (Allow) and 503; with a code, 404."""
    doc = await document(client)
    guarded = [(path, op) for path, item in doc["paths"].items() for op in item.values() if "security" in op]
    assert len(guarded) == 15  # 9 operator, 6 agency
    for path, op in guarded:
        assert GUARDED_ERRORS <= set(op["responses"]), path
        assert op["responses"]["401"]["headers"]["WWW-Authenticate"]["required"] is True
        assert op["responses"]["405"]["headers"]["Allow"]["required"] is True
        if "{code}" in path or "{id}" in path:
            assert "404" in op["responses"], path


@pytest.mark.parametrize("cursor", ["99999999999999999999", "-1", "1_0", "abc", "9" * 5000])
async def test_a_delivery_cursor_the_api_did_not_give_is_400(client, operator_headers, cursor):
    """Only a `next` this API gave out continues a list of deliveries; anything else is 400, never a 500."""
    resp = await client.get("/api/v1/deliveries", params={"cursor": cursor}, headers=operator_headers)
    assert resp.status == 400
    assert (await resp.json())["error"]["message"] == "cursor is not one this API gave out"


async def test_a_complaint_cursor_with_an_id_past_64_bits_is_400(client, operator_headers):
    """A well-formed cursor whose id no row can have is refused like any other foreign cursor."""
    cursor = encode_cursor(datetime(2026, 1, 1, tzinfo=timezone.utc), 2**64)
    resp = await client.get("/api/v1/complaints", params={"cursor": cursor}, headers=operator_headers)
    assert resp.status == 400


def accepted_phone(value: str) -> bool:
    try:
        ReporterIn(phone=value)
    except ValidationError:
        return False
    return True


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet="+0123456789 ()-x", max_size=45).filter(lambda s: s == s.strip()))
def test_the_documented_phone_pattern_is_what_a_submission_accepts(value):
    """A phone number (without blanks around it) matches the document's pattern exactly when a submission takes it."""
    assert bool(re.fullmatch(PHONE, value)) == accepted_phone(value)


def test_the_documented_blanks_are_what_python_strips():
    """The document's blanks are exactly the characters str.strip() removes, so "not blank" means what the code means."""
    blanks = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    assert set(re.findall(f"[{BLANKS}]", "".join(sorted(blanks)))) == blanks
    assert not re.search(f"[{BLANKS}]", "a\ufeff\u200b")
