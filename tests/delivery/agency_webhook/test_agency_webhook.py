"""An agency receives its ticket as JSON signed with its own secret; every failure is classified, no secret leaks."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from agency_webhook_helpers import AGENCY, SECRET, VARIABLE, webhook_row
from providers.outcome import Delivered, Permanent, RetryLater
from delivery.webhook import make_webhook_deliverer, retry_after_seconds
from delivery.worker import OutboxWorker

REPORTER = {"name": "Baiq Nurul Aini", "phone": "+6281234500017", "email": "baiq.nurul@example.id"}


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_ticket_arrives_signed_with_the_spec_headers(agency, submit, webhook_runtime, session):
    """A new assignment is POSTed to the agency's URL, signed over the raw body, with event, delivery id and UA."""
    code, delivery = await submit(reporter=REPORTER)
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session)
    assert outcome == Delivered("HTTP 200")
    [req] = agency.requests
    assert req["method"] == "POST" and req["path"] == "/aduan/hook" and req["signed"]
    headers = req["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Aduan-Event"] == "ticket.assigned"
    assert headers["X-Aduan-Delivery"] == delivery.delivery_id
    assert headers["User-Agent"] == "Aduan"
    body = orjson.loads(req["body"])
    assert set(body) == {"event", "delivery_id", "sent_at", "ticket"}
    assert body["event"] == "ticket.assigned" and body["delivery_id"] == delivery.delivery_id
    assert datetime.fromisoformat(body["sent_at"]).tzinfo is not None
    ticket = body["ticket"]
    assert ticket["code"] == code and ticket["agency"]["code"] == AGENCY and ticket["status"] == "assigned"
    assert ticket["text"] == "Obat di puskesmas Aikmel kosong sudah 2 minggu"
    assert ticket["reporter"]["name"] == REPORTER["name"] and ticket["reporter"]["phone"] == REPORTER["phone"]
    assert ticket["ticket_url"] == f"http://aduan.test/agency/tickets/{code}"
    assert ticket["api_url"] == f"http://aduan.test/api/v1/agency/tickets/{code}"
    assert "rules_version" not in ticket and "language" not in ticket


async def test_anonymous_complaint_reaches_the_agency_without_its_reporter(agency, submit, webhook_runtime, session):
    """The agency's view of an anonymous complaint has no reporter, and no trace of them anywhere in the body."""
    code, delivery = await submit(reporter=REPORTER, anonymous=True)
    assert isinstance(await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session), Delivered)
    [req] = agency.requests
    assert orjson.loads(req["body"])["ticket"]["reporter"] is None
    assert orjson.loads(req["body"])["ticket"]["anonymous"] is True
    for value in REPORTER.values():
        assert value.encode() not in req["body"]


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (500, {}, RetryLater("HTTP 500: agency down")),
        (503, {"Retry-After": "120"}, RetryLater("HTTP 503: agency down", 120.0)),
        (429, {"Retry-After": "7"}, RetryLater("HTTP 429: agency down", 7.0)),
        (400, {}, Permanent("HTTP 400: agency down")),
        (404, {}, Permanent("HTTP 404: agency down")),
        (202, {}, Delivered("HTTP 202")),
        (204, {}, Delivered("HTTP 204")),
    ],
)
async def test_agency_answers_are_classified(agency, submit, webhook_runtime, session, status, headers, expected):
    """Any 2xx is delivered; 5xx and 429 retry (honouring Retry-After); another 4xx is final."""
    agency.status, agency.answer_headers, agency.answer_text = status, headers, "" if status == 204 else "agency down"
    _code, delivery = await submit()
    assert await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session) == expected


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_is_not_followed_with_the_signature(agency, submit, webhook_runtime, session, status):
    """A 3xx is final and names where it pointed; the signed ticket is never sent there."""
    agency.status, agency.answer_headers = status, {"Location": "https://elsewhere.example/steal"}
    _code, delivery = await submit()
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session)
    assert isinstance(outcome, Permanent)
    assert outcome.detail.startswith(f"HTTP {status}") and "https://elsewhere.example/steal" in outcome.detail
    assert len(agency.requests) == 1


async def test_unreachable_agency_is_retried(submit, webhook_runtime, session):
    """Connection refused is worth another try."""
    _code, delivery = await submit()
    target = f"http://127.0.0.1:{free_port()}/aduan/hook"
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(replace(delivery, target=target), session)
    assert isinstance(outcome, RetryLater) and outcome.retry_after is None
    assert "unreachable" in outcome.detail


async def test_slow_agency_is_retried(agency, submit, webhook_runtime, session):
    """An agency that answers after the session's 1 s timeout is a retry, not a hang."""
    agency.delay = 1.5
    _code, delivery = await submit()
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session)
    assert isinstance(outcome, RetryLater) and "timed out" in outcome.detail


@pytest.mark.parametrize("target", ["not a url", "ftp://agency.example/hook", "http:///no-host", "", None])
async def test_invalid_url_is_final(agency, submit, webhook_runtime, session, target):
    """A target that is not an absolute http(s) URL cannot be fixed by trying again."""
    _code, delivery = await submit()
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(replace(delivery, target=target), session)
    assert isinstance(outcome, Permanent) and "invalid webhook URL" in outcome.detail
    assert agency.requests == []


