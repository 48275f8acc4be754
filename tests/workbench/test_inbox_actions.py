"""The ticket page's forms (SPEC section 14): each changes the store, names the officer on the timeline and answers
303 back with a notice; an invalid one shows the page again (400) with the input kept and the error beside it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from store import models as m
from tests.workbench import helpers as h

OFFICER_BY = {"type": "user", "name": h.OFFICER, "role": "agency", "agency": h.AGENCY}


def last_step(runtime, code: str) -> dict:
    return h.steps(runtime.db, code)[-1]


def citizen_messages(runtime, code: str) -> list[dict]:
    with runtime.db.reader.connect() as conn:
        cid = conn.execute(select(m.Complaint.id).where(m.Complaint.code == code)).scalar_one()
        return [dict(r) for r in conn.execute(select(m.Outbox.__table__).where(
            m.Outbox.complaint_id == cid, m.Outbox.audience == "citizen").order_by(m.Outbox.id)).mappings()]


async def test_acknowledge_in_progress_and_resolve_name_the_officer(officer, runtime):
    """Terima, Sedang dikerjakan and Selesai (with its note) each move the ticket, tell the citizen, put the officer's
    name on the timeline and come back to the page with a notice."""
    path = f"/agency/tickets/{h.ANONYMOUS}"
    for status, note, notice in (("acknowledged", None, "Aduan sudah diterima."),
                                 ("in_progress", None, "Status diubah menjadi Sedang dikerjakan."),
                                 ("resolved", "Petugas sudah ditegur dan biaya dikembalikan.",
                                  "Aduan ditandai selesai.")):
        _, csrf = await h.page_and_csrf(officer, path)
        resp = await h.post(officer, f"{path}/status", csrf, status=status, **({"note": note} if note else {}))
        assert resp.status == 303, await resp.text()
        assert resp.headers["Location"] == f"{path}?done={status}"
        assert h.stored(runtime.db, h.ANONYMOUS)["status"] == status
        step = last_step(runtime, h.ANONYMOUS)
        assert (step["type"], step["status"], step["by"]) == ("status", status, OFFICER_BY)
        page = h.text_of(await (await officer.get(resp.headers["Location"])).text())
        assert notice in page
        assert f"{h.OFFICER} ({h.AGENCY_NAME})" in page
    assert last_step(runtime, h.ANONYMOUS)["data"] == {"note": "Petugas sudah ditegur dan biaya dikembalikan."}
    assert [m["event"] for m in citizen_messages(runtime, h.ANONYMOUS)] == [
        "citizen.status.acknowledged", "citizen.status.in_progress", "citizen.status.resolved"]
    assert h.stored(runtime.db, h.ANONYMOUS)["acknowledged_at"] is not None


async def test_reject_with_a_reason_stores_it(officer, runtime):
    """Tolak with a reason rejects the ticket with that reason, which the citizen hears."""
    path = f"/agency/tickets/{h.ANONYMOUS}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/status", csrf, status="rejected", note="Aduan ganda, sudah ditangani.")
    assert resp.status == 303
    row = h.stored(runtime.db, h.ANONYMOUS)
    assert (row["status"], row["status_reason"]) == ("rejected", "Aduan ganda, sudah ditangani.")
    assert last_step(runtime, h.ANONYMOUS)["by"] == OFFICER_BY
    assert "Aduan ganda, sudah ditangani." in citizen_messages(runtime, h.ANONYMOUS)[-1]["payload"]["text"]


async def test_reject_without_a_reason_shows_the_page_again_with_the_error_beside_it(officer, runtime):
    """Tolak with no reason is 400: the reject form is open, its field marked, the error beside it and in the summary
    at the top; nothing changes."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/status", csrf, status="rejected", note="   ")
    assert resp.status == 400
    html = await resp.text()
    assert '<details class="reject" open>' in html
    assert 'aria-invalid="true" aria-describedby="reject-note-error"' in html
    assert '<p class="error" id="reject-note-error">Tuliskan alasan penolakan; warga akan membacanya.</p>' in html
    assert '<a href="#reject-note">Tuliskan alasan penolakan' in html
    assert h.stored(runtime.db, h.NAMED)["status"] == "assigned"


