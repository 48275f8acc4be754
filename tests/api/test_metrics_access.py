"""GET /metrics: only from this machine or with a token, and figures from a cache at most 30 s old."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web

from app.build import build_runtime
from app.server import create_app
from api.auth import Principal, token_hash
from api.metrics import allowed
from edges.metrics import Metrics
from store import access
from tests.conftest import OPERATOR_TOKEN

OUTSIDE = "198.51.100.20"
TEXT = "Jalan rusak parah di Praya, mohon segera diperbaiki"


@pytest.mark.parametrize("peer, principal, expected", [
    ("127.0.0.1", None, True),
    ("127.8.9.10", None, True),
    ("::1", None, True),
    ("::ffff:127.0.0.1", None, True),
    (OUTSIDE, None, False),
    ("10.0.0.1", None, False),
    ("::ffff:198.51.100.20", None, False),
    (None, None, False),
    ("not an address", None, False),
    (OUTSIDE, Principal("operator"), True),
    (OUTSIDE, Principal("operator", None, 7, "reports"), True),
    (OUTSIDE, Principal("agency", "pupr-loteng", 8, None), False),
    (OUTSIDE, Principal("agency", "pupr-loteng", 9, "metrics"), True),
])
def test_who_may_read_metrics(peer, principal, expected):
    """A loopback peer or an operator's or metrics token may scrape; anyone else may not."""
    assert allowed(peer, principal) is expected


def seen_from(app: web.Application, peer: str) -> web.Application:
    """Make the app see every request as coming from `peer` (the test client always connects from loopback)."""

    @web.middleware
    async def elsewhere(request: web.Request, handler):
        return await handler(request.clone(remote=peer))

    app.middlewares.insert(0, elsewhere)
    return app


@pytest.fixture
async def outside(aiohttp_client, runtime):
    """A client of the whole app that the app sees as coming from another machine."""
    return await aiohttp_client(seen_from(create_app(runtime), OUTSIDE))


def store_token(runtime, token: str, role: str = "operator", agency: str | None = None, label: str | None = None,
                expires_at: datetime | None = None) -> int:
    """Store a token and return its id."""
    with runtime.db.writer.begin() as conn:
        return access.add_token(conn, token_hash(token), role, agency, label, datetime.now(timezone.utc), expires_at)


async def test_metrics_from_another_machine_without_a_token_are_401(outside):
    """A scrape from the network without a token is refused with a JSON error, and shows no figure."""
    resp = await outside.get("/metrics")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthorized"
    assert "aduan_complaints" not in await resp.text()


async def test_a_forged_loopback_forwarded_for_does_not_open_metrics(outside, runtime):
    """X-Forwarded-For: 127.0.0.1 is not loopback: the TCP peer decides, even behind a trusted proxy."""
    runtime.limiter.trust_forwarded_for = 1
    assert (await outside.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})).status == 401


async def test_metrics_from_another_machine_with_a_good_token_are_200(outside, runtime):
    """ADUAN_OPERATOR_TOKEN, an operator's token and a `--label metrics` token each may scrape."""
    store_token(runtime, "operator-script-token-0123456789", label="reports")
    store_token(runtime, "metrics-scraper-token-0123456789", label="metrics")
    for token in (OPERATOR_TOKEN, "operator-script-token-0123456789", "metrics-scraper-token-0123456789"):
        resp = await outside.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200, token
        assert "aduan_complaints" in await resp.text()


async def test_revoked_expired_and_agency_tokens_cannot_read_metrics(outside, runtime):
    """A revoked or expired token is 401 at once; an agency's token is 403."""
    revoked = store_token(runtime, "revoked-metrics-token-0123456789", label="metrics")
    with runtime.db.writer.begin() as conn:
        access.revoke_token(conn, revoked, datetime.now(timezone.utc))
    store_token(runtime, "expired-metrics-token-0123456789", label="metrics",
                expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    store_token(runtime, "agency-own-token-0123456789", role="agency", agency="pupr-loteng")
    for token, status in (("revoked-metrics-token-0123456789", 401), ("expired-metrics-token-0123456789", 401),
                          ("agency-own-token-0123456789", 403), ("made-up", 401)):
        resp = await outside.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == status, token
        assert "aduan_complaints" not in await resp.text()


async def test_metrics_from_this_machine_need_no_token(client):
    """A scrape from loopback (Prometheus on the same host) is served without a token."""
    resp = await client.get("/metrics")
    assert resp.status == 200 and "aduan_outbox_depth" in await resp.text()


def figure(text: str, name: str) -> float:
    """The value of one sample line in Prometheus text."""
    return next(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + " "))


async def test_gauges_come_from_a_cache_at_most_30_seconds_old(aiohttp_client, env, sample_config):
    """Two scrapes a second apart show the same count though a complaint came in between; past 30 s, the new one."""
    now = [1000.0]
    runtime = build_runtime(env, sample_config, metrics=Metrics(clock=lambda: now[0]))
    client = await aiohttp_client(create_app(runtime))
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 201
    first = await (await client.get("/metrics")).text()
    assert figure(first, 'aduan_complaints{status="assigned"}') == 1
    assert figure(first, 'aduan_complaints{status="triage"}') == 0
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 201
    now[0] += 1
    cached = await (await client.get("/metrics")).text()
    assert figure(cached, 'aduan_complaints{status="assigned"}') == 1
    now[0] += 29
    fresh = await (await client.get("/metrics")).text()
    assert figure(fresh, 'aduan_complaints{status="assigned"}') == 2


async def test_behind_a_proxy_on_this_machine_a_scrape_from_outside_needs_a_token(client, runtime):
    """Behind nginx on the same machine every peer is loopback: the client the proxy names decides, so a scrape from
    outside is 401 and one from this machine through the proxy is still 200."""
    runtime.limiter.trust_forwarded_for = 1
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).status == 401
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})).status == 200
