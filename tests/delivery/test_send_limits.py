"""SPEC 17's send limits over HTTP: SMS only to allowed countries, a few a day per destination, a cap an hour in all."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from config.models import SendLimits
from delivery.worker import OutboxWorker
from send_limits_helpers import TEXTS, Services, all_final, citizen_rows, start_twilio, submit
from send_limits_helpers import services, twilio  # noqa: F401 - fixtures
from store.db import open_database
from tests.dashboard.conftest import sign_in
from tests.delivery.agency_email.conftest import mail_server  # noqa: F401 - the aiosmtpd fixture, reused

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)  # the rows' default time in conftest.py




def mails_to(server, address: str) -> int:
    """How many messages the SMTP server accepted for this address (any case)."""
    return sum(1 for msg in server.messages for rcpt in msg.rcpt_tos if rcpt.lower() == address.lower())


async def operator_view(client, operator_headers, code: str) -> dict:
    """The complaint as an operator reads it over the API, deliveries included."""
    resp = await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)
    assert resp.status == 200
    return await resp.json()


@pytest.mark.parametrize("phone", ["+882 1600 0123", "+447700900123"])
async def test_api_reporter_abroad_gets_no_sms_and_the_refusal_names_the_country_rule(
        services, twilio, mail_server, outbox, operator_headers, phone):  # noqa: F811
    """A reporter's +882 or +44 number: 201 and the complaint stored, the SMS refused (sms_countries), Twilio untouched."""
    client, runtime = await services.start(twilio, mail_server.url())
    code = await submit(client, TEXTS[0], phone=phone)
    await outbox.wait_for(lambda: all_final(runtime, 1))

    track = await client.get(f"/api/v1/track/{code}")
    assert track.status == 200
    [delivery] = [d for d in (await operator_view(client, operator_headers, code))["deliveries"]
                  if d["audience"] == "citizen"]
    assert delivery["transport"] == "sms" and delivery["state"] == "refused"
    assert "send_limits.sms_countries" in delivery["last_error"]
    assert [(a["outcome"], a["detail"]) for a in delivery["attempts_log"]] == [("refused", delivery["last_error"])]
    listed = await client.get("/api/v1/deliveries?state=refused", headers=operator_headers)
    assert [(d["id"], d["complaint"]) for d in (await listed.json())["items"]] == [(delivery["id"], code)]
    assert twilio.sent == []


async def test_sixth_notice_to_one_number_in_a_day_is_refused(services, twilio, mail_server, outbox):  # noqa: F811
    """Six complaints from one +62 number: five SMS reach the gateway, the sixth is refused per destination."""
    client, runtime = await services.start(twilio, mail_server.url())
    # The same number in three ways a reporter may type it: one destination.
    forms = ["+6281234567890", "+62 812-3456-7890", "081234567890", "+6281234567890", "0812 3456 7890", "+6281234567890"]
    codes = [await submit(client, text, phone=phone) for text, phone in zip(TEXTS, forms)]
    await outbox.wait_for(lambda: all_final(runtime, 6))

    rows = citizen_rows(runtime)
    assert [r.state for r in rows] == ["delivered"] * 5 + ["refused"]
    assert rows[-1].code == codes[-1]
    assert "send_limits.per_destination_per_day" in rows[-1].last_error
    assert len(twilio.sent) == 5
    assert "NTB-" in twilio.sent[0]["Body"]


async def test_hourly_cap_counts_sms_and_email_together(services, twilio, mail_server, outbox):  # noqa: F811
    """With per_hour 3: two SMS and one e-mail go out, the fourth notice (an e-mail) is refused by per_hour."""
    client, runtime = await services.start(twilio, mail_server.url(), per_hour=3)
    await submit(client, TEXTS[0], phone="+6281200000001")
    await outbox.wait_for(lambda: all_final(runtime, 1))
    await submit(client, TEXTS[1], email="siti@example.id")
    await outbox.wait_for(lambda: all_final(runtime, 2))
    await submit(client, TEXTS[2], phone="+6281200000002")
    await outbox.wait_for(lambda: all_final(runtime, 3))
    last = await submit(client, TEXTS[3], email="budi@example.id")
    await outbox.wait_for(lambda: all_final(runtime, 4))

    rows = citizen_rows(runtime)
    assert [(r.transport, r.state) for r in rows] == [("sms", "delivered"), ("email", "delivered"),
                                                       ("sms", "delivered"), ("email", "refused")]
    assert rows[-1].code == last and "send_limits.per_hour" in rows[-1].last_error
    assert len(twilio.sent) == 2
    assert mails_to(mail_server, "siti@example.id") == 1 and mails_to(mail_server, "budi@example.id") == 0


