"""The shared intake path over a real database: open, join, deduplicate, retry, all in one commit."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

import intake.batch
from complaints.model import InboundMessage, Reporter
from intake.batch import WriteItem, write_batch
from router import compile_router
from store import models as m
from store.db import open_database

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def router(sample_config):
    return compile_router(sample_config)


def message(pid: str, text: str = "Obat di puskesmas Aikmel kosong", *, sender: str | None = "6281200000001",
            at: datetime = NOW, channel: str = "telegram", **extra) -> InboundMessage:
    return InboundMessage(channel=channel, provider_message_id=pid, text=text, received_at=at, raw="{}",
                          sender_id=sender, reply_to=sender, mergeable=channel != "api", **extra)


def items(router, *messages) -> list[WriteItem]:
    return [WriteItem(msg, router.config) for msg in messages]


def count(db, model) -> int:
    with db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_new_message_opens_a_complaint_with_its_timeline_and_outbox(db, router):
    """A first message opens a complaint, with received/assigned events, an acknowledgement and deliveries."""
    batch = items(router, message("1"))
    assert write_batch(db, batch, NOW, "http://aduan.test") is None
    result = batch[0].result
    assert result.outcome == "opened" and result.status == "assigned"
    with db.reader.connect() as conn:
        complaint = conn.execute(select(m.Complaint.code, m.Complaint.agency)).one()
        outbox = conn.execute(select(m.Outbox.audience, m.Outbox.transport, m.Outbox.target, m.Outbox.payload)).all()
    assert complaint.code == result.code and complaint.agency == "puskesmas-aikmel"
    ack = [o for o in outbox if o.audience == "citizen"]
    assert len(ack) == 1 and ack[0].transport == "telegram" and ack[0].target == "6281200000001"
    assert result.code in ack[0].payload["text"] and "STATUS" in ack[0].payload["text"]
    assert {o.transport for o in outbox if o.audience == "agency"} == {"email", "telegram_chat"}


def test_messages_within_the_merge_window_join_as_follow_ups(db, router, sample_config):
    """A sender's second message within the window joins the first complaint; after it, opens a new one."""
    window = sample_config.settings.merge_window_minutes
    first = items(router, message("1"))
    write_batch(db, first, NOW, "http://aduan.test")
    later = items(router, message("2", "ini fotonya", at=NOW + timedelta(minutes=window - 1)))
    write_batch(db, later, NOW + timedelta(minutes=window - 1), "http://aduan.test")
    assert later[0].result.outcome == "followup" and later[0].result.code == first[0].result.code
    much_later = items(router, message("3", "jalan rusak di Selong", at=NOW + timedelta(minutes=window + 5)))
    write_batch(db, much_later, NOW + timedelta(minutes=window + 5), "http://aduan.test")
    assert much_later[0].result.outcome == "opened" and much_later[0].result.code != first[0].result.code
    assert count(db, m.FollowUp) == 1 and count(db, m.Complaint) == 2


def test_two_messages_of_one_sender_in_one_batch_make_one_complaint(db, router):
    """Messages of one sender that arrive together open one complaint and one follow-up."""
    batch = items(router, message("1"), message("2", "tolong segera"))
    write_batch(db, batch, NOW, "http://aduan.test")
    assert [i.result.outcome for i in batch] == ["opened", "followup"]
    assert batch[0].result.code == batch[1].result.code
    assert count(db, m.Complaint) == 1 and count(db, m.InboundMessage) == 2


def test_web_and_api_messages_never_merge(db, router):
    """Submissions from the form or the API always open their own complaint."""
    batch = items(router, message("a", channel="api", sender=None), message("b", channel="api", sender=None))
    write_batch(db, batch, NOW, "http://aduan.test")
    assert [i.result.outcome for i in batch] == ["opened", "opened"]
    assert count(db, m.Complaint) == 2


def test_redelivery_in_the_same_batch_and_later_writes_nothing(db, router):
    """The same provider id twice in a batch, and again later, answers the first result."""
    batch = items(router, message("1"), message("1"))
    write_batch(db, batch, NOW, "http://aduan.test")
    assert [i.result.outcome for i in batch] == ["opened", "duplicate"]
    again = items(router, message("1"))
    write_batch(db, again, NOW, "http://aduan.test")
    assert again[0].result.outcome == "duplicate"
    assert again[0].result.response == batch[0].result.response
    assert count(db, m.Complaint) == 1 and count(db, m.Outbox) == len(batch[0].config.agencies["puskesmas-aikmel"].deliver) + 1


