"""Conversation on messaging channels (SPEC 6): status requests, instructions, greetings, edits."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from complaints.model import InboundMessage
from intake.batch import WriteItem, write_batch
from intake.conversation import Command, classify
from store import models as m

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)

TABLE = [
    ("STATUS NTB-7K3QX9P2", Command("status", "NTB-7K3QX9P2")),
    ("cek ntb-7k3qx9p2", Command("status", "NTB-7K3QX9P2")),
    ("Cek NTB-7K3QX9P2.", Command("status", "NTB-7K3QX9P2")),
    ("/status NTB-7K3QX9P2", Command("status", "NTB-7K3QX9P2")),
    ("/status@AduanNtbBot ntb-7k3qx9p2", Command("status", "NTB-7K3QX9P2")),
    ("NTB-7K3QX9P2", Command("status", "NTB-7K3QX9P2")),
    ("ntb 7k3qx9p2", Command("status", "NTB-7K3QX9P2")),
    ("/status tidak-ada", Command("status", None)),
    ("/start", Command("help")),
    ("/help", Command("help")),
    ("BANTUAN", Command("help")),
    ("HELP", Command("help")),
    ("STATUS", Command("help")),
    ("halo", Command("help")),
    ("Assalamualaikum wr wb", Command("help")),
    ("selamat pagi min", Command("help")),
    ("Pagi kak", Command("help")),
    ("halo, jalan di depan rumah rusak parah", None),
    ("status bantuan PKH saya belum jelas", None),
    ("cek dulu jalan rusak di Selong", None),
    ("terima kasih", None),
]


@pytest.mark.parametrize("text,expected", TABLE, ids=[t for t, _ in TABLE])
def test_classify(text, expected):
    """Each message is a status request, a request for instructions, or a complaint."""
    assert classify(text) == expected


def test_status_code_typos_are_read_as_the_spec_says():
    """A code typed with O for 0 and I or L for 1 is still found."""
    assert classify("STATUS ntb-lkoqx9p2") == Command("status", "NTB-1K0QX9P2")


def msg(pid: str, text: str, **extra) -> InboundMessage:
    return InboundMessage(channel="telegram", provider_message_id=pid, text=text, received_at=NOW, raw="{}",
                          sender_id="555", reply_to="555", mergeable=True, **extra)


def write(db, config, *messages):
    batch = [WriteItem(x, config) for x in messages]
    assert write_batch(db, batch, NOW, "http://aduan.test") is None
    return [item.result for item in batch]


def replies(db) -> list[tuple[str, str, str]]:
    with db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.event, m.Outbox.transport, m.Outbox.payload).where(m.Outbox.audience == "citizen")
                            .order_by(m.Outbox.id)).all()
    return [(r.event, r.transport, r.payload["text"]) for r in rows]


def count(db, model) -> int:
    with db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_greeting_gets_instructions_and_opens_nothing(db, sample_config):
    """"halo" is answered with how to complain, through the outbox; no complaint is opened."""
    (result,) = write(db, sample_config, msg("1", "halo"))
    assert result.outcome == "command"
    assert count(db, m.Complaint) == 0
    ((event, transport, text),) = replies(db)
    assert event == "citizen.help" and transport == "telegram" and "STATUS" in text


def test_status_request_answers_the_current_status(db, sample_config):
    """STATUS <code> is answered with the status and the agency, and joins no complaint."""
    (opened,) = write(db, sample_config, msg("1", "Obat di puskesmas Aikmel kosong"))
    (status,) = write(db, sample_config, msg("2", f"status {opened.code.lower()}"))
    assert status.outcome == "command" and status.code == opened.code
    event, _, text = replies(db)[-1]
    assert event == "citizen.status"
    assert opened.code in text and "Diteruskan ke instansi" in text and "Puskesmas Aikmel" in text
    assert count(db, m.FollowUp) == 0


def test_unknown_code_says_so(db, sample_config):
    """A code nobody has is answered as not found."""
    write(db, sample_config, msg("1", "STATUS NTB-00000000"))
    assert "tidak ditemukan" in replies(db)[-1][2]


def test_english_speakers_get_english(db, sample_config):
    """A sender whose language is English is answered in English."""
    write(db, sample_config, msg("1", "/help", language="en"))
    assert replies(db)[-1][2].startswith("Welcome")


def test_edit_joins_the_complaint_of_the_message_it_edits(db, sample_config):
    """An edited message is recorded on the complaint of the original, even after the merge window."""
    (opened,) = write(db, sample_config, msg("555:1", "Jalan rusak di Selong"))
    later = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
    edit = InboundMessage(channel="telegram", provider_message_id="edit:99", text="Jalan rusak parah di Selong", received_at=later,
                          raw="{}", sender_id="555", reply_to="555", mergeable=True, edit_of="555:1")
    batch = [WriteItem(edit, sample_config)]
    write_batch(db, batch, later, "http://aduan.test")
    assert batch[0].result.outcome == "followup" and batch[0].result.code == opened.code
