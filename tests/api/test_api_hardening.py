"""Abuse limits of the API (SPEC section 17): JSON only, the right client address, single-line fields, lookup limits."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from api.auth import token_hash
from config.env import Env
from store import models as m
from store.queries import add_token

TEXT = "Jalan rusak parah di Praya, mohon segera diperbaiki"
AGENCY_TOKEN = "hardening-agency-token-0123456789"


def complaints(runtime) -> int:
    """How many complaints are stored."""
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.Complaint)).scalar_one()


async def submit(client, **body) -> str:
    """Submit a complaint and return its code."""
    resp = await client.post("/api/v1/complaints", json={"text": TEXT, **body})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["code"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; "
                                          "boundary=x", "application/json-seq", None])
async def test_a_submission_not_sent_as_json_is_415_and_stores_nothing(client, runtime, content_type):
    """A page that makes a browser post text/plain (no CORS preflight) gets 415, and nothing is stored."""
    headers = {"Content-Type": content_type} if content_type else {}
    resp = await client.post("/api/v1/complaints", data=f'{{"text": "{TEXT}"}}'.encode(), headers=headers,
                             skip_auto_headers=() if content_type else ("Content-Type",))
    assert resp.status == 415
    assert (await resp.json())["error"]["code"] == "unsupported_media_type"
    assert complaints(runtime) == 0


async def test_json_with_a_charset_parameter_is_taken(client, runtime):
    """`application/json; charset=utf-8` is JSON."""
    resp = await client.post("/api/v1/complaints", data=f'{{"text": "{TEXT}"}}'.encode(),
                             headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert resp.status == 201
    assert complaints(runtime) == 1


@pytest.mark.parametrize("path, body", [
    ("/api/v1/complaints/{code}/assign", '{"agency": "pupr-loteng"}'),
    ("/api/v1/complaints/{code}/status", '{"status": "rejected", "note": "spam"}'),
])
async def test_operator_posts_not_sent_as_json_are_415(client, runtime, operator_headers, path, body):
    """The operator's assign and status refuse a text/plain body, and the complaint stays as it was."""
    runtime.limiter.per_minute = 1000
    code = await submit(client)
    resp = await client.post(path.format(code=code), data=body.encode(),
                             headers={**operator_headers, "Content-Type": "text/plain"})
    assert resp.status == 415
    assert (await resp.json())["error"]["code"] == "unsupported_media_type"
    detail = await (await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)).json()
    assert detail["status"] != "rejected" and [e["type"] for e in detail["events"]] == ["received", "assigned"]


@pytest.mark.parametrize("action, body", [
    ("status", '{"status": "acknowledged"}'), ("reply", '{"message": "Sedang kami tangani"}'),
    ("forward", '{"agency": "pupr-lotim"}'), ("return", '{"reason": "bukan wewenang kami"}'),
])
async def test_agency_posts_not_sent_as_json_are_415(client, runtime, action, body):
    """Every agency action refuses a form-encoded body; the ticket stays with the agency, unacknowledged."""
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash(AGENCY_TOKEN), "agency", "pupr-loteng", None, datetime.now(timezone.utc))
    code = await submit(client)
    headers = {"Authorization": f"Bearer {AGENCY_TOKEN}", "Content-Type": "application/x-www-form-urlencoded"}
    resp = await client.post(f"/api/v1/agency/tickets/{code}/{action}", data=body.encode(), headers=headers)
    assert resp.status == 415
    ticket = await (await client.get(f"/api/v1/agency/tickets/{code}",
                                     headers={"Authorization": f"Bearer {AGENCY_TOKEN}"})).json()
    assert ticket["status"] == "assigned" and ticket["agency"]["code"] == "pupr-loteng"


async def test_bodyless_routes_take_an_empty_post_but_refuse_a_body_of_another_type(client, operator_headers):
    """Reload and retry take no body: an empty POST works, a text/plain body is 415."""
    assert (await client.post("/api/v1/admin/reload", headers=operator_headers)).status == 200
    refused = await client.post("/api/v1/admin/reload", data=b"reload=1",
                                headers={**operator_headers, "Content-Type": "text/plain"})
    assert refused.status == 415
    retried = await client.post("/api/v1/deliveries/no-such-id/retry", data=b"x",
                                headers={**operator_headers, "Content-Type": "text/plain"})
    assert retried.status == 415


