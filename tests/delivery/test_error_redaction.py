"""No personal data in delivery errors: a provider's text naming the citizen's number or address is stored, logged
and sent in the operators' digest without it."""

from __future__ import annotations

import asyncio
import io
import json
import random
from datetime import datetime, timezone
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from config.logging import configure
from providers.outcome import Permanent, RetryLater
from delivery.redact import redact
from delivery.worker import OutboxWorker
from send_limits_helpers import TEXTS, Services, citizen_rows, start_twilio, submit
from send_limits_helpers import services, twilio  # noqa: F401 - fixtures
from store import models as m
from sweep.job import run_sweep
from tests.delivery.agency_email.conftest import mail_server  # noqa: F401 - the aiosmtpd fixture, reused

PHONE = "+6281234567890"
ADDRESS = "warga@example.com"
TWILIO_400 = {"code": 21211, "message": f"The 'To' number {PHONE} is not a valid phone number.",
              "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py
OPERATORS = "tim@ntbcare.example"  # the triage team's e-mail in the sample agencies.yaml




@pytest.fixture
def json_logs():
    """Capture structlog's JSON lines; call the value to read them parsed."""
    buffer = io.StringIO()
    configure("INFO", json_output=True, stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    configure("INFO")


def digits(text: str) -> str:
    """The digits of a text, so a number is found however it is written."""
    return "".join(c for c in text if c.isdigit())


def body_of(message: EmailMessage) -> str:
    """Both parts of a digest e-mail as one text."""
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")


async def digest_mail(runtime, server, outbox) -> str:
    """Run a sweep and return the operators' digest e-mail as the triage team receives it."""
    await asyncio.to_thread(run_sweep, runtime.db, runtime.config, public_url=runtime.env.public_url)
    runtime.wake_outbox()

    def operators() -> list[EmailMessage]:
        # The triage team reads two digests: its own agency's, and the operators' one that lists dead deliveries.
        return [r.message for r in server.messages if OPERATORS in r.rcpt_tos
                and r.message["Subject"].startswith("[Aduan] Ringkasan tim pengaduan")]

    await outbox.wait_for(lambda: len(operators()) == 1, timeout=10)
    return body_of(operators()[0])


async def dead_citizen_row(runtime, outbox):
    """Wait for the one notice to the citizen to be dead; return it."""
    await outbox.wait_for(lambda: [r.state for r in citizen_rows(runtime)] == ["dead"], timeout=10)
    return citizen_rows(runtime)[0]


async def test_twilio_error_naming_the_number_is_stored_logged_and_digested_without_it(
        services, twilio, mail_server, outbox, operator_headers, json_logs):  # noqa: F811
    """Twilio's 400 "The 'To' number +62… is not a valid phone number": the attempt, the log line and the digest keep
    the error, not the number."""
    twilio.status, twilio.answer = 400, TWILIO_400
    client, runtime = await services.start(twilio, mail_server.url())
    code = await submit(client, TEXTS[0], phone=PHONE)
    row = await dead_citizen_row(runtime, outbox)
    assert twilio.sent[0]["To"] == PHONE  # the provider did get the number and named it back

    view = await (await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)).json()
    [delivery] = [d for d in view["deliveries"] if d["id"] == row.delivery_id]
    stored = [delivery["last_error"], *(a["detail"] for a in delivery["attempts_log"])]
    assert all("21211 The 'To' number [redacted] is not a valid phone number." in s for s in stored)
    assert not any("81234567890" in digits(s) for s in stored)

    [dead] = [line for line in json_logs() if line["event"] == "outbox.dead" and line["delivery_id"] == row.delivery_id]
    assert "21211" in dead["detail"] and "81234567890" not in digits(json.dumps(dead))

    digest = await digest_mail(runtime, mail_server, outbox)
    assert "21211 The 'To' number [redacted]" in digest and "81234567890" not in digits(digest)


async def test_smtp_550_naming_the_address_is_stored_logged_and_digested_without_it(
        services, twilio, mail_server, outbox, operator_headers, json_logs):  # noqa: F811
    """An SMTP "550 5.1.1 <warga@example.com>: Recipient address rejected" is kept without the address."""
    mail_server.rcpt_answer = f"550 5.1.1 <{ADDRESS}>: Recipient address rejected"
    client, runtime = await services.start(twilio, mail_server.url())
    code = await submit(client, TEXTS[1], email=ADDRESS)
    row = await dead_citizen_row(runtime, outbox)

    view = await (await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)).json()
    [delivery] = [d for d in view["deliveries"] if d["id"] == row.delivery_id]
    stored = [delivery["last_error"], *(a["detail"] for a in delivery["attempts_log"])]
    assert all("SMTP 550" in s and "Recipient address rejected" in s for s in stored)
    assert not any("warga" in s.lower() for s in stored)

    [dead] = [line for line in json_logs() if line["event"] == "outbox.dead" and line["delivery_id"] == row.delivery_id]
    assert "SMTP 550" in dead["detail"] and "warga" not in json.dumps(dead).lower()

    mail_server.rcpt_answer = None  # the digest itself must arrive
    digest = await digest_mail(runtime, mail_server, outbox)
    assert "Recipient address rejected" in digest and "warga@" not in digest.lower()


