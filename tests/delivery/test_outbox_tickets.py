"""Tickets rendered at claim time: each agency delivery carries its complaint's ticket, read once per claim."""

from __future__ import annotations

import random

from sqlalchemy import delete
from structlog.testing import capture_logs

from complaints.model import Reporter
from providers.outcome import Delivered
from delivery.ticket import ticket_preparer
from delivery.worker import OutboxWorker
from store.models import Outbox
from tests.delivery.conftest import NOW, T0


async def test_agency_deliveries_carry_their_tickets_and_others_none(make_runtime, file_complaint, outbox, fake):
    """Three deliveries of one complaint and one of another get their own tickets; an anonymous reporter's identity
    is not in them; a citizen reply and a delivery naming an unknown complaint carry no ticket. Each ticket links to
    the page its reader opens: the agency inbox's, or the operator console's for the triage team."""
    runtime = make_runtime()
    named = file_complaint(runtime, "Obat di puskesmas Aikmel kosong", reporter=Reporter(name="Baiq Rina", phone="+6281234567001"))
    hidden = file_complaint(runtime, "Jalan rusak di Praya", anonymous=True,
                            reporter=Reporter(name="Lalu Anonim", phone="+6281234567002"))
    with runtime.db.writer.begin() as conn:
        conn.execute(delete(Outbox))  # intake's own rows (the citizens' acknowledgements): only ours below
    ids_named = outbox.add(3, payload={"code": named}, at=NOW)
    [id_hidden] = outbox.add(1, payload={"code": hidden}, at=NOW)
    [id_triage] = outbox.add(1, payload={"code": named}, agency="ntb-care", at=NOW)
    [id_reply] = outbox.add(1, transport="webhook", agency=None, audience="citizen", payload={"text": "Terima kasih"},
                            at=NOW)
    [id_unknown] = outbox.add(1, payload={"code": "NTB-00000000"}, at=NOW)
    deliver = fake(Delivered())
    worker = OutboxWorker(runtime.db, {"webhook": deliver}, prepare=ticket_preparer(runtime.tickets), rng=random.Random(1))

    assert await worker.run_once(NOW) == 7

    seen = {d.delivery_id: d for d in deliver.seen}
    for delivery_id in ids_named:
        ticket = seen[delivery_id].ticket
        assert ticket["code"] == named
        assert ticket["reporter"]["name"] == "Baiq Rina"
        assert ticket["ticket_url"] == f"{runtime.env.public_url}/agency/tickets/{named}"
        assert ticket["api_url"] == f"{runtime.env.public_url}/api/v1/agency/tickets/{named}"
    triage_ticket = seen[id_triage].ticket
    assert triage_ticket["code"] == named and triage_ticket["reporter"]["name"] == "Baiq Rina"
    assert triage_ticket["ticket_url"] == f"{runtime.env.public_url}/dashboard/complaints/{named}"
    assert triage_ticket["api_url"] == f"{runtime.env.public_url}/api/v1/agency/tickets/{named}"
    ticket = seen[id_hidden].ticket
    assert ticket["code"] == hidden and ticket["anonymous"] is True and ticket["reporter"] is None
    assert "Lalu Anonim" not in repr(ticket) and "+6281234567002" not in repr(ticket)
    assert seen[id_reply].ticket is None
    assert seen[id_unknown].ticket is None


async def test_a_failed_preparation_still_sends_every_row(db, outbox, fake):
    """When rendering the tickets fails, the claim's rows go out all the same (each deliverer reads its own)."""
    ids = outbox.add(4)

    def broken(deliveries):
        raise RuntimeError("reader gone")

    deliver = fake(Delivered())
    worker = OutboxWorker(db, {"webhook": deliver}, prepare=broken, rng=random.Random(1))
    with capture_logs() as logs:
        assert await worker.run_once(T0) == 4
    assert sorted(d.delivery_id for d in deliver.seen) == sorted(ids)
    assert all(d.ticket is None for d in deliver.seen)
    assert {row.state for row in outbox.all().values()} == {"delivered"}
    assert [entry["count"] for entry in logs if entry["event"] == "outbox.prepare_failed"] == [4]