async def test_sixth_email_to_one_address_in_any_case_is_refused(services, twilio, mail_server, outbox):  # noqa: F811
    """Six complaints from one address written in different cases: five e-mails are accepted, the sixth refused."""
    client, runtime = await services.start(twilio, mail_server.url())
    forms = ["warga@example.com", "Warga@Example.com", "WARGA@EXAMPLE.COM", "warga@example.com", "warga@EXAMPLE.com",
             "Warga@example.com"]
    for text, address in zip(TEXTS, forms):
        await submit(client, text, email=address)
    await outbox.wait_for(lambda: all_final(runtime, 6))

    rows = citizen_rows(runtime)
    assert [r.state for r in rows] == ["delivered"] * 5 + ["refused"]
    assert "send_limits.per_destination_per_day" in rows[-1].last_error
    assert mails_to(mail_server, "warga@example.com") == 5
    assert twilio.sent == []


async def test_a_notice_is_allowed_again_once_the_oldest_send_is_24_hours_old(db, outbox, fake):
    """Five SMS to one number; a sixth 23 h after the first is refused, a seventh 25 h after it goes out."""
    ids = outbox.add(5, transport="sms-twilio", audience="citizen", agency=None, target="+6281234567890",
                     payload={"text": "Aduan NTB-7K3QX9P2 diterima"})
    deliver = fake()
    worker = OutboxWorker(db, {"sms-twilio": deliver}, rng=random.Random(1))
    assert await worker.run_once(T0) == 5
    [sixth] = outbox.add(transport="sms-twilio", audience="citizen", agency=None, target="081234567890",
                         at=T0 + timedelta(hours=23), payload={"text": "Status berubah"})
    await worker.run_once(T0 + timedelta(hours=23))
    [seventh] = outbox.add(transport="sms-twilio", audience="citizen", agency=None, target="6281234567890",
                           at=T0 + timedelta(hours=25), payload={"text": "Aduan selesai"})
    await worker.run_once(T0 + timedelta(hours=25))

    assert outbox.get(sixth).state == "refused"
    assert outbox.get(seventh).state == "delivered"
    assert set(deliver.calls) == {*ids, seventh}


async def test_agency_deliveries_and_telegram_replies_are_not_limited(db, outbox, fake):
    """Only SMS and e-mail to citizens count: ten agency e-mails and ten Telegram replies to one chat all go out."""
    outbox.add(10, transport="email", target="pengaduan@dinkes.ntbprov.example")
    outbox.add(10, transport="telegram", audience="citizen", agency=None, target="123456789",
               payload={"text": "Aduan diterima"})
    worker = OutboxWorker(db, {"email": fake(), "telegram": fake()}, send_limits=lambda: SendLimits(per_hour=1),
                          rng=random.Random(1))
    await worker.run_once(T0)
    assert outbox.states() == Counter(delivered=20)


async def test_a_config_reload_applies_to_the_next_claim(db, outbox, fake):
    """The limits are read at each claim: allowing +44 lets a later SMS to +44 go out."""
    limits = {"now": SendLimits()}
    worker = OutboxWorker(db, {"sms": fake()}, send_limits=lambda: limits["now"], rng=random.Random(1))
    [first] = outbox.add(transport="sms", audience="citizen", agency=None, target="+447700900123",
                         payload={"text": "Aduan diterima"})
    await worker.run_once(T0)
    limits["now"] = SendLimits(sms_countries=["62", "44"])
    [second] = outbox.add(transport="sms", audience="citizen", agency=None, target="+447700900123",
                          payload={"text": "Status berubah"})
    await worker.run_once(T0)
    assert (outbox.get(first).state, outbox.get(second).state) == ("refused", "delivered")