def test_anonymous_reporter_is_stored_but_empty_reporters_are_not(db, router):
    """A reporter row holds what the channel told; nothing told, no row."""
    batch = items(router, message("a", channel="api", sender=None),
                  message("b", channel="api", sender=None, reporter=Reporter(name="Siti"), anonymous=True))
    write_batch(db, batch, NOW, "http://aduan.test")
    with db.reader.connect() as conn:
        rows = conn.execute(select(m.Complaint.reporter_id, m.Complaint.anonymous).order_by(m.Complaint.id)).all()
        names = conn.execute(select(m.Reporter.name)).scalars().all()
    assert rows[0].reporter_id is None and rows[1].reporter_id is not None and rows[1].anonymous
    assert names == ["Siti"]


def test_a_colliding_tracking_code_is_retried_with_a_new_one(db, router, monkeypatch):
    """If a new code is already taken, the batch is written again with fresh codes; nothing is lost."""
    first = items(router, message("1", channel="api", sender=None))
    write_batch(db, first, NOW, "http://aduan.test")
    taken = first[0].result.code
    fresh = (f"NTB-{n:08d}" for n in itertools.count(1))
    calls = iter([taken])
    monkeypatch.setattr(intake.batch, "new_code", lambda prefix: next(calls, None) or next(fresh))
    second = items(router, message("2", channel="api", sender=None))
    assert write_batch(db, second, NOW, "http://aduan.test") is None
    assert second[0].result.code == "NTB-00000001"
    assert count(db, m.Complaint) == 2


def test_an_unreachable_database_fails_the_whole_batch(tmp_path, router):
    """No answer but an error when nothing could be stored."""
    (tmp_path / "blocker").write_text("not a folder")
    broken = open_database(f"sqlite:///{tmp_path}/blocker/aduan.db")
    batch = items(router, message("1"))
    error = write_batch(broken, batch, NOW, "http://aduan.test")
    broken.dispose()
    assert error is not None and batch[0].result is None


def test_one_message_the_store_refuses_fails_alone(db, router, monkeypatch):
    """A message that cannot be written is set apart; the rest of its batch is stored."""
    real = intake.batch.rows.complaint_row

    def refusing(msg, *args):
        if "racun" in msg.text:
            raise ValueError("cannot be stored")
        return real(msg, *args)

    monkeypatch.setattr(intake.batch.rows, "complaint_row", refusing)
    texts = ["jalan rusak satu", "jalan rusak dua", "racun", "jalan rusak tiga", "jalan rusak empat"]
    batch = items(router, *(message(str(i), t, channel="api", sender=None) for i, t in enumerate(texts)))
    assert write_batch(db, batch, NOW, "http://aduan.test") is None
    assert [i.result is not None for i in batch] == [True, True, False, True, True]
    assert count(db, m.Complaint) == 4


def test_reused_id_with_another_request_is_a_conflict(db, router):
    """The same id with another fingerprint is not a redelivery: it is answered as a conflict."""
    first = items(router, message("k", channel="api", sender=None, fingerprint="aaa"))
    write_batch(db, first, NOW, "http://aduan.test")
    same = items(router, message("k", channel="api", sender=None, fingerprint="aaa"))
    other = items(router, message("k", "lain", channel="api", sender=None, fingerprint="bbb"))
    write_batch(db, same, NOW, "http://aduan.test")
    write_batch(db, other, NOW, "http://aduan.test")
    assert same[0].result.outcome == "duplicate"
    assert other[0].result.outcome == "conflict"
    assert count(db, m.Complaint) == 1


async def test_thread_writer_refuses_submissions_once_stopping(db, router):
    """A message submitted while intake stops is refused (503), never left waiting."""
    from intake.writer import ThreadWriter
    from store.db import StoreUnavailable

    writer = ThreadWriter(db, "http://aduan.test")
    writer.start()
    first = await writer.submit(message("1"), router.config)
    stopping = asyncio.ensure_future(writer.stop())
    await asyncio.sleep(0)
    with pytest.raises(StoreUnavailable):
        await asyncio.wait_for(writer.submit(message("2"), router.config), 5)
    await stopping
    assert first.outcome == "opened"
