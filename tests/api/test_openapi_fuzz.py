"""What schemathesis does not send (tests/api/test_openapi_conformance.py checks every generated request against the
document): bodies that are not JSON or not of the declared type, wrong content types, junk query strings and path
codes, sent to every operation of the API's own document on a live app. No answer is a 5xx, and every error is the
SPEC's shape {"error": {"code", "message"}}."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone

from api.auth import token_hash
from api.openapi import document
from app.build import channel_names
from config.loader import load_config
from store.queries import add_token
from tests.conftest import OPERATOR_TOKEN, SAMPLE_CONFIG

SEED = 20261204
CASES_PER_OPERATION = 25
AGENCY = "pupr-loteng"
AGENCY_TOKEN = "fuzz-agency-token-0123456789"
# Bytes that break a JSON reader in each way: not UTF-8, unclosed, deep, NaN, a lone surrogate, a BOM, nothing.
BODIES = [b"", b"\xff\xfe\x00", b"{", b'{"text": ', b"[" * 5000, b'{"text": NaN}', b'{"text": "\\ud800"}',
          b"\xef\xbb\xbf{}", b"null", b"[]", b'"text"', b"1e999", b'{"text": {"$ne": 1}}', b"\x00" * 64]
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "text/plain", "application/xml",
                 "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", None]
JUNK = ["", " ", "%", "%zz", "\x00", "é", "NTB-" + "7" * 300, "../../etc", "'; DROP TABLE complaints;--", "-1", "0",
        "9" * 40, "true", "null", "[]", "{}", "2026-02-30", "9999-12-31T23:59:59+14:00"]
JSON_VALUES = [None, True, 0, -1, 2**70, 1.5, "", "x" * 20_000, [], {}, {"text": None}, {"text": ["x"]},
               {"status": "resolved", "note": "\u2028"}, {"agency": "nope"}, {"message": "\x00"}]


def _random_bytes(rng: random.Random) -> bytes:
    """A short run of arbitrary bytes."""
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))


def _case(rng: random.Random) -> tuple[bytes | None, str | None, dict[str, str]]:
    """One request's body, content type and query, drawn from the troubles above."""
    body = rng.choice([rng.choice(BODIES), _random_bytes(rng), json.dumps(rng.choice(JSON_VALUES)).encode(), None])
    query = {rng.choice(["status", "agency", "region", "since", "until", "limit", "cursor", "by", "q", "state",
                         rng.choice(JUNK)]): rng.choice(JUNK) for _ in range(rng.randrange(4))}
    return body, rng.choice(CONTENT_TYPES), query


def _operations() -> list[tuple[str, str]]:
    """Every GET and POST of the document the app serves for the sample config."""
    doc = document("http://aduan.test", load_config(SAMPLE_CONFIG, env={}).config, channel_names())
    return [(method.upper(), path) for path, item in doc["paths"].items() for method in item if method in ("get", "post")]


def assert_error_shape(status: int, body: bytes) -> None:
    """An error answer is JSON {"error": {"code": "...", "message": "..."}} (more members only beside those two)."""
    answer = json.loads(body)
    assert isinstance(answer, dict) and set(answer) == {"error"}, (status, body[:200])
    error = answer["error"]
    assert isinstance(error.get("code"), str) and error["code"] and isinstance(error.get("message"), str), body[:200]


async def test_junk_requests_to_every_operation_get_no_5xx_and_errors_in_the_spec_shape(client, runtime):
    """Each operation gets 25 requests of junk bodies, content types, queries and codes, with each kind of caller."""
    runtime.limiter.per_minute = 100_000  # the fuzz is not abuse
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash(AGENCY_TOKEN), "agency", AGENCY, "fuzz", datetime.now(timezone.utc))
    answer = await client.post("/api/v1/complaints", json={"text": "Jalan rusak parah di Praya"})
    real = (await answer.json())["code"]
    callers = [{}, {"Authorization": f"Bearer {OPERATOR_TOKEN}"}, {"Authorization": f"Bearer {AGENCY_TOKEN}"},
               {"Authorization": "Bearer not-a-token"}]
    rng = random.Random(SEED)
    # A reload reads the config from disk: its answer is the folder's (the conformance test sends it).
    operations = [(method, path) for method, path in _operations() if path != "/api/v1/admin/reload"]
    errors_checked = 0
    for method, path in operations:
        for _ in range(CASES_PER_OPERATION):
            body, content_type, query = _case(rng)
            url = path.replace("{code}", rng.choice([real, rng.choice(JUNK) or "x"])).replace(
                "{id}", rng.choice(JUNK) or "x")
            headers = dict(rng.choice(callers))
            if content_type:
                headers["Content-Type"] = content_type
            resp = await client.request(method, url, params=query, data=body if method == "POST" else None,
                                        headers=headers, skip_auto_headers=("Content-Type",))
            raw = await resp.read()
            assert resp.status < 500, (method, url, query, body and body[:80], content_type, resp.status, raw[:300])
            if resp.status >= 400 and resp.content_type == "application/json":
                assert_error_shape(resp.status, raw)
                errors_checked += 1
            elif resp.status >= 400:
                # Only a path aiohttp itself could not match (a junk code with a "/") answers outside the API.
                assert resp.status in (404, 405), (method, url, resp.status, resp.content_type, raw[:200])
    # The junk reached the handlers: most answers were the API's own errors, each checked above.
    assert len(operations) >= 15 and errors_checked > len(operations) * CASES_PER_OPERATION // 2
