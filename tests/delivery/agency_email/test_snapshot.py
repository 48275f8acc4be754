"""Every message to an agency is rendered as things stood when it was queued (issue 13): the outbox row carries its
ticket, so an e-mail queued while SMTP was down does not tell the agency what became of the ticket since; a row
queued before tickets were kept so is still rendered when it is sent."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from complaints.model import Attachment, Reporter
from delivery.email import make_email_deliverer
from delivery.ticket import attach_tickets, ticket_preparer
from delivery.worker import OutboxWorker
from providers.outcome import Delivery
from store import actions, tickets
from store import models as m

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # when file_complaint files, by default
HEALTH = "Pelayanan dokter di rumah sakit lambat sekali"  # dinkes-lotim, in Lombok Timur
DINKES = "pengaduan@dinkes.lomboktimurkab.example"  # dinkes-lotim's e-mail target


def plain(message) -> str:
    """The plain-text part of a received e-mail."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _row(runtime, code: str):
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().one()


def _text_to(mail_server, address: str) -> list[str]:
    return [plain(r.message) for r in mail_server.messages if r.rcpt_tos == [address]]


async def test_an_email_queued_while_smtp_was_down_tells_the_state_it_was_queued_in(
        make_runtime, mail_server, closed_port, file_complaint):
    """Assigned to the Dinas Kesehatan while SMTP is down; the Dinas returns it to triage; when SMTP is back the
    first e-mail still says "Diteruskan ke instansi", never "Menunggu verifikasi tim" (that is for the triage team)."""
    down = make_runtime(smtp_url=f"smtp://127.0.0.1:{closed_port}")
    code = file_complaint(down, HEALTH, region="lombok-timur")
    assert _row(down, code)["agency"] == "dinkes-lotim"
    worker = OutboxWorker(down.db, {"email": make_email_deliverer(down.env.smtp_url, down.tickets)},
                          prepare=ticket_preparer(down.tickets), rng=random.Random(1))
    await worker.run_once(NOW)
    with down.db.reader.connect() as conn:
        states = dict(conn.execute(select(m.Outbox.target, m.Outbox.state).where(m.Outbox.transport == "email")).all())
    assert states == {DINKES: "failed"}

    with down.db.writer.begin() as conn:
        actions.return_to_triage(conn, _row(down, code), down.config, "agency:dinkes-lotim", "bukan wewenang kami",
                                 NOW + timedelta(minutes=10))
    assert _row(down, code)["status"] == "triage"

    up = make_runtime(smtp_url=mail_server.url())
    worker = OutboxWorker(up.db, {"email": make_email_deliverer(up.env.smtp_url, up.tickets)},
                          prepare=ticket_preparer(up.tickets), rng=random.Random(1))
    assert await worker.run_once(NOW + timedelta(hours=2)) == 2  # the retried one and the triage team's
    [to_dinkes] = _text_to(mail_server, DINKES)
    assert re.search(r"^Status: +Diteruskan ke instansi$", to_dinkes, re.M)
    assert "Menunggu verifikasi tim" not in to_dinkes
    [to_operators] = [plain(r.message) for r in mail_server.messages if r.rcpt_tos != [DINKES]]
    assert re.search(r"^Status: +Menunggu verifikasi tim$", to_operators, re.M)


def test_a_reassigned_ticket_is_sent_to_each_agency_as_it_was_when_theirs_was_queued(make_runtime, file_complaint):
    """Queued for the Dinas Kesehatan, then reassigned to Dinas PUPR with another priority: the Dinas's delivery
    shows the Dinas and the first priority; PUPR's shows PUPR and the new one."""
    runtime = make_runtime()
    code = file_complaint(runtime, HEALTH, region="lombok-timur")
    with runtime.db.writer.begin() as conn:
        row = conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().one()
        row = actions.update_details(conn, row, runtime.config, {"priority": "urgent"}, "operator", NOW)
        actions.assign(conn, row, runtime.config, "pupr-lotim", "operator", None, NOW + timedelta(minutes=5),
                       kind="reassigned")
    with runtime.db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.__table__).where(m.Outbox.transport == "email", m.Outbox.audience == "agency")
                            .order_by(m.Outbox.id)).all()
        sent = attach_tickets(conn, [Delivery(r.delivery_id, r.transport, r.target, r.event, r.payload, 1, r.agency)
                                     for r in rows], runtime.config, runtime.env.public_url)
    assert [(d.agency, d.ticket["agency"]["code"], d.ticket["priority"]) for d in sent] == [
        ("dinkes-lotim", "dinkes-lotim", "normal"), ("pupr-lotim", "pupr-lotim", "urgent")]
    assert [d.ticket["ticket_url"] for d in sent] == [f"http://aduan.test/agency/tickets/{code}"] * 2


def test_a_row_queued_without_a_ticket_is_rendered_when_it_is_sent(make_runtime, file_complaint):
    """A delivery queued before tickets were kept in the outbox (its payload names only the code) shows the ticket
    as the store holds it when it goes out."""
    runtime = make_runtime()
    code = file_complaint(runtime, HEALTH, region="lombok-timur")
    with runtime.db.writer.begin() as conn:
        conn.execute(insert(m.Outbox), [{
            "delivery_id": "queued-before-snapshots", "audience": "agency", "transport": "email",
            "agency": "dinkes-lotim", "target": DINKES, "event": "ticket.updated", "payload": {"code": code},
            "state": "pending", "attempts": 0, "next_attempt_at": NOW, "created_at": NOW, "updated_at": NOW}])
        actions.return_to_triage(conn, _row(runtime, code), runtime.config, "agency:dinkes-lotim", "bukan wewenang",
                                 NOW + timedelta(minutes=1))
    with runtime.db.reader.connect() as conn:
        [sent] = attach_tickets(conn, [Delivery("queued-before-snapshots", "email", DINKES, "ticket.updated",
                                                {"code": code}, 1, "dinkes-lotim")], runtime.config,
                                runtime.env.public_url)
    assert (sent.ticket["status"], sent.ticket["agency"]) == ("triage", None)


def test_intake_keeps_the_same_ticket_it_would_read_back_without_reading(make_runtime, file_complaint):
    """The ticket intake keeps from memory (its complaint row, the reporter, the attachments) is the one the store
    gives back for that complaint."""
    runtime = make_runtime()
    code = file_complaint(runtime, HEALTH, region="lombok-timur", lat=-8.53, lon=116.53,
                          reporter=Reporter(name="Baiq Nurul", phone="+6281234567890"),
                          attachments=(Attachment(kind="image", content_type="image/jpeg", channel_ref="f-1",
                                                  size=2048, name="antrean.jpg"),))
    with runtime.db.reader.connect() as conn:
        kept = conn.execute(select(m.Outbox.payload).where(m.Outbox.audience == "agency")).scalars().all()
        read_back = tickets.snapshot(conn, runtime.config, _row(runtime, code)["id"])
    assert kept and all(payload["ticket"] == read_back for payload in kept)
    assert read_back["reporter"]["name"] == "Baiq Nurul" and read_back["attachments"][0]["name"] == "antrean.jpg"