async def test_too_long_text_is_refused_and_kept_in_its_box(officer, runtime):
    """A reason over 4,000 characters comes back in its box with the limit beside it."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    long_reason = "Bukan aduan kesehatan. " * 200
    resp = await h.post(officer, f"{path}/status", csrf, status="rejected", note=long_reason)
    assert resp.status == 400
    html = await resp.text()
    assert "Terlalu panjang: paling banyak 4.000 karakter." in html
    assert long_reason.strip() in html
    assert h.stored(runtime.db, h.NAMED)["status"] == "assigned"


async def test_a_move_the_status_does_not_allow_is_refused(officer, runtime):
    """Selesai on a ticket not yet acknowledged is not among its moves: 400 with the reason; nothing changes."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/status", csrf, status="resolved", note="Sudah")
    assert resp.status == 400
    assert ('Aduan berstatus "Belum diterima" tidak dapat diubah menjadi "Selesai".'
            in h.text_of(await resp.text()))
    resp = await h.post(officer, f"{path}/status", csrf, status="closed")
    assert resp.status == 400
    assert "Pilih salah satu tombol status." in await resp.text()
    assert h.stored(runtime.db, h.NAMED)["status"] == "assigned"


async def test_reply_reaches_the_citizen_and_the_conversation(officer, runtime):
    """A reply is queued for the citizen on their channel, signed with the agency, and shows in the conversation
    under the officer's name."""
    path = f"/agency/tickets/{h.ANONYMOUS}"
    _, csrf = await h.page_and_csrf(officer, path)
    message = "Mohon maaf atas kejadian ini. Kami sudah memanggil petugas yang bersangkutan."
    resp = await h.post(officer, f"{path}/reply", csrf, message=message)
    assert resp.status == 303
    assert resp.headers["Location"] == f"{path}?done=replied"
    step = last_step(runtime, h.ANONYMOUS)
    assert (step["type"], step["by"], step["data"]) == ("agency_reply", OFFICER_BY, {"message": message})
    sent = citizen_messages(runtime, h.ANONYMOUS)[-1]
    assert sent["event"] == "citizen.agency_reply" and h.AGENCY_NAME in sent["payload"]["text"]
    page = h.text_of(await (await officer.get(resp.headers["Location"])).text())
    assert "Balasan sudah dikirim ke warga." in page
    conversation = page[page.index("Percakapan dengan warga"):page.index("Balas warga")]
    assert message in conversation and h.OFFICER in conversation


async def test_reply_to_a_citizen_without_contact_says_so(officer, runtime):
    """A citizen who left no way to reach them: the reply is kept on the timeline and the notice says it was not
    sent."""
    path = f"/agency/tickets/{h.LATE_PAST_DUE}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/reply", csrf, message="Stok obat sudah kami minta.")
    assert resp.headers["Location"] == f"{path}?done=replied_nowhere"
    assert "warga tidak meninggalkan kontak" in h.text_of(await (await officer.get(resp.headers["Location"])).text())


async def test_empty_reply_is_refused_beside_its_box(officer):
    """An empty reply is 400 with the error beside the reply box."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/reply", csrf, message="  ")
    assert resp.status == 400
    assert '<p class="error" id="reply-error">Tuliskan balasan untuk warga.</p>' in await resp.text()


async def test_internal_note_is_kept_and_shown_to_the_agency(officer, runtime):
    """An internal note is stored as a private step by the officer and listed among the notes."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/note", csrf, note="Sudah telepon kepala puskesmas.")
    assert resp.headers["Location"] == f"{path}?done=noted"
    step = last_step(runtime, h.NAMED)
    assert (step["type"], step["public"], step["by"]) == ("note", False, OFFICER_BY)
    page = h.text_of(await (await officer.get(resp.headers["Location"])).text())
    assert "Catatan internal tersimpan." in page
    notes = page[page.index("Catatan internal"):page.index("Catatan baru")]
    assert "Sudah telepon kepala puskesmas." in notes


async def test_forward_hands_the_ticket_on_and_keeps_read_access(officer, runtime):
    """Forwarding to a unit below the agency moves the ticket there, names the officer, lands on the inbox with a
    notice, and the ticket stays readable (read-only) for the agency that forwarded it."""
    path = f"/agency/tickets/{h.NAMED}"
    html, csrf = await h.page_and_csrf(officer, path)
    assert f'<option value="{h.UNIT}">{h.UNIT_NAME}</option>' in html
    assert f'value="{h.OTHER_AGENCY}"' not in html
    resp = await h.post(officer, f"{path}/forward", csrf, agency=h.UNIT, note="Mohon dicek stok obat.")
    assert resp.status == 303
    assert resp.headers["Location"] == "/agency?done=forwarded"
    row = h.stored(runtime.db, h.NAMED)
    assert (row["agency"], row["status"]) == (h.UNIT, "assigned")
    step = last_step(runtime, h.NAMED)
    assert (step["type"], step["by"], step["data"]) == (
        "forwarded", OFFICER_BY, {"from": h.AGENCY, "to": h.UNIT, "note": "Mohon dicek stok obat."})
    inbox_page = await (await officer.get(resp.headers["Location"])).text()
    assert "Aduan sudah diteruskan dan tidak lagi ada di kotak masuk Anda." in h.text_of(inbox_page)
    assert f'data-code="{h.NAMED}"' not in inbox_page
    still = await officer.get(path)
    assert still.status == 200
    assert "Hanya dapat dibaca." in h.text_of(await still.text())