async def test_digest_hides_a_number_in_an_error_stored_before_redaction(services, twilio, mail_server,  # noqa: F811
                                                                         outbox):
    """A dead row whose error still names a number (written before redaction) reaches the digest without it."""
    client, runtime = await services.start(twilio, mail_server.url())
    outbox.add(transport="sms-twilio", audience="citizen", agency=None, target=PHONE, state="dead",
                               last_error=f"HTTP 400: 21211 {TWILIO_400['message']}", payload={"text": "x"})
    digest = await digest_mail(runtime, mail_server, outbox)
    assert "21211 The 'To' number [redacted]" in digest and "81234567890" not in digits(digest)


# Each deliverer's way of naming the destination, as its provider documents its errors.
PROVIDER_TEXTS = [
    ("sms-twilio", PHONE, f"HTTP 400: 21211 The 'To' number {PHONE} is not a valid phone number."),
    ("sms-vonage", "6281234567890", "status 3: Invalid to: 6281234567890"),
    ("sms-generic", "081234567890", 'HTTP 422: {"error": "destination +62 812-3456-7890 unreachable"}'),
    ("whatsapp", "6281234567890",
     "HTTP 400: OAuthException 131030: (#131030) Recipient phone number +6281234567890 not in allowed list"),
    ("facebook", "4512345678901234", "HTTP 400: OAuthException 100: No matching user found for 4512345678901234"),
    ("telegram", "987654321", "BadRequest: Chat not found: 987654321"),
    ("email", ADDRESS, "SMTP 550: recipient refused: 5.1.1 <Warga@Example.com>: Recipient address rejected"),
]


@pytest.mark.parametrize(("transport", "target", "text"), PROVIDER_TEXTS, ids=[t for t, _, _ in PROVIDER_TEXTS])
async def test_every_deliverers_detail_is_stored_without_its_target(db, outbox, fake, transport, target, text):
    """Whatever the deliverer, a permanent or a retry detail naming the target is stored without it."""
    [dead] = outbox.add(transport=transport, audience="citizen", agency=None, target=target, payload={"text": "x"})
    worker = OutboxWorker(db, {transport: fake(Permanent(text))}, rng=random.Random(1))
    await worker.run_once(T0)
    [retry] = outbox.add(transport=transport, audience="citizen", agency=None, target=target, payload={"text": "y"})
    await OutboxWorker(db, {transport: fake(RetryLater(text))}, rng=random.Random(1)).run_once(T0)
    with db.reader.connect() as conn:
        details = conn.scalars(select(m.DeliveryAttempt.detail)).all()
    rows = [outbox.get(dead), outbox.get(retry)]
    assert [r.state for r in rows] == ["dead", "failed"]
    for stored in [*details, *(r.last_error for r in rows)]:
        assert "[redacted]" in stored
        assert target.lower() not in stored.lower()
        assert not digits(target) or digits(target).lstrip("0") not in digits(stored)


@pytest.mark.parametrize(("text", "kept"), [
    ("HTTP 503: retry after 2026-11-24 08:00:00, code 21211", "HTTP 503: retry after 2026-11-24 08:00:00, code 21211"),
    ("HTTP 429: too many requests", "HTTP 429: too many requests"),
    ("Bad Request: chat 0812 3456 7890 is gone", "Bad Request: chat [redacted] is gone"),
    ("call +44 7700 900123 now", "call [redacted] now"),
    ("bounce from budi.s+aduan@mail.example.co.id", "bounce from [redacted]"),
])
def test_numbers_and_addresses_are_masked_and_codes_and_dates_kept(text, kept):
    """The second line: anything shaped like a phone number or an address goes, status codes and times stay."""
    assert redact(text) == kept
