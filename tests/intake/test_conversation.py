"""Conversation on messaging channels (SPEC 6): status requests, instructions, greetings, edits."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from complaints.model import Attachment, InboundMessage
from config.loader import load_config
from intake.batch import WriteItem, command_of, write_batch
from intake.conversation import Command, classify
from store import models as m
from tests.conftest import SAMPLE_CONFIG

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
CONFIG = load_config(SAMPLE_CONFIG, env={}).config  # module-level: hypothesis runs many examples per test

HELP, NONE = Command("help"), None


def status(code: str | None) -> Command:
    return Command("status", code)


# (message, what it asks for): commands, near-commands, and complaints that start with a command word.
TABLE = [
    # Status requests: a keyword and a tracking code of this service, and nothing else.
    ("STATUS NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("cek ntb-7k3qx9p2", status("NTB-7K3QX9P2")),
    ("Cek NTB-7K3QX9P2.", status("NTB-7K3QX9P2")),
    ("CHECK NTB-7K3QX9P2?", status("NTB-7K3QX9P2")),
    ("status: NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("  cek   ntb 7k3qx9p2  ", status("NTB-7K3QX9P2")),
    ("cek ntb7k3qx9p2", status("NTB-7K3QX9P2")),
    ("cek 7K3QX9P2", status("NTB-7K3QX9P2")),
    ("cek status NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("cek status aduan NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("Check my complaint NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("status kode NTB-7K3QX9P2!", status("NTB-7K3QX9P2")),
    ("/status NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("/status@AduanNtbBot ntb-7k3qx9p2", status("NTB-7K3QX9P2")),
    ("/cek NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("STATUS ntb-lkoqx9p2", status("NTB-1K0QX9P2")),
    ("cek ADU-7K3QX9P2", status("ADU-7K3QX9P2")),
    ("NTB-7K3QX9P2", status("NTB-7K3QX9P2")),
    ("ntb 7k3qx9p2", status("NTB-7K3QX9P2")),
    ("ntb-7k3qx9p2.", status("NTB-7K3QX9P2")),
    ("7K3QX9P2", status("NTB-7K3QX9P2")),
    ("STATUS NTB-00000000", status("NTB-00000000")),
    ("/status tidak-ada", status(None)),
    ("/status 12345", status(None)),
    # Instructions: the keyword alone, a bare STATUS, Telegram's /start with its payload, greetings alone.
    ("/start", HELP),
    ("/start kampanye-2026", HELP),
    ("/help", HELP),
    ("/help@AduanNtbBot", HELP),
    ("BANTUAN", HELP),
    ("bantuan?", HELP),
    ("HELP", HELP),
    ("Info", HELP),
    ("menu", HELP),
    ("Mulai", HELP),
    ("STATUS", HELP),
    ("cek", HELP),
    ("Cek status aduan", HELP),
    ("check my complaint?", HELP),
    ("halo", HELP),
    ("Assalamualaikum wr wb", HELP),
    ("selamat pagi min", HELP),
    ("Pagi kak", HELP),
    ("hello, good morning", HELP),
    ("P", HELP),
    # Complaints that open with a command word.
    ("Check out my new phone!", NONE),
    ("Cek jalan berlubang", NONE),
    ("cek air pdam mati", NONE),
    ("Status jalan rusak", NONE),
    ("Status bantuan PKH saya", NONE),
    ("status bantuan PKH saya belum jelas", NONE),
    ("cek dulu jalan rusak di Selong", NONE),
    ("cek lampunya mati semua", NONE),
    ("cek lampunya", NONE),
    ("Info banjir", NONE),
    ("Info banjir di Bima hari ini?", NONE),
    ("Bantuan sembako?", NONE),
    ("Bantuan sembako belum cair di desa kami", NONE),
    ("Help banjir", NONE),
    ("Help, the bridge in Sumbawa collapsed", NONE),
    ("Menu makanan bergizi gratis di SDN 2 Gerung basi", NONE),
    ("Mulai kapan jalan ini diperbaiki?", NONE),
    ("Start of the flood was at 3am near Ampenan", NONE),
    ("Status NTB-7K3QX9P2 belum ada tindakan, jalan masih rusak", NONE),
    ("cek NTB-7K3QX9P2 kenapa belum ditangani", NONE),
    ("/start jalan rusak di depan rumah saya", NONE),
    ("Checkpoint polisi liar di jalan Bypass BIL", NONE),
    ("statusnya bagaimana?", NONE),
    ("halo, jalan di depan rumah rusak parah", NONE),
    ("selamat pagi, air PDAM mati 3 hari", NONE),
    ("terima kasih", NONE),
    ("covid-19 di puskesmas", NONE),
    ("Jalan NTB-1 di Sumbawa rusak", NONE),
    ("", NONE),
]


@pytest.mark.parametrize("text,expected", TABLE, ids=[t or "(empty)" for t, _ in TABLE])
def test_classify(text, expected):
    """Each message is a status request, a request for instructions, or a complaint."""
    assert classify(text, "NTB") == expected


def test_the_table_covers_sixty_messages():
    """The classifier's table holds at least 60 messages, in Bahasa Indonesia and English."""
    assert len(TABLE) >= 60


