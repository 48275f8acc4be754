"""A ticket's page in the agency inbox (SPEC section 14): its fields, the reporter unless anonymous, the conversation,
attachments, the internal notes its agency may read, the timeline with earlier agencies' public steps, and the
forms only while the ticket is the agency's to work."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.workbench import helpers as h

FORMS = ("status", "reply", "forward", "return", "note")


async def test_ticket_page_shows_fields_reporter_conversation_attachments_notes_and_timeline(officer):
    """The named reporter's ticket shows who wrote and their phone, the text and the follow-up in order, the photo
    linked at /files/<id>, the operators' and its own agency's notes, and its timeline."""
    resp = await officer.get(f"/agency/tickets/{h.NAMED}")
    assert resp.status == 200
    html = await resp.text()
    text = h.text_of(html)
    assert "Belum diterima" in text and "Terima paling lambat" in text
    assert "Kecamatan Ampenan" in text and h.AGENCY_NAME in text
    assert h.REPORTER_NAME in text and f'href="tel:{h.REPORTER_PHONE}"' in html
    assert text.index(h.NAMED_TEXT) < text.index(h.FOLLOWUP_TEXT)
    assert '<a href="/files/' in html and h.PHOTO_NAME in text and "48,2 kB" in text
    assert h.OPERATOR_NOTE in text and h.OWN_NOTE in text
    assert h.FOREIGN_NOTE not in text and h.FOREIGN_STEP not in text
    timeline = text[text.index("Riwayat"):]
    assert "Ditugaskan" in timeline and "Pesan lanjutan" in timeline
    for form in FORMS:
        assert f'action="/agency/tickets/{h.NAMED}/{form}"' in html
    assert '<button type="submit" name="status" value="acknowledged">Terima</button>' in html
    assert "Sedang dikerjakan" in text and "Tolak aduan" in text
    assert "Bukan wewenang" in text and "Teruskan ke instansi lain" in text


async def test_anonymous_reporter_is_not_shown(officer):
    """An anonymous reporter's name and phone never reach the agency's page."""
    html = await (await officer.get(f"/agency/tickets/{h.ANONYMOUS}")).text()
    assert h.HIDDEN_NAME not in html and h.HIDDEN_PHONE not in html
    assert "Pelapor meminta identitasnya dirahasiakan." in h.text_of(html)


async def test_timeline_shows_earlier_agencies_public_steps(client, runtime, inbox_data):
    """The unit a ticket was forwarded to sees the forwarding agency's public step on its timeline."""
    h.add_account(runtime.db, "pkm.ampenan@example.id", "Lale Sri Wahyuni", "agency", h.UNIT)
    await h.signed_in(client, "pkm.ampenan@example.id")
    html = await (await client.get(f"/agency/tickets/{h.FORWARDED}")).text()
    timeline = h.text_of(html)[h.text_of(html).index("Riwayat"):]
    assert "Diteruskan" in timeline and f"Dari: {h.AGENCY_NAME}" in timeline and f"Ke: {h.UNIT_NAME}" in timeline
    assert f'action="/agency/tickets/{h.FORWARDED}/status"' in html


async def test_forwarded_ticket_is_read_only_for_the_agency_that_forwarded_it(officer):
    """The forwarding agency reads the ticket, is told why it cannot act, and gets no forms."""
    resp = await officer.get(f"/agency/tickets/{h.FORWARDED}")
    assert resp.status == 200
    html = await resp.text()
    text = h.text_of(html)
    assert "Hanya dapat dibaca." in text
    assert f"Anda sudah meneruskan aduan ini; sekarang ditangani oleh {h.UNIT_NAME}." in text
    assert "Vaksin untuk bayi" in text
    assert f'action="/agency/tickets/{h.FORWARDED}/' not in html


async def test_escalated_ticket_is_read_only_and_says_why(client, runtime, inbox_data):
    """The agency a late ticket was escalated to reads it while that escalation is open, told who keeps working it."""
    now = datetime.now(timezone.utc)
    with runtime.db.writer.begin() as conn:
        cid = h.ticket(conn, "NTB-ESK00001", now - timedelta(days=4), agency=h.UNIT, region="mataram-ampenan",
                       acknowledge_due_at=now - timedelta(days=3), overdue=True)
        h.step(conn, cid, now - timedelta(days=2), "escalated", None, actor="sweep",
               data={"from": h.UNIT, "to": h.AGENCY})
    h.add_account(runtime.db, h.OFFICER_EMAIL, h.OFFICER)
    await h.signed_in(client, h.OFFICER_EMAIL)
    html = await (await client.get("/agency/tickets/NTB-ESK00001")).text()
    text = h.text_of(html)
    assert (f"Aduan ini dieskalasi kepada instansi Anda karena terlambat ditangani oleh {h.UNIT_NAME}.") in text
    assert 'action="/agency/tickets/NTB-ESK00001/' not in html


async def test_reply_templates_fill_the_reply_box(officer):
    """A reply template's link opens the page with its text, filled for the ticket, in the reply box."""
    html = await (await officer.get(f"/agency/tickets/{h.NAMED}")).text()
    assert f'href="/agency/tickets/{h.NAMED}?template=minta-lokasi#reply"' in html
    filled = h.text_of(await (await officer.get(f"/agency/tickets/{h.NAMED}?template=minta-lokasi")).text())
    assert f"Terima kasih atas laporan Bapak/Ibu (nomor aduan {h.NAMED})" in filled


async def test_resolved_ticket_offers_no_status_move_but_reply_and_note(officer):
    """A resolved ticket is still the agency's: it can reply and note, but not change its status or hand it on."""
    html = await (await officer.get(f"/agency/tickets/{h.RESOLVED}")).text()
    assert "Aduan ini sudah selesai. Bila warga tidak puas dan mengajukan keberatan" in h.text_of(html)
    assert f'/{h.RESOLVED}/reply"' in html and f'/{h.RESOLVED}/note"' in html
    for form in ("status", "forward", "return"):
        assert f'/{h.RESOLVED}/{form}"' not in html


async def test_unknown_code_is_not_found(officer):
    """A code no ticket has, or that is no code at all, is 404."""
    for code in ("NTB-ZZZZZZZZ", "bukan-kode"):
        resp = await officer.get(f"/agency/tickets/{code}")
        assert resp.status == 404
        assert "Halaman tidak ditemukan" in await resp.text()
