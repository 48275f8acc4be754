"""A citizen objects to a resolution with KEBERATAN <code> <reason>: the complaint goes back to its agency."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from channels import REGISTRY
from complaints.model import InboundMessage
from intake.batch import WriteItem, write_batch
from intake.conversation import Command, classify
from store import actions
from store import models as m
from store.queries import find_complaint
from sweep.job import run_sweep

MESSAGING = frozenset(channel.name for channel in REGISTRY if channel.messaging)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # Tuesday 16:00 WITA
LATER = NOW + timedelta(days=1)

TABLE = [
    ("KEBERATAN NTB-7K3QX9P2 jalan masih rusak", Command("objection", "NTB-7K3QX9P2", "jalan masih rusak")),
    ("keberatan: ntb-7k3qx9p2.", Command("objection", "NTB-7K3QX9P2")),
    ("/keberatan ntb7k3qx9p2", Command("objection", "NTB-7K3QX9P2")),
    ("objection NTB-7K3QX9P2, still broken", Command("objection", "NTB-7K3QX9P2", "still broken")),
    ("KEBERATAN", Command("objection")),
    ("/keberatan halo", Command("objection")),
    ("Keberatan saya atas pelayanan puskesmas", None),
    ("Keberatan atas semuanya", None),
]


@pytest.mark.parametrize("text,expected", TABLE, ids=[t for t, _ in TABLE])
def test_classify_objections(text, expected):
    """KEBERATAN with a code is an objection; the word opening a sentence is a complaint."""
    assert classify(text, "NTB") == expected


def msg(pid: str, text: str, sender: str = "555", at: datetime = NOW) -> InboundMessage:
    return InboundMessage(channel="telegram", provider_message_id=pid, text=text, received_at=at, raw="{}",
                          sender_id=sender, reply_to=sender, mergeable=True)


def write(db, config, message: InboundMessage, now: datetime):
    item = WriteItem(message, config)
    assert write_batch(db, [item], now, "http://aduan.test") is None
    return item.result


def complaint(db, code: str):
    with db.reader.connect() as conn:
        return find_complaint(conn, code)


def citizen_texts(db) -> list[tuple[str, str]]:
    with db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.event, m.Outbox.payload).where(m.Outbox.audience == "citizen")
                            .order_by(m.Outbox.id)).all()
    return [(r.event, r.payload["text"]) for r in rows]


def agency_rows(db, code: str) -> list[tuple[str, str, dict]]:
    with db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.agency, m.Outbox.event, m.Outbox.payload)
                            .join(m.Complaint, m.Complaint.id == m.Outbox.complaint_id)
                            .where(m.Complaint.code == code, m.Outbox.audience == "agency").order_by(m.Outbox.id)).all()
    return [tuple(r) for r in rows]


@pytest.fixture
def resolved(db, sample_config) -> str:
    """A Telegram complaint at Puskesmas Aikmel, resolved by the agency; its code."""
    opened = write(db, sample_config, msg("1", "Obat di puskesmas Aikmel kosong sudah dua minggu"), NOW)
    assert opened.agency["code"] == "puskesmas-aikmel"
    with db.writer.begin() as conn:
        row = find_complaint(conn, opened.code)
        actions.change_status(conn, row, sample_config, "resolved", "agency:puskesmas-aikmel", "obat sudah datang", NOW,
                              "http://aduan.test", MESSAGING)
    return opened.code


def test_the_resolution_notice_says_how_to_object(db, resolved):
    """The citizen's "resolved" message tells them how to object, with their code."""
    event, text = citizen_texts(db)[-1]
    assert event == "citizen.status.resolved"
    assert f"KEBERATAN {resolved} <alasan>" in text


def test_the_reporter_objects_and_the_complaint_goes_back_to_its_agency(db, sample_config, resolved):
    """KEBERATAN from the reporter reopens the complaint (in progress, resolution clock restarted), puts it on the
    timeline with the reason, tells the agency (reason objection) and answers the citizen."""
    result = write(db, sample_config, msg("2", f"KEBERATAN {resolved} obatnya masih kosong", at=LATER), LATER)
    assert (result.outcome, result.code, result.status) == ("command", resolved, "in_progress")
    row = complaint(db, resolved)
    assert (row["status"], row["resolved_at"], row["overdue"]) == ("in_progress", None, False)
    assert row["resolve_due_at"] > LATER
    with db.reader.connect() as conn:
        event = conn.execute(select(m.Event.actor, m.Event.type, m.Event.status, m.Event.public, m.Event.data)
                             .where(m.Event.complaint_id == row["id"]).order_by(m.Event.id.desc()).limit(1)).one()
    assert tuple(event) == ("citizen", "objection", "in_progress", True, {"note": "obatnya masih kosong"})
    told = [r for r in agency_rows(db, resolved) if r[2].get("reason") == "objection"]
    assert told and {(agency, ev) for agency, ev, _ in told} == {("puskesmas-aikmel", "ticket.updated")}
    event, text = citizen_texts(db)[-1]
    assert event == "citizen.objection"
    assert f"Keberatan Anda atas penyelesaian aduan {resolved} kami terima" in text and "Puskesmas Aikmel" in text


def test_a_reopened_complaint_is_not_closed_by_the_sweep(db, sample_config, resolved):
    """Ten working days after the resolution the sweep would close it; after the objection it does not."""
    write(db, sample_config, msg("2", f"KEBERATAN {resolved}", at=LATER), LATER)
    result = run_sweep(db, sample_config, public_url="http://aduan.test", as_of=NOW + timedelta(days=30))
    assert resolved not in [c.code for c in result.plan.closings]
    assert complaint(db, resolved)["status"] == "in_progress"


def test_someone_else_cannot_object_and_learns_nothing(db, sample_config, resolved):
    """Another sender's KEBERATAN with the code changes nothing and is answered as an unknown code."""
    result = write(db, sample_config, msg("2", f"KEBERATAN {resolved} palsu", sender="999", at=LATER), LATER)
    assert (result.outcome, result.code, result.status) == ("command", "", "")
    assert complaint(db, resolved)["status"] == "resolved"
    assert "tidak ditemukan" in citizen_texts(db)[-1][1]


def test_objecting_to_a_complaint_not_resolved_says_its_status(db, sample_config):
    """Only a resolved complaint can be objected to: otherwise the citizen hears its status, nothing changes."""
    opened = write(db, sample_config, msg("1", "Obat di puskesmas Aikmel kosong sudah dua minggu"), NOW)
    write(db, sample_config, msg("2", f"keberatan {opened.code}", at=LATER), LATER)
    assert complaint(db, opened.code)["status"] == "assigned"
    event, text = citizen_texts(db)[-1]
    assert event == "citizen.objection"
    assert text == (f"Keberatan hanya dapat diajukan untuk aduan yang berstatus selesai ditindaklanjuti. "
                    f"Status aduan {opened.code} saat ini: Diteruskan ke instansi.")


def test_keberatan_alone_gets_the_instructions(db, sample_config):
    """KEBERATAN without a code is answered with how to object; nothing is opened."""
    result = write(db, sample_config, msg("1", "KEBERATAN"), NOW)
    assert result.outcome == "command"
    assert "KEBERATAN <kode> <alasan>" in citizen_texts(db)[-1][1]
    with db.reader.connect() as conn:
        assert conn.execute(select(m.Complaint.id)).first() is None