def test_another_prefix_is_read_as_this_service_writes_it():
    """A service with prefix LOTIM reads its own codes, with or without the dash, and a bare body as its own."""
    assert classify("cek lotim-7k3qx9p2", "LOTIM") == status("LOTIM-7K3QX9P2")
    assert classify("cek lotim7k3qx9p2", "LOTIM") == status("LOTIM-7K3QX9P2")
    assert classify("cek 7K3QX9P2", "LOTIM") == status("LOTIM-7K3QX9P2")
    assert classify("cek lotim banjir", "LOTIM") is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    """Whatever a citizen types, the classifier answers a command or None, and never raises."""
    result = classify(text, "NTB")
    assert result is None or result.name in ("status", "objection", "help")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(max_size=60).map(lambda t: t.strip()) | st.sampled_from(["STATUS NTB-7K3QX9P2", "/start", "halo", "NTB-7K3QX9P2",
                                                                         "KEBERATAN NTB-7K3QX9P2 masih rusak"]),
       st.sampled_from(["image", "document", "voice", "video"]))
def test_a_message_with_media_is_never_a_command(text, kind):
    """A message that carries a photo, a document, a voice note or a video opens or joins a complaint, whatever its words."""
    msg = InboundMessage(channel="whatsapp", provider_message_id="wamid.1", text=text or "[foto]", received_at=NOW,
                         sender_id="628", reply_to="628", mergeable=True,
                         attachments=(Attachment(kind=kind, channel_ref="media-1"),))
    assert command_of(WriteItem(msg, CONFIG)) is None


def test_a_message_with_a_place_is_never_a_command(sample_config):
    """A shared location captioned "status" is a complaint's place, not a status request."""
    msg = InboundMessage(channel="telegram", provider_message_id="1", text="cek NTB-7K3QX9P2", received_at=NOW,
                         sender_id="5", reply_to="5", mergeable=True, lat=-8.58, lon=116.1)
    assert command_of(WriteItem(msg, sample_config)) is None


@pytest.mark.parametrize("text,expected", [
    ("keberatan NTB-7K3QX9P2 " + " \n" * 10000 + ".", Command("objection", "NTB-7K3QX9P2")),
    ("keberatan NTB-7K3QX9P2 " + "jalan masih rusak " * 1000, Command("objection", "NTB-7K3QX9P2", ("jalan masih rusak " * 1000).strip())),
    ("status NTB-7K3QX9P2 " + " " * 20000 + "x", None),
    ("/start" + " " * 500 + "jalan rusak", None),
    ("cek " + "a " * 10000, None),
    ("NTB-7K3QX9P2" + "!" * 20000, None),
    ("halo " * 5000, None),
], ids=["objection-blank-run", "objection-long-reason", "status-blank-run", "start-blank-run", "cek-words", "code-bangs", "greetings"])
def test_long_messages_are_read_on_a_bounded_head(text, expected):
    """Only a bounded head is matched: a long message is a complaint, unless it is an objection with its reason."""
    assert classify(text, "NTB") == expected


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


def test_a_place_sent_in_the_same_batch_as_the_text_is_the_complaints(db, sample_config):
    """A text and then a location, stored in one batch: the complaint opened by the text gets the place."""
    write(db, sample_config, msg("555:1", "Jembatan putus di Desa Sukamulia"),
          msg("555:2", "[lokasi]", lat=-8.65, lon=116.53))
    with db.reader.connect() as conn:
        assert conn.execute(select(m.Complaint.lat, m.Complaint.lon)).one() == (-8.65, 116.53)
    assert count(db, m.FollowUp) == 1


def test_a_redelivered_command_gets_the_first_answer_and_writes_nothing(db, sample_config):
    """A status request stored once and delivered again is a duplicate: answered, nothing new queued."""
    (first,) = write(db, sample_config, msg("1", "STATUS NTB-7K3QX9P2"))
    (again,) = write(db, sample_config, msg("1", "STATUS NTB-7K3QX9P2"))
    assert first.outcome == "command" and again.outcome == "duplicate"
    assert again.response == {"command": "status", "code": "NTB-7K3QX9P2"}
    assert len(replies(db)) == 1