async def test_forward_to_an_agency_outside_its_reach_shows_the_allowed_ones(officer, runtime):
    """Forwarding to an agency the forwarding one may not reach is 400: the error names it and lists the agencies
    allowed, and the note typed is kept."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/forward", csrf, agency=h.OTHER_AGENCY, note="Jalan rusak ke puskesmas.")
    assert resp.status == 400
    html = await resp.text()
    error = re.search(r'<div class="error" id="forward-agency-error">(.*?)</div>', html, re.S).group(1)
    assert f"{h.OTHER_AGENCY_NAME} tidak dapat menerima terusan dari instansi Anda" in h.text_of(error)
    assert h.UNIT_NAME in error and "Dinas Sosial Kota Mataram" in error
    assert '<details id="forward-box" open>' in html
    assert ">Jalan rusak ke puskesmas.</textarea>" in html
    assert h.stored(runtime.db, h.NAMED)["agency"] == h.AGENCY


@pytest.mark.parametrize(("agency", "error"), [
    ("", "Pilih instansi tujuan."),
    ("dinas-tidak-ada", "Instansi ini tidak dikenal. Pilih dari daftar."),
    (h.AGENCY, "Aduan ini sudah di instansi Anda. Pilih instansi lain."),
])
async def test_forward_needs_a_known_other_agency(officer, runtime, agency, error):
    """No agency, an unknown one or the agency itself: 400 with the error beside the field."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/forward", csrf, agency=agency)
    assert resp.status == 400
    assert error in h.text_of(await resp.text())
    assert h.stored(runtime.db, h.NAMED)["agency"] == h.AGENCY


async def test_return_sends_the_ticket_back_to_triage_with_the_reason(officer, runtime):
    """"Bukan wewenang" with a reason returns the ticket to the complaint desk and lands on the inbox with a notice."""
    path = f"/agency/tickets/{h.LATE_PAST_DUE}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/return", csrf, reason="Bukan wewenang: loket dikelola RSUD Kota Mataram.")
    assert resp.status == 303
    assert resp.headers["Location"] == "/agency?done=returned"
    row = h.stored(runtime.db, h.LATE_PAST_DUE)
    assert (row["status"], row["agency"], row["status_reason"]) == (
        "triage", None, "Bukan wewenang: loket dikelola RSUD Kota Mataram.")
    step = last_step(runtime, h.LATE_PAST_DUE)
    assert (step["type"], step["by"]) == ("returned", OFFICER_BY)
    assert "Aduan dikembalikan ke tim pengaduan" in h.text_of(await (await officer.get("/agency?done=returned")).text())


async def test_return_without_a_reason_is_refused(officer, runtime):
    """"Bukan wewenang" without a reason is 400 with the error beside the reason; the ticket stays."""
    path = f"/agency/tickets/{h.LATE_PAST_DUE}"
    _, csrf = await h.page_and_csrf(officer, path)
    resp = await h.post(officer, f"{path}/return", csrf, reason="")
    assert resp.status == 400
    html = await resp.text()
    assert '<details id="return-box" open>' in html
    assert "Tuliskan mengapa aduan ini bukan wewenang instansi Anda." in html
    assert h.stored(runtime.db, h.LATE_PAST_DUE)["agency"] == h.AGENCY


async def test_a_resolved_ticket_cannot_be_handed_on(officer, runtime):
    """Forwarding or returning a resolved ticket is refused with the reason, as the agency API refuses it."""
    path = f"/agency/tickets/{h.RESOLVED}"
    _, csrf = await h.page_and_csrf(officer, path)
    forward = await h.post(officer, f"{path}/forward", csrf, agency=h.UNIT)
    give_back = await h.post(officer, f"{path}/return", csrf, reason="Bukan wewenang")
    assert (forward.status, give_back.status) == (400, 400)
    assert 'Aduan berstatus "Selesai" tidak dapat diteruskan atau dikembalikan lagi.' in h.text_of(await forward.text())
    assert h.stored(runtime.db, h.RESOLVED)["status"] == "resolved"