async def test_behind_one_proxy_the_entry_it_wrote_is_counted(client, runtime):
    """With one proxy, a client rotating the X-Forwarded-For entry it writes is still limited by its real address."""
    runtime.limiter.trust_forwarded_for = 1
    runtime.limiter.per_minute = 2
    statuses = []
    for forged in ("6.6.6.6", "6.6.6.7", "6.6.6.8"):
        resp = await client.post("/api/v1/complaints", json={"text": TEXT},
                                 headers={"X-Forwarded-For": f"{forged}, 203.0.113.7"})
        statuses.append(resp.status)
    assert statuses == [201, 201, 429]
    other = await client.post("/api/v1/complaints", json={"text": TEXT},
                              headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.8"})
    assert other.status == 201
    assert complaints(runtime) == 3


async def test_behind_two_proxies_the_second_entry_from_the_right_is_counted(client, runtime):
    """With two proxies the client is the second entry from the right, however many lines the header has."""
    runtime.limiter.trust_forwarded_for = 2
    runtime.limiter.per_minute = 1
    first = await client.post("/api/v1/complaints", json={"text": TEXT},
                              headers=[("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), ("X-Forwarded-For", "10.0.0.2")])
    again = await client.post("/api/v1/complaints", json={"text": TEXT},
                              headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.0.0.9"})
    assert (first.status, again.status) == (201, 429)
    assert runtime.limiter.address("10.0.0.1", "203.0.113.9") == "203.0.113.9"  # fewer entries: the leftmost


@pytest.mark.parametrize("value, proxies", [("", 0), ("0", 0), ("1", 1), ("true", 1), ("3", 3)])
def test_trust_forwarded_for_is_a_number_of_proxies(value, proxies):
    """ADUAN_TRUST_FORWARDED_FOR counts trusted proxies; `true` keeps meaning one."""
    assert Env.from_environ({"ADUAN_TRUST_FORWARDED_FOR": value}).trust_forwarded_for == proxies


def test_trust_forwarded_for_refuses_what_is_not_a_number():
    """A value that is not a count of proxies is an error at start, not a guess."""
    with pytest.raises(ValueError, match="number of trusted proxies"):
        Env.from_environ({"ADUAN_TRUST_FORWARDED_FOR": "nginx"})


@pytest.mark.parametrize("field, body", [
    ("category", {"category": "jalan\r\nBcc: victim@example.com"}),
    ("category", {"category": "jalan\n"}),
    ("region", {"region": "lombok-tengah\x00"}),
    ("reporter.name", {"reporter": {"name": "Siti\rBcc: x"}}),
    ("reporter.phone", {"reporter": {"phone": "+6281234567\n"}}),
    ("reporter.email", {"reporter": {"email": "siti@example.id\r\nBcc: victim@example.com"}}),
    ("reporter.name", {"reporter": {"name": "Siti\x7f"}}),
    ("reporter.name", {"reporter": {"name": "Siti\u2028Ani"}}),
])
async def test_a_control_character_in_a_single_line_field_is_400_naming_it(client, runtime, field, body):
    """CR, LF, NUL, DEL or a line separator in a single-line field is 400 naming the field; nothing is stored."""
    resp = await client.post("/api/v1/complaints", json={"text": TEXT, **body})
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_input" and error["message"].startswith(f"{field}: ")
    assert complaints(runtime) == 0


async def test_the_text_may_hold_newlines(client, runtime):
    """The complaint's text is not a single-line field."""
    await submit(client, text="Jalan rusak di Praya.\r\nSudah dua bulan.\nMohon diperbaiki.")
    assert complaints(runtime) == 1


async def test_a_burst_of_unknown_tracking_codes_ends_in_429(client, runtime):
    """Guessing codes runs out: each unknown code counts in full, and the limit answers 429 with Retry-After."""
    runtime.limiter.per_minute = 5
    statuses = [(await client.get(f"/api/v1/track/NTB-GUESS{i:03d}")).status for i in range(6)]
    assert statuses == [404] * 5 + [429]
    refused = await client.get("/api/v1/track/NTB-GUESS999")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 0
    assert (await refused.json())["error"]["code"] == "rate_limited"


async def test_known_codes_are_looked_up_more_often_than_unknown_ones(client, runtime):
    """A citizen checking a real code weighs a quarter of a guess: 8 lookups fit in the 2 a submission leaves of 3."""
    runtime.limiter.per_minute = 3
    code = await submit(client)
    statuses = [(await client.get(f"/api/v1/track/{code}")).status for _ in range(9)]
    assert statuses == [200] * 8 + [429]


async def test_invalid_submissions_count_less_than_complaints(client, runtime):
    """Seven typos from a shared address still leave room for a complaint; two complaints fill a limit of 2."""
    runtime.limiter.per_minute = 2
    typos = [(await client.post("/api/v1/complaints", json={"txt": TEXT})).status for _ in range(7)]
    assert typos == [400] * 7
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 201
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 429
    assert complaints(runtime) == 1
