"""The agency inbox at /agency (SPEC section 14): its agency's open tickets, late ones first then by due time, with
the filters status, overdue and q, cursor pages, and the tickets it resolved lately."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from app.build import build_runtime
from app.server import create_app
from store import inbox
from tests.workbench import helpers as h

LISTED = re.compile(r'data-code="([^"]+)"')


def listed(html: str, which: str = "open") -> list[str]:
    """The codes of one of the page's lists, in order."""
    found = re.search(rf'data-list="{which}">(.*?)</ol>', html, re.S)
    return LISTED.findall(found.group(1)) if found else []


async def test_inbox_lists_open_tickets_late_first_then_by_due_time(officer):
    """The flagged and the past-due tickets come first (earliest due first), then the others by due time; resolved
    ones are in their own short list, other agencies' tickets nowhere."""
    resp = await officer.get("/agency")
    assert resp.status == 200
    html = await resp.text()
    assert listed(html) == h.OPEN_ORDER
    assert listed(html, "resolved") == [h.RESOLVED]
    assert h.OTHERS not in html and h.FORWARDED not in html
    text = h.text_of(html)
    assert "5 aduan terbuka" in text and "2 terlambat" in text
    assert h.AGENCY_NAME in text


async def test_each_row_shows_code_status_due_region_category_preview_and_received_time(officer):
    """A row links its code and shows the status in the officer's words, the due time with what it is for and the
    "Terlambat" badge when late, the region's name, the category, 140 characters of the text and when it came."""
    html = await (await officer.get("/agency")).text()
    rows = dict(re.findall(r'<li class="tk[^"]*" data-code="([^"]+)">(.*?)</li>', html, re.S))
    named = h.text_of(rows[h.NAMED])
    assert f'href="/agency/tickets/{h.NAMED}"' in rows[h.NAMED]
    assert "Belum diterima" in named and "(untuk diterima)" in named
    assert "Kecamatan Ampenan" in named and "kesehatan" in named
    assert h.NAMED_TEXT[:140] + "…" in named and h.NAMED_TEXT[:141] not in named
    assert "Terlambat" not in named
    late = h.text_of(rows[h.LATE_FLAGGED])
    assert "Terlambat" in late and "Sedang dikerjakan" in late and "(untuk diselesaikan)" in late
    assert "Terlambat" in h.text_of(rows[h.LATE_PAST_DUE])
    assert "Diterima " in h.text_of(rows[h.ACKNOWLEDGED]) and "WITA" in h.text_of(rows[h.ACKNOWLEDGED])


@pytest.mark.parametrize(("query", "expected"), [
    ("status=assigned", [h.LATE_PAST_DUE, h.NAMED, h.ANONYMOUS]),
    ("status=acknowledged", [h.ACKNOWLEDGED]),
    ("status=in_progress", [h.LATE_FLAGGED]),
    ("overdue=1", [h.LATE_FLAGGED, h.LATE_PAST_DUE]),
    ("overdue=1&status=assigned", [h.LATE_PAST_DUE]),
    ("q=hipertensi", [h.NAMED]),
    ("q=obatnya+masih", [h.NAMED]),  # a follow-up's words find its complaint
    ("q=puskesmas", [h.LATE_PAST_DUE, h.NAMED, h.ANONYMOUS]),
    ("q=ntb-dkm00002", [h.ACKNOWLEDGED]),
    ("q=jembatan", []),  # another agency's ticket is not found
])
async def test_filters_narrow_the_list_and_keep_their_values(officer, query, expected):
    """Status, overdue and the full-text search narrow the open list (in its order), the form shows what was asked,
    and the recently resolved list stays out of a filtered view."""
    resp = await officer.get(f"/agency?{query}")
    assert resp.status == 200
    html = await resp.text()
    assert listed(html) == expected
    assert 'data-list="resolved"' not in html
    if "status=assigned" in query:
        assert '<option value="assigned" selected>' in html
    if "overdue=1" in query:
        assert 'name="overdue" value="1" checked' in html
    if not expected:
        assert "Tidak ada aduan terbuka yang cocok dengan saringan ini." in h.text_of(html)
    assert 'href="/agency">Hapus saringan</a>' in html


