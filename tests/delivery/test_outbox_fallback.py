"""A citizen notice its platform refuses is recorded undeliverable and goes by SMS when it can (SPEC 16); a provider's
status callbacks are kept with their delivery, and a `failed` one falls back the same way."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from complaints.model import Reporter
from delivery.worker import OutboxWorker
from providers.outcome import Delivered, Permanent, StatusReport
from store import fallback
from store.models import DeliveryAttempt, DeliveryStatus, Outbox
from tests.delivery.conftest import NOW

WA = "6281234567890"


def notices(runtime, transport: str | None = None) -> list:
    """The citizen rows, oldest first."""
    query = select(Outbox.__table__).where(Outbox.audience == "citizen").order_by(Outbox.id)
    if transport is not None:
        query = query.where(Outbox.transport == transport)
    with runtime.db.reader.connect() as conn:
        return conn.execute(query).all()


def whatsapp_complaint(runtime, file_complaint, phone: str | None = f"+{WA}", wa: str = WA) -> str:
    """A WhatsApp complaint, acknowledged by a notice to the wa_id; the reporter's number as WhatsApp gives it."""
    return file_complaint(runtime, "Jalan rusak di Praya", channel="whatsapp", sender_id=wa, reply_to=wa,
                          mergeable=True, reporter=Reporter(phone=phone, channel_user_id=wa))


async def test_a_refused_notice_is_undeliverable_and_goes_by_sms(runtime, file_complaint, fake):
    """The platform's refusal: the row is undeliverable with its reason, and an SMS with the same text stands in for it,
    pointing back at it; the SMS goes out in a later round to the reporter's number."""
    code = whatsapp_complaint(runtime, file_complaint)
    sms = fake(Delivered("HTTP 201"))
    worker = OutboxWorker(runtime.db, {"whatsapp": fake(Permanent("outside the window", fallback=True)), "sms": sms},
                          rng=random.Random(1))
    assert await worker.run_once(NOW) == 1
    [refused] = notices(runtime, "whatsapp")
    assert refused.state == "undeliverable"
    assert refused.last_error == "outside the window; " + fallback.BY_SMS
    [stand_in] = notices(runtime, "sms")
    assert (stand_in.state, stand_in.target, stand_in.fallback_of, stand_in.event) == \
        ("pending", f"+{WA}", refused.id, refused.event)
    assert stand_in.payload == {k: refused.payload[k] for k in ("code", "text", "language")}
    assert code in stand_in.payload["text"]
    assert await worker.run_once(NOW + timedelta(seconds=1)) == 1
    assert [d.target for d in sms.seen] == [f"+{WA}"]
    with runtime.db.reader.connect() as conn:
        outcomes = conn.execute(select(DeliveryAttempt.outcome).where(DeliveryAttempt.outbox_id == refused.id)).all()
    assert [o.outcome for o in outcomes] == ["undeliverable"]


async def test_without_a_number_or_a_gateway_the_reason_says_why(runtime, file_complaint, fake):
    """No phone number known: no SMS, and the reason says the citizen could not be told; no SMS gateway: it says so."""
    whatsapp_complaint(runtime, file_complaint, phone=None)
    worker = OutboxWorker(runtime.db, {"whatsapp": fake(Permanent("outside the window", fallback=True)),
                                       "sms": fake(Delivered())}, rng=random.Random(1))
    await worker.run_once(NOW)
    [row] = notices(runtime)
    assert (row.state, row.last_error) == ("undeliverable", "outside the window; " + fallback.NO_NUMBER)

    whatsapp_complaint(runtime, file_complaint, wa="6281999999999")
    alone = OutboxWorker(runtime.db, {"whatsapp": fake(Permanent("blocked", fallback=True))}, rng=random.Random(1))
    await alone.run_once(NOW)
    last = notices(runtime)[-1]
    assert (last.state, last.last_error) == ("undeliverable", "blocked; " + fallback.NO_GATEWAY)
    assert notices(runtime, "sms") == []


async def test_a_plain_permanent_failure_does_not_fall_back(runtime, file_complaint, fake):
    """A permanent failure that is not the platform's rule (a bad request) stays dead, with no SMS."""
    whatsapp_complaint(runtime, file_complaint)
    worker = OutboxWorker(runtime.db, {"whatsapp": fake(Permanent("HTTP 400")), "sms": fake(Delivered())},
                          rng=random.Random(1))
    await worker.run_once(NOW)
    assert [r.state for r in notices(runtime)] == ["dead"]