async def test_two_instances_together_send_at_most_the_daily_limit(db, database_url, outbox, fake):
    """Two workers, each with its own engines as another instance has, claim 20 SMS to one number at once: five go."""
    second = open_database(database_url)
    try:
        outbox.add(20, transport="sms", audience="citizen", agency=None, target="+6281234567890",
                   payload={"text": "Aduan diterima"})
        deliver = fake(delay=0.001)
        workers = [OutboxWorker(store, {"sms": deliver}, batch=1, rng=random.Random(i))
                   for i, store in enumerate((db, second))]

        async def drain(worker: OutboxWorker) -> None:
            while await worker.run_once(T0) or outbox.states()["pending"]:
                pass

        await asyncio.gather(*(drain(w) for w in workers))
    finally:
        second.dispose()
    assert outbox.states() == Counter(delivered=5, refused=15)
    assert len(deliver.calls) == 5


async def test_rows_sent_by_another_instance_count(db, outbox, fake):
    """Sends recorded by another instance (delivered, or still being sent) count against the limit here."""
    outbox.add(3, transport="sms-vonage", audience="citizen", agency=None, target="6281234567890", state="delivered",
               payload={"text": "x"}, at=T0 - timedelta(hours=2))
    outbox.add(2, transport="sms-generic", audience="citizen", agency=None, target="081234567890", state="sending",
               payload={"text": "x"}, lease_until=T0 + timedelta(minutes=1))
    [row] = outbox.add(transport="sms", audience="citizen", agency=None, target="+62 812 3456 7890",
                       payload={"text": "Aduan diterima"})
    deliver = fake()
    await OutboxWorker(db, {"sms": deliver}, rng=random.Random(1)).run_once(T0)
    assert outbox.get(row).state == "refused" and not deliver.calls


async def test_a_refused_notice_cannot_be_retried_by_an_operator(services, twilio, mail_server, outbox,  # noqa: F811
                                                                 operator_headers):
    """POST /api/v1/deliveries/{id}/retry on a refused SMS answers 409 and sends nothing."""
    client, runtime = await services.start(twilio, mail_server.url())
    await submit(client, TEXTS[0], phone="+882 1600 0123")
    await outbox.wait_for(lambda: all_final(runtime, 1))
    [row] = citizen_rows(runtime)
    resp = await client.post(f"/api/v1/deliveries/{row.delivery_id}/retry", headers=operator_headers)
    assert resp.status == 409
    assert citizen_rows(runtime)[0].state == "refused" and twilio.sent == []


async def test_dashboard_outbox_health_counts_refused(services, twilio, mail_server, outbox, env):  # noqa: F811
    """The overview's outbox health shows the refused SMS under its own state, in Bahasa Indonesia."""
    client, runtime = await services.start(twilio, mail_server.url())
    await submit(client, TEXTS[0], phone="+882 1600 0123")
    await outbox.wait_for(lambda: all_final(runtime, 1))
    assert (await sign_in(client, env.operator_token)).status == 303
    html = await (await client.get("/dashboard")).text()
    health = html.split('id="outbox"', 1)[1].split("</section>", 1)[0]
    assert dict(re.findall(r'<dd data-state="(\w+)">(\d+)</dd>', health))["refused"] == "1"
    assert "Ditolak batas kirim" in health


async def test_tagged_and_dotted_forms_of_one_mailbox_count_as_one(db, outbox, fake):
    """Five e-mails sent to tagged and dotted forms of one Gmail mailbox: a sixth to the plain form is refused, one
    to another mailbox of the same domain is not."""
    for address in ("Siti.Rahma@gmail.com", "sitirahma+1@gmail.com", "s.i.t.i.rahma+x@GMAIL.com",
                    "sitirahma@gmail.com", "siti.rahma+aduan@gmail.com"):
        outbox.add(transport="email", audience="citizen", agency=None, target=address, state="delivered",
                   payload={"text": "x"}, at=T0 - timedelta(hours=3))
    [same] = outbox.add(transport="email", audience="citizen", agency=None, target="sitirahma@gmail.com",
                        payload={"text": "Aduan diterima"})
    [other] = outbox.add(transport="email", audience="citizen", agency=None, target="sitirahmawati@gmail.com",
                         payload={"text": "Aduan diterima"})
    await OutboxWorker(db, {"email": fake()}, rng=random.Random(1)).run_once(T0)
    assert (outbox.get(same).state, outbox.get(other).state) == ("refused", "delivered")
