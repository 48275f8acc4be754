"""Idempotency-Key is its caller's own (token, else address) and kept 7 days (SPEC section 17)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from api import idempotency, public
from store import models as m
from tests.conftest import OPERATOR_TOKEN

TEXT = "Jalan rusak parah di Praya, mohon segera diperbaiki"
KEY = {"Idempotency-Key": "order-2026-0001"}


def complaints(runtime) -> int:
    """How many complaints are stored."""
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.Complaint)).scalar_one()


def received_at(runtime, at: datetime) -> None:
    """Date the newest stored API message `at`, as the writer would have when the test's clock is the time."""
    with runtime.db.writer.begin() as conn:
        newest = conn.execute(select(func.max(m.InboundMessage.id))).scalar_one()
        conn.execute(update(m.InboundMessage).where(m.InboundMessage.id == newest).values(received_at=at))


def from_address(address: str, **headers) -> dict[str, str]:
    """Headers of a request our one trusted proxy forwards from `address`."""
    return {**KEY, "X-Forwarded-For": address, **headers}


@pytest.fixture
def behind_proxy(runtime):
    """The runtime behind one trusted proxy, with room for many submissions."""
    runtime.limiter.trust_forwarded_for = 1
    runtime.limiter.per_minute = 1000
    return runtime


async def test_another_address_using_the_same_key_gets_its_own_complaint(client, behind_proxy):
    """A second caller reusing a key learns nothing of the first: not its code, not a 422, a complaint of its own."""
    first = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("203.0.113.7"))
    same_body = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("203.0.113.8"))
    other_body = await client.post("/api/v1/complaints", json={"text": "Lampu jalan mati di Praya"},
                                   headers=from_address("203.0.113.9"))
    assert (first.status, same_body.status, other_body.status) == (201, 201, 201)
    codes = {(await r.json())["code"] for r in (first, same_body, other_body)}
    assert len(codes) == 3
    assert "Idempotent-Replayed" not in same_body.headers and "Idempotent-Replayed" not in other_body.headers
    assert complaints(behind_proxy) == 3


async def test_the_same_caller_repeating_gets_the_first_answer(client, behind_proxy):
    """One address sending the same key twice gets the first result, and one complaint."""
    first = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("203.0.113.7"))
    again = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("203.0.113.7"))
    assert await first.json() == await again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert complaints(behind_proxy) == 1


async def test_a_token_scopes_its_keys_whatever_the_address(client, behind_proxy):
    """A token's key is the token's: replayed from another address, and apart from an anonymous caller's."""
    token = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    first = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("203.0.113.7", **token))
    moved = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("198.51.100.4", **token))
    anonymous = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=from_address("203.0.113.7"))
    assert (await moved.json())["code"] == (await first.json())["code"]
    assert (await anonymous.json())["code"] != (await first.json())["code"]
    assert complaints(behind_proxy) == 2


async def test_a_key_with_a_token_that_is_not_valid_is_401_and_stores_nothing(client, runtime):
    """A made-up token does not fall back to the address: 401, nothing stored."""
    resp = await client.post("/api/v1/complaints", json={"text": TEXT},
                             headers={**KEY, "Authorization": "Bearer made-up"})
    assert resp.status == 401
    assert complaints(runtime) == 0


async def test_a_key_over_200_characters_is_400(client, runtime):
    """The key is bounded: it becomes part of a stored id."""
    resp = await client.post("/api/v1/complaints", json={"text": TEXT}, headers={"Idempotency-Key": "k" * 201})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_idempotency_key"
    assert complaints(runtime) == 0


@pytest.mark.parametrize("into_period", [timedelta(hours=2), timedelta(days=6, hours=22)])
async def test_a_key_is_kept_seven_days_then_free(client, behind_proxy, monkeypatch, into_period):
    """Six days later the key still answers the first result; past seven days it opens a new complaint."""
    start = datetime(1970, 1, 1, tzinfo=timezone.utc) + idempotency.KEPT * 2950 + into_period
    clock = [start]
    monkeypatch.setattr(public, "now", lambda: clock[0])
    headers = from_address("203.0.113.7")
    first = await (await client.post("/api/v1/complaints", json={"text": TEXT}, headers=headers)).json()
    received_at(behind_proxy, start)
    clock[0] = start + timedelta(days=6, hours=23)
    within = await client.post("/api/v1/complaints", json={"text": TEXT}, headers=headers)
    assert (await within.json())["code"] == first["code"] and within.headers["Idempotent-Replayed"] == "true"
    clock[0] = start + timedelta(days=7, minutes=1)
    after = await client.post("/api/v1/complaints", json={"text": "Lampu jalan mati di Praya"}, headers=headers)
    assert after.status == 201 and "Idempotent-Replayed" not in after.headers
    renewed = (await after.json())["code"]
    received_at(behind_proxy, clock[0])
    assert renewed != first["code"]
    clock[0] = start + timedelta(days=13)
    repeated = await client.post("/api/v1/complaints", json={"text": "Lampu jalan mati di Praya"}, headers=headers)
    assert (await repeated.json())["code"] == renewed
    assert complaints(behind_proxy) == 2