async def test_the_message_id_is_kept_and_statuses_apply_to_it(runtime, file_complaint, fake):
    """The provider's id of a delivered message is kept; its statuses move it forward only, each kept once; a failed
    one flips it undeliverable and falls back once, however often it is reported; unknown ids change nothing."""
    whatsapp_complaint(runtime, file_complaint)
    worker = OutboxWorker(runtime.db, {"whatsapp": fake(Delivered("HTTP 200", message_id="wamid.A1")),
                                       "sms": fake(Delivered())}, rng=random.Random(1))
    await worker.run_once(NOW)
    [row] = notices(runtime)
    assert (row.state, row.provider_message_id) == ("delivered", "wamid.A1")

    def report(*reports, sms=True):
        with runtime.db.writer.begin() as conn:
            return fallback.record_statuses(conn, reports, NOW, sms)

    assert report(StatusReport("whatsapp", "wamid.A1", "delivered", NOW),
                  StatusReport("whatsapp", "wamid.A1", "sent", NOW),
                  StatusReport("whatsapp", "wamid.OTHER", "read", NOW)) == {"matched": 2, "waiting": 0, "unmatched": 1,
                                                                      "fell_back": 0}
    assert notices(runtime)[0].provider_status == "delivered"  # "sent" after "delivered" does not move it back
    failed = StatusReport("whatsapp", "wamid.A1", "failed", NOW, 131047, "Re-engagement message")
    assert report(failed)["fell_back"] == 1
    assert report(failed)["fell_back"] == 0
    row, stand_in = notices(runtime)
    assert (row.state, row.provider_status) == ("undeliverable", "failed")
    assert row.last_error == "reported failed by whatsapp: 131047 Re-engagement message; " + fallback.BY_SMS
    assert (stand_in.transport, stand_in.fallback_of) == ("sms", row.id)
    with runtime.db.reader.connect() as conn:
        kept = conn.execute(select(DeliveryStatus.status, DeliveryStatus.code).where(DeliveryStatus.outbox_id == row.id)
                            .order_by(DeliveryStatus.id)).all()
    assert [tuple(k) for k in kept] == [("delivered", None), ("sent", None), ("failed", 131047)]


async def test_a_failed_status_of_an_sms_never_falls_back_again(runtime, file_complaint, fake):
    """Only a notice on a platform falls back: an SMS row (a stand-in already) marked failed gets no second SMS."""
    whatsapp_complaint(runtime, file_complaint)
    worker = OutboxWorker(runtime.db, {"whatsapp": fake(Permanent("x", fallback=True)),
                                       "sms": fake(Delivered(message_id="SM1"))}, rng=random.Random(1))
    await worker.run_once(NOW)
    await worker.run_once(NOW + timedelta(seconds=1))
    with runtime.db.writer.begin() as conn:
        counts = fallback.record_statuses(conn, [StatusReport("sms", "SM1", "failed", NOW)], NOW, True)
    assert counts == {"matched": 1, "waiting": 0, "unmatched": 0, "fell_back": 0}
    assert [r.transport for r in notices(runtime)] == ["whatsapp", "sms"]


async def test_an_undeliverable_notice_sent_again_falls_back_once(runtime, file_complaint, fake):
    """An operator may send an undeliverable notice again (the citizen wrote since); refused again, it gets no second
    SMS."""
    from store.queries import retry_delivery
    whatsapp_complaint(runtime, file_complaint)
    worker = OutboxWorker(runtime.db, {"whatsapp": fake(Permanent("outside", fallback=True)),
                                       "sms": fake(Delivered())}, rng=random.Random(1))
    await worker.run_once(NOW)
    [row] = notices(runtime, "whatsapp")
    with runtime.db.writer.begin() as conn:
        again, refused = retry_delivery(conn, row.delivery_id, NOW + timedelta(minutes=1))
    assert refused is None and again["state"] == "pending"
    await worker.run_once(NOW + timedelta(minutes=2))
    assert notices(runtime, "whatsapp")[0].state == "undeliverable"
    assert len(notices(runtime, "sms")) == 1


async def test_a_failed_status_that_outruns_the_record_of_its_send_waits_for_it(runtime, file_complaint, fake):
    """WhatsApp may report `failed` before the worker has written the send's wamid: kept while a notice to that
    recipient is being sent, then given to the row when its outcome is written, which flips it and falls back."""
    whatsapp_complaint(runtime, file_complaint)
    early = StatusReport("whatsapp", "wamid.EARLY", "failed", NOW, 131047, "Re-engagement message", recipient=WA)

    async def send_while_meta_reports(delivery, session):
        with runtime.db.writer.begin() as conn:
            assert fallback.record_statuses(conn, [early], NOW, True)["waiting"] == 1
        return Delivered("HTTP 200", message_id="wamid.EARLY")

    worker = OutboxWorker(runtime.db, {"whatsapp": send_while_meta_reports, "sms": fake(Delivered())},
                          rng=random.Random(1))
    await worker.run_once(NOW)
    row, stand_in = notices(runtime)
    assert (row.state, row.provider_status, stand_in.fallback_of) == ("undeliverable", "failed", row.id)
    with runtime.db.writer.begin() as conn:  # a status of nobody's send in flight is dropped
        stray = StatusReport("whatsapp", "wamid.STRAY", "failed", NOW, 131047, recipient=WA)
        assert fallback.record_statuses(conn, [stray], NOW, True)["unmatched"] == 1
