"""The conversation with the citizen on every messaging channel (SPEC section 15), through each channel's real webhook
with its signed messages (the registry contract's cases):

- an agency asks (a reply with `ask`) → the citizen answers 40 minutes later (the stored clock moved back, not slept)
  → the answer is a follow-up of the same complaint, its wait ends, the agency hears `ticket.updated` with reason
  `citizen_reply`, nothing new is opened, and the citizen's follow-up is acknowledged once;
- the same answer after `reply_window_days` opens a new complaint;
- a resolved complaint asks for a rating; `5 …` is stored once, a second rating is refused, and neither opens a
  complaint.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from complaints import who
from store import actions
from store import models as m
from tests.channels.test_registry_contract import CASES, count, send, world  # noqa: F401,F811  (world: a fixture)

SENDER = "6281200007777"
FIRST = "Jalan rusak parah dan berlubang di Selong, Lombok Timur"
ANSWER = "Lokasinya di depan SDN 2 Selong, dekat pasar"
OFFICER = who.user(41, "Ahmad Zainuddin", "agency", "pupr-lotim")


async def said(fake, transport: str, *needles: str, timeout: float = 10) -> None:
    """Wait until what the provider took on `transport` (SMS parts joined) holds each of `needles`."""
    deadline = time.monotonic() + timeout
    while True:
        text = " ".join(t for tr, _, t in fake.sent if tr == transport)
        if all(n in text for n in needles):
            return
        assert time.monotonic() < deadline, f"{transport}: {needles} not in {text!r}"
        await asyncio.sleep(0.05)


def stored(runtime) -> dict:
    with runtime.db.reader.connect() as conn:
        return dict(conn.execute(select(m.Complaint.__table__)).mappings().one())


def move_back(runtime, delta: timedelta) -> None:
    """As if `delta` had passed: the complaint's times move back by it."""
    C = m.Complaint.__table__
    with runtime.db.writer.begin() as conn:
        row = conn.execute(select(C)).mappings().one()
        moved = {k: row[k] - delta for k in ("received_at", "assigned_at", "waiting_since", "waiting_until",
                                              "followup_acked_at", "rating_asked_at") if row[k] is not None}
        conn.execute(update(C).where(C.c.id == row["id"]).values(**moved))


async def ask(runtime, complaint: dict, question: str) -> None:
    await runtime.write(actions.reply_to_citizen, complaint, "Dinas PUPR Lombok Timur", OFFICER, question,
                        datetime.now(timezone.utc), "agency_reply", True, runtime.config.settings.reply_window_days)
    runtime.wake_outbox()


def updates_for(runtime, reason: str) -> list:
    with runtime.db.reader.connect() as conn:
        return [p for p, in conn.execute(select(m.Outbox.payload).where(m.Outbox.event == "ticket.updated"))
                if p.get("reason") == reason]


@pytest.mark.parametrize("name", list(CASES))
async def test_an_answer_40_minutes_later_joins_the_complaint_that_asked(world, name):  # noqa: F811
    client, runtime, fake = world
    case = CASES[name]
    assert (await send(client, case, FIRST, "3001", SENDER)).status == 200
    complaint = stored(runtime)
    await ask(runtime, complaint, "Mohon sebutkan lokasi tepatnya.")
    await said(fake, case.transport, "Mohon sebutkan lokasi tepatnya.")
    assert stored(runtime)["waiting_until"] is not None
    move_back(runtime, timedelta(minutes=40))  # well past the 10-minute merge window

    assert (await send(client, case, ANSWER, "3002", SENDER)).status == 200
    assert count(runtime, m.Complaint) == 1
    after = stored(runtime)
    assert after["waiting_until"] is None and after["waiting_since"] is None
    with runtime.db.reader.connect() as conn:
        followups = conn.execute(select(m.FollowUp.text).where(m.FollowUp.complaint_id == after["id"])).scalars().all()
    assert followups == [ANSWER]
    assert len(updates_for(runtime, "citizen_reply")) == len(runtime.config.agencies["pupr-lotim"].deliver)


def followup_acks(runtime) -> int:
    with runtime.db.reader.connect() as conn:
        return len(conn.execute(select(m.Outbox.id).where(m.Outbox.event == "citizen.followup")).all())