async def test_same_delivery_twice_carries_one_id_so_the_agency_drops_the_duplicate(agency, submit, webhook_runtime,
                                                                                    session):
    """A resend (after a crash or a lost answer) has the same X-Aduan-Delivery; the agency keeps one ticket."""
    _code, delivery = await submit()
    deliver = make_webhook_deliverer(webhook_runtime.tickets)
    assert isinstance(await deliver(delivery, session), Delivered)
    assert isinstance(await deliver(delivery, session), Delivered)
    assert [r["headers"]["X-Aduan-Delivery"] for r in agency.requests] == [delivery.delivery_id] * 2
    assert all(r["signed"] for r in agency.requests)
    assert list(agency.tickets) == [delivery.delivery_id] and agency.duplicates == 1


async def test_outbox_retries_under_the_same_delivery_id_until_delivered(agency, submit, webhook_runtime):
    """Through the outbox worker: a 500 schedules a retry, the retry succeeds, both attempts carry the row's id."""
    code, delivery = await submit()
    worker = OutboxWorker(webhook_runtime.db, {"webhook": make_webhook_deliverer(webhook_runtime.tickets)})
    agency.status = 500
    assert await worker.run_once() == 1
    row = webhook_row(webhook_runtime, code)
    assert row.state == "failed" and row.last_error.startswith("HTTP 500")
    agency.status = 200
    assert await worker.run_once(now=datetime.now(timezone.utc) + timedelta(hours=2)) == 1
    assert webhook_row(webhook_runtime, code).state == "delivered"
    assert [r["headers"]["X-Aduan-Delivery"] for r in agency.requests] == [delivery.delivery_id] * 2
    assert list(agency.tickets) == [delivery.delivery_id]


async def test_missing_secret_is_final_and_names_the_variable(agency, submit, webhook_runtime, session, monkeypatch):
    """Without ADUAN_AGENCY_SECRET_<CODE> nothing is sent unsigned: a final failure that says what to set."""
    _code, delivery = await submit()
    monkeypatch.delenv(VARIABLE)
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(delivery, session)
    assert isinstance(outcome, Permanent) and VARIABLE in outcome.detail
    assert VARIABLE == "ADUAN_AGENCY_SECRET_PUSKESMAS_AIKMEL"
    assert agency.requests == []


async def test_secret_is_read_when_sending(agency, submit, webhook_runtime, session, monkeypatch):
    """A rotated secret signs the next attempt, without rebuilding the deliverer."""
    _code, delivery = await submit()
    deliver = make_webhook_deliverer(webhook_runtime.tickets)
    monkeypatch.setenv(VARIABLE, "rotated-secret-31c2")
    outcome = await deliver(delivery, session)
    assert outcome == Permanent("HTTP 401: bad signature")  # the fake still holds the old secret
    agency.secret = "rotated-secret-31c2"
    assert isinstance(await deliver(delivery, session), Delivered)


async def test_unknown_complaint_is_final(agency, submit, webhook_runtime, session):
    """A row whose complaint is gone has nothing to deliver."""
    _code, delivery = await submit()
    gone = replace(delivery, payload={"code": "NTB-0000000Z"})
    outcome = await make_webhook_deliverer(webhook_runtime.tickets)(gone, session)
    assert isinstance(outcome, Permanent) and "NTB-0000000Z" in outcome.detail
    assert agency.requests == []


async def test_no_secret_in_any_detail_or_log(agency, submit, webhook_runtime, session, monkeypatch, log_text):
    """Whatever happens, neither outcome details, the row's last error nor the logs hold the secret."""
    code, delivery = await submit()
    deliver = make_webhook_deliverer(webhook_runtime.tickets)
    outcomes = []
    agency.answer_text = f"rejected, your secret {SECRET} is wrong"  # an agency echoing the secret back
    for status, headers in ((500, {}), (429, {"Retry-After": "7"}), (400, {}),
                            (302, {"Location": f"https://elsewhere.example/?k={SECRET}"}), (200, {})):
        agency.status, agency.answer_headers = status, headers
        outcomes.append(await deliver(delivery, session))
    agency.delay = 1.5
    outcomes.append(await deliver(delivery, session))
    agency.delay = 0.0
    refused = f"http://127.0.0.1:{free_port()}/aduan/hook?key={SECRET}"
    outcomes.append(await deliver(replace(delivery, target=refused), session))
    agency.status = 500
    await OutboxWorker(webhook_runtime.db, {"webhook": deliver}).run_once()
    monkeypatch.delenv(VARIABLE)
    outcomes.append(await deliver(delivery, session))
    assert [type(o).__name__ for o in outcomes] == ["RetryLater", "RetryLater", "Permanent", "Permanent", "Delivered",
                                                    "RetryLater", "RetryLater", "Permanent"]
    assert "[redacted]" in outcomes[0].detail
    for outcome in outcomes:
        assert SECRET not in outcome.detail
    assert SECRET not in (webhook_row(webhook_runtime, code).last_error or "")
    assert "outbox" in log_text() and SECRET not in log_text()


def test_retry_after_may_be_an_http_date():
    """Retry-After as an HTTP date becomes the seconds until then; as seconds it stays; garbage is ignored."""
    now = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("Tue, 17 Mar 2026 02:01:30 GMT", now) == "90"
    assert retry_after_seconds("Tue, 17 Mar 2026 01:00:00 GMT", now) == "0"
    assert retry_after_seconds("7", now) == "7"
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