async def test_unknown_status_filter_shows_the_error_beside_it(officer):
    """A status the list does not know answers 400 with the error beside the status field and every open ticket."""
    resp = await officer.get("/agency?status=closed&q=obat")
    assert resp.status == 400
    html = await resp.text()
    assert 'id="f-status-error">Status ini tidak ada. Pilih salah satu dari daftar.</p>' in html
    assert 'value="obat"' in html


async def test_empty_inbox_says_what_the_page_is_for(client, runtime, officer_id):
    """An agency with no tickets reads what the inbox is for and what to do with what arrives."""
    await h.signed_in(client, h.OFFICER_EMAIL)
    text = h.text_of(await (await client.get("/agency")).text())
    assert ("Belum ada aduan untuk instansi Anda. Aduan warga yang ditugaskan kepada Dinas Kesehatan Kota Mataram "
            "akan muncul di sini.") in text
    assert "terima, tindak lanjuti, balas warga, lalu tandai selesai" in text
    assert "0 aduan terbuka" in text


async def test_the_list_pages_with_a_cursor(client, runtime, officer_id):
    """Past 50 tickets a "next page" link continues in the same order, without repeating or skipping one."""
    now = datetime.now(timezone.utc)
    with runtime.db.writer.begin() as conn:
        for i in range(53):
            h.ticket(conn, f"NTB-PG{i:06d}", now - timedelta(days=1), acknowledge_due_at=now + timedelta(hours=i + 1))
    await h.signed_in(client, h.OFFICER_EMAIL)
    first = await (await client.get("/agency")).text()
    assert listed(first) == [f"NTB-PG{i:06d}" for i in range(50)]
    following = re.search(r'href="/agency\?([^"]*cursor=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = await (await client.get(f"/agency?{following}")).text()
    assert listed(second) == [f"NTB-PG{i:06d}" for i in range(50, 53)]
    assert 'rel="next"' not in second
    assert "Kembali ke halaman pertama" in second
    stale = await client.get("/agency?cursor=bukan-kursor")
    assert stale.status == 200
    assert "Tautan halaman itu tidak berlaku lagi" in await stale.text()


def test_cursor_keeps_the_order_of_the_time_the_list_was_first_read(db):
    """A ticket that falls late between two pages neither moves up nor repeats: the cursor carries its list's time."""
    now = datetime.now(timezone.utc)
    codes = [f"NTB-CR{i:06d}" for i in range(6)]
    with db.writer.begin() as conn:
        for i, code in enumerate(codes):
            h.ticket(conn, code, now - timedelta(days=1), acknowledge_due_at=now + timedelta(minutes=10 * (i + 1)))
        h.ticket(conn, "NTB-CRN0DVE0", now - timedelta(days=1))  # no due time: last
    f = inbox.InboxFilter(h.AGENCY)
    with db.reader.connect() as conn:
        first = inbox.list_inbox(conn, f, 3, None, now)
        # Half an hour later, the first three of the next page would be late and sort ahead.
        later = inbox.list_inbox(conn, f, 3, first.following, now + timedelta(minutes=45))
        last = inbox.list_inbox(conn, f, 3, later.following, now + timedelta(hours=2))
    assert [r["code"] for r in first.rows] == codes[:3]
    assert [r["code"] for r in later.rows] == codes[3:]
    assert [r["code"] for r in last.rows] == ["NTB-CRN0DVE0"] and last.following is None
    with pytest.raises(ValueError):
        inbox.decode_cursor("e30")


async def test_inbox_speaks_english_with_language_en(aiohttp_client, env, sample_config):
    """With `language: en` the inbox's words are English."""
    config = replace(sample_config, settings=sample_config.settings.model_copy(update={"language": "en"}))
    english = build_runtime(env, config)
    try:
        h.seed(english.db)
        h.add_account(english.db, h.OFFICER_EMAIL, h.OFFICER)
        client = await aiohttp_client(create_app(english))
        await h.signed_in(client, h.OFFICER_EMAIL)
        html = await (await client.get("/agency")).text()
        text = h.text_of(html)
        assert '<html lang="en">' in html
        assert "5 open complaints" in text and "2 overdue" in text and "Recently resolved" in text
        assert '<span class="status status-assigned">New</span>' in html and "(to acknowledge)" in text
        assert "Overdue" in text and "Kotak masuk" not in text
    finally:
        english.readers.shutdown(wait=True)
        english.db.dispose()
