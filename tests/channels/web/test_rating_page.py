"""The rating page of a reporter reached by e-mail (SPEC section 15): the resolution notice carries a link signed for
that complaint; the page takes one rating and refuses a second; a wrong key opens nothing."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from complaints import who
from store import actions, queries
from store import models as m

OFFICER = who.user(7, "Baiq Nurul Aini", "agency", "dinkes-mataram")


@pytest.fixture
async def resolved(client, runtime):
    """A complaint from the JSON API with an e-mail reporter, resolved; the rating link its notice carries."""
    resp = await client.post("/api/v1/complaints", json={
        "text": "Obat di Puskesmas Ampenan kosong sejak minggu lalu", "region": "kota-mataram",
        "reporter": {"name": "Siti Aminah", "email": "siti@example.org"}})
    assert resp.status == 201, await resp.text()
    code = (await resp.json())["code"]
    with runtime.db.reader.connect() as conn:
        complaint = queries.find_complaint(conn, code)
    await runtime.write(actions.change_status, complaint, runtime.config, "resolved", OFFICER,
                        "Stok obat sudah dikirim dari gudang farmasi", datetime.now(timezone.utc),
                        runtime.env.public_url, runtime.messaging_channels)
    with runtime.db.reader.connect() as conn:
        notice = conn.execute(select(m.Outbox.transport, m.Outbox.target, m.Outbox.payload)
                              .where(m.Outbox.event == "citizen.status.resolved")).one()
    assert (notice[0], notice[1]) == ("email", "siti@example.org")
    link = re.search(rf"{re.escape(runtime.env.public_url)}(/rate/{code}\?key=[A-Za-z0-9_-]+)", notice[2]["text"])
    assert link, notice[2]["text"]
    return code, link.group(1)


def key_of(path: str) -> str:
    return path.split("key=", 1)[1]


async def test_the_page_takes_one_rating_and_refuses_a_second(client, runtime, resolved):
    code, path = resolved
    page = await client.get(path)
    assert page.status == 200
    html = await page.text()
    assert code in html and 'name="rating"' in html
    resp = await client.post(f"/rate/{code}", data={"key": key_of(path), "rating": "4", "comment": "Cukup cepat"})
    assert resp.status == 200
    assert "4 dari 5" in await resp.text()
    with runtime.db.reader.connect() as conn:
        row = queries.find_complaint(conn, code)
    assert (row["rating"], row["rating_comment"]) == (4, "Cukup cepat")
    again = await client.post(f"/rate/{code}", data={"key": key_of(path), "rating": "1"})
    assert again.status == 409
    assert "sudah dinilai (4 dari 5)" in await again.text()
    with runtime.db.reader.connect() as conn:
        assert queries.find_complaint(conn, code)["rating"] == 4
    shown = await client.get(path)
    assert 'name="rating"' not in await shown.text()


async def test_a_missing_rating_shows_the_form_again_with_the_comment(client, resolved):
    code, path = resolved
    resp = await client.post(f"/rate/{code}", data={"key": key_of(path), "rating": "9", "comment": "lumayan"})
    assert resp.status == 400
    html = await resp.text()
    assert "Pilih salah satu nilai" in html and "lumayan</textarea>" in html


@pytest.mark.parametrize("key", ["", "salah", "x" * 500])
async def test_a_wrong_key_opens_nothing(client, runtime, resolved, key):
    code, _path = resolved
    assert (await client.get(f"/rate/{code}?key={key}")).status == 404
    assert (await client.post(f"/rate/{code}", data={"key": key, "rating": "5"})).status == 404
    with runtime.db.reader.connect() as conn:
        assert queries.find_complaint(conn, code)["rating"] is None


async def test_another_sites_form_is_refused(client, runtime, resolved):
    code, path = resolved
    resp = await client.post(f"/rate/{code}", data={"key": key_of(path), "rating": "5"},
                             headers={"Origin": "https://evil.example"})
    assert resp.status == 403
    with runtime.db.reader.connect() as conn:
        assert queries.find_complaint(conn, code)["rating"] is None


async def test_a_messaging_reporter_gets_no_rating_page(client, runtime):
    """A Telegram or WhatsApp reporter is asked to answer 1–5 there; no page is made for them."""
    from tests.dashboard import seed as sample

    with runtime.db.writer.begin() as conn:
        cid = sample.complaint(conn, "NTB-WA000001", datetime.now(timezone.utc), channel="whatsapp",
                               sender_id="6281299990000", reply_to="6281299990000", status="in_progress")
        complaint = conn.execute(select(m.Complaint.__table__).where(m.Complaint.id == cid)).mappings().one()
    await runtime.write(actions.change_status, complaint, runtime.config, "resolved", OFFICER, None,
                        datetime.now(timezone.utc), runtime.env.public_url, runtime.messaging_channels)
    with runtime.db.reader.connect() as conn:
        row = queries.find_complaint(conn, "NTB-WA000001")
        text = conn.execute(select(m.Outbox.payload).where(m.Outbox.complaint_id == cid)).scalar_one()["text"]
    assert row["rating_asked_at"] is not None and row["rating_link_hash"] is None
    assert "1 sampai 5" in text and "/rate/" not in text
