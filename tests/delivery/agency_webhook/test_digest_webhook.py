"""An agency's webhook receives the sweep's digest as JSON, signed as tickets are; a corrupt digest row is final."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import insert, select

from agency_webhook_helpers import AGENCY
from providers.outcome import Delivered, Delivery, Permanent, RetryLater
from delivery.ticket import ticket_preparer
from delivery.webhook import make_webhook_deliverer
from delivery.worker import OutboxWorker
from store.models import Outbox

URL = "http://aduan.test/agency/tickets/"
DIGEST = {
    "audience": "agency",
    "agency": {"code": AGENCY, "name": "Puskesmas Aikmel"},
    "at": "2026-03-23T08:00:00+08:00",
    "open": 2, "overdue": 1, "dead_deliveries": 0,
    "by_status": {"assigned": 1, "in_progress": 1},
    "overdue_tickets": [{"code": "NTB-7K3QX9P2", "status": "assigned", "category": "obat",
                         "region": {"code": "lotim-aikmel", "name": "Kecamatan Aikmel"},
                         "due_at": "2026-03-20T16:00:00+08:00", "ticket_url": URL + "NTB-7K3QX9P2"}],
    "open_tickets": [{"code": "NTB-4HWM2RT8", "status": "in_progress", "category": None, "region": None,
                      "due_at": None, "ticket_url": URL + "NTB-4HWM2RT8"}],
    "more_overdue": 0, "more_open": 0,
}


def digest_delivery(target: str, payload: dict | None = None) -> Delivery:
    """The Delivery of a digest row for the test agency's webhook."""
    return Delivery(str(uuid.uuid4()), "webhook", target, "digest",
                    {"digest": DIGEST} if payload is None else payload, 1, AGENCY)


async def test_digest_arrives_signed_with_the_digest_as_written(agency, webhook_runtime, session):
    """The agency gets {event, delivery_id, sent_at, digest}: the digest unchanged, signed, X-Aduan-Event: digest."""
    delivery = digest_delivery(agency.url)
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session)
    assert outcome == Delivered("HTTP 200")
    [req] = agency.requests
    assert req["method"] == "POST" and req["path"] == "/aduan/hook" and req["signed"]
    assert req["headers"]["X-Aduan-Event"] == "digest"
    assert req["headers"]["X-Aduan-Delivery"] == delivery.delivery_id
    assert req["headers"]["Content-Type"] == "application/json" and req["headers"]["User-Agent"] == "Aduan"
    body = orjson.loads(req["body"])
    assert set(body) == {"event", "delivery_id", "sent_at", "digest"}
    assert (body["event"], body["delivery_id"]) == ("digest", delivery.delivery_id)
    assert datetime.fromisoformat(body["sent_at"]).tzinfo is not None
    assert body["digest"] == DIGEST
    assert agency.tickets == {delivery.delivery_id: body}


async def test_digest_row_goes_through_the_outbox_untouched_by_ticket_rendering(agency, webhook_runtime):
    """A digest row (no complaint, no code) is claimed, prepared and delivered by the worker as the sweep wrote it."""
    now = datetime.now(timezone.utc)
    delivery_id = str(uuid.uuid4())
    with webhook_runtime.db.writer.begin() as conn:
        conn.execute(insert(Outbox), [{
            "delivery_id": delivery_id, "complaint_id": None, "audience": "agency", "transport": "webhook",
            "agency": AGENCY, "target": agency.url, "event": "digest", "payload": {"digest": DIGEST},
            "state": "pending", "attempts": 0, "next_attempt_at": now, "lease_until": None, "last_error": None,
            "created_at": now, "updated_at": now}])
    worker = OutboxWorker(webhook_runtime.db, {"webhook": make_webhook_deliverer(webhook_runtime.tickets)},
                          prepare=ticket_preparer(webhook_runtime.tickets))
    assert await worker.run_once(now=now + timedelta(seconds=1)) == 1
    with webhook_runtime.db.reader.connect() as conn:
        state = conn.execute(select(Outbox.state).where(Outbox.delivery_id == delivery_id)).scalar_one()
    assert state == "delivered"
    assert agency.tickets[delivery_id]["digest"] == DIGEST


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (503, {"Retry-After": "60"}, RetryLater("HTTP 503: agency down", 60.0)),
        (429, {}, RetryLater("HTTP 429: agency down")),
        (410, {}, Permanent("HTTP 410: agency down")),
        (202, {}, Delivered("HTTP 202")),
    ],
)
async def test_digest_answers_are_classified_as_tickets_are(agency, webhook_runtime, session, status, headers,
                                                             expected):
    """5xx and 429 retry (honouring Retry-After), another 4xx is final, any 2xx is delivered."""
    agency.status, agency.answer_headers, agency.answer_text = status, headers, "agency down"
    assert await make_webhook_deliverer(webhook_runtime.tickets)(digest_delivery(agency.url), session) == expected


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, 'digest delivery has no "digest" object in its payload'),
        ({"code": "NTB-7K3QX9P2"}, 'digest delivery has no "digest" object in its payload'),
        ({"digest": "12 terbuka"}, "digest delivery cannot be shown: the digest is not an object"),
        ({"digest": {**DIGEST, "audience": "public"}},
         "digest delivery cannot be shown: audience is 'public', not agency or operators"),
        ({"digest": {k: v for k, v in DIGEST.items() if k != "overdue_tickets"}},
         "digest delivery cannot be shown: overdue_tickets is not a list"),
        ({"digest": {**DIGEST, "at": "2026-03-23 08:00"}},
         "digest delivery cannot be shown: at is not an ISO 8601 time with an offset"),
    ],
)
async def test_a_corrupt_digest_row_is_final_and_sends_nothing(agency, webhook_runtime, session, payload, detail):
    """A digest row without a readable digest cannot be mended by retrying: a final failure saying what is wrong."""
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(digest_delivery(agency.url, payload), session)
    assert outcome == Permanent(detail)
    assert agency.requests == []


async def test_digest_without_the_agency_secret_is_not_sent_unsigned(agency, webhook_runtime, session, monkeypatch):
    """The digest, like a ticket, is never POSTed unsigned."""
    delivery = replace(digest_delivery(agency.url), agency="dinkes-ntb")
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session)
    assert isinstance(outcome, Permanent) and "ADUAN_AGENCY_SECRET_DINKES_NTB" in outcome.detail
    assert agency.requests == []
