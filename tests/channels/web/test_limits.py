"""The per-address limit on the form and the tracking pages: what counts, how much, and the 429 a citizen sees."""

from __future__ import annotations

import re

from edges.ratelimit import RateLimiter

ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon diperbaiki."


async def test_burst_of_unknown_codes_ends_in_429_with_retry_after(client, runtime):
    """Looking up codes that are no complaint's counts like submissions: past the limit, 429 in Indonesian."""
    runtime.limiter.per_minute = 3
    for i in range(3):
        assert (await client.get(f"/track/NTB-ZZZZZZZ{i}")).status == 404
    response = await client.get("/track/NTB-ZZZZZZZ9")
    html = await response.text()
    assert response.status == 429
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 61
    assert "<h1>Terlalu banyak pencarian</h1>" in html
    assert f"Silakan coba lagi dalam {seconds} detik" in html
    assert "operator seluler" in html  # a shared address is named as a reason
    english = await client.get("/track/NTB-ZZZZZZZ9", params={"lang": "en"})
    assert english.status == 429 and "Too many lookups" in await english.text()


async def test_lookup_form_with_unknown_codes_is_limited_too(client, runtime):
    """Codes typed into /track count: a well-formed one on the status page it leads to, a typo at a quarter."""
    runtime.limiter.per_minute = 1
    for _ in range(4):
        assert (await client.get("/track", params={"code": "abc"})).status == 404
    assert (await client.get("/track", params={"code": "abc"})).status == 429
    assert (await client.get("/track")).status == 200  # the empty form itself is never refused


async def test_lookups_of_a_real_code_weigh_a_quarter(citizen, client, runtime):
    """A family checking its own complaint over and over is not refused as soon as someone guessing codes."""
    runtime.limiter.per_minute = 2
    location = (await citizen.send({"text": ROAD})).headers["Location"]  # weighs 1
    for _ in range(4):  # 4 x 1/4
        assert (await client.get(location)).status == 200
    assert (await client.get(location)).status == 429


async def test_forms_sent_back_with_errors_weigh_a_quarter(citizen, runtime, count_complaints):
    """Seven forms with a mistake from one address still leave room for the corrected one."""
    runtime.limiter.per_minute = 2
    for _ in range(7):
        assert (await citizen.send({"text": ""})).status == 400
    assert (await citizen.send({"text": ROAD})).status == 303
    assert count_complaints() == 1
    refused = await citizen.send({"text": ROAD})
    assert refused.status == 429 and "Terlalu banyak kiriman" in await refused.text()


async def test_valid_submissions_weigh_one(citizen, runtime, count_complaints):
    """Stored complaints count in full: the limit's number of them, then 429."""
    runtime.limiter.per_minute = 2
    for _ in range(2):
        assert (await citizen.send({"text": ROAD})).status == 303
    assert (await citizen.send({"text": ROAD})).status == 429
    assert count_complaints() == 2


def test_limiter_weighs_hits_and_forgets_them_after_a_minute():
    """allow(key, cost) refuses what would pass the limit, charge() tops up, and a minute later all is forgotten."""
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert all(limiter.allow("a", 0.25) for _ in range(8))
    assert not limiter.allow("a", 0.25) and limiter.allow("b")
    assert limiter.retry_after("a", 0.25) == 61
    now[0] += 30
    limiter.charge("b", 5)  # over the limit: recorded all the same
    assert not limiter.allow("b", 0.25)
    now[0] += 31
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert not limiter.allow("b", 0.25)  # the charge of 30 s ago still counts
    now[0] += 30
    assert limiter.allow("b", 2) and not limiter.allow("b", 0.25)