@pytest.mark.parametrize("name", list(CASES))
async def test_follow_ups_are_acknowledged_once_an_hour(world, name):  # noqa: F811
    """The opening acknowledgement counts: follow-ups in the hour after it get none; an answer an hour later does,
    and a second answer right after it does not."""
    client, runtime, fake = world
    case = CASES[name]
    assert (await send(client, case, FIRST, "6001", SENDER)).status == 200
    for mid, text in (("6002", "Sudah ada korban motor jatuh"), ("6003", "Mohon segera diperbaiki")):
        assert (await send(client, case, text, mid, SENDER)).status == 200
    assert count(runtime, m.Complaint) == 1
    assert followup_acks(runtime) == 0
    await ask(runtime, stored(runtime), "Sejak kapan jalan itu rusak?")
    move_back(runtime, timedelta(minutes=61))
    assert (await send(client, case, "Sejak musim hujan bulan lalu", "6004", SENDER)).status == 200
    assert followup_acks(runtime) == 1
    await said(fake, case.transport, f"Pesan Anda kami tambahkan ke aduan {stored(runtime)['code']}")
    await ask(runtime, stored(runtime), "Apakah sudah ada korban?")
    assert (await send(client, case, "Dua orang jatuh minggu ini", "6005", SENDER)).status == 200
    assert count(runtime, m.Complaint) == 1
    assert followup_acks(runtime) == 1


@pytest.mark.parametrize("name", list(CASES))
async def test_an_answer_after_the_reply_window_opens_a_new_complaint(world, name):  # noqa: F811
    client, runtime, _fake = world
    case = CASES[name]
    assert (await send(client, case, FIRST, "4001", SENDER)).status == 200
    await ask(runtime, stored(runtime), "Mohon sebutkan lokasi tepatnya.")
    move_back(runtime, timedelta(days=runtime.config.settings.reply_window_days, minutes=1))
    assert (await send(client, case, ANSWER, "4002", SENDER)).status == 200
    assert count(runtime, m.Complaint) == 2
    assert updates_for(runtime, "citizen_reply") == []


@pytest.mark.parametrize("name", list(CASES))
async def test_a_resolved_complaint_takes_one_rating(world, name):  # noqa: F811
    client, runtime, fake = world
    case = CASES[name]
    assert (await send(client, case, FIRST, "5001", SENDER)).status == 200
    complaint = stored(runtime)
    await runtime.write(actions.change_status, complaint, runtime.config, "resolved", OFFICER, "Jalan sudah ditambal",
                        datetime.now(timezone.utc), runtime.env.public_url, runtime.messaging_channels)
    runtime.wake_outbox()
    await said(fake, case.transport, "Jalan sudah ditambal", "1 sampai 5")
    assert (await send(client, case, "5 terima kasih, cepat sekali", "5002", SENDER)).status == 200
    rated = stored(runtime)
    assert (rated["rating"], rated["rating_comment"]) == (5, "terima kasih, cepat sekali")
    await said(fake, case.transport, "5 dari 5")
    assert (await send(client, case, "2", "5003", SENDER)).status == 200
    assert stored(runtime)["rating"] == 5
    await said(fake, case.transport, "sudah kami terima")
    assert count(runtime, m.Complaint) == 1


@pytest.mark.parametrize("name", ["telegram", "whatsapp"])
async def test_the_agency_hears_of_the_answer_as_things_stood_with_it(world, name):  # noqa: F811
    """The `ticket.updated` of a citizen's answer carries the ticket as it stood when queued, the answer in it."""
    client, runtime, _fake = world
    case = CASES[name]
    assert (await send(client, case, FIRST, "7001", SENDER)).status == 200
    await ask(runtime, stored(runtime), "Mohon sebutkan lokasi tepatnya.")
    move_back(runtime, timedelta(minutes=40))
    assert (await send(client, case, ANSWER, "7002", SENDER)).status == 200
    (payload, *_rest) = updates_for(runtime, "citizen_reply")
    assert payload["ticket"]["code"] == stored(runtime)["code"]
    assert [f["text"] for f in payload["ticket"]["followups"]] == [ANSWER]
