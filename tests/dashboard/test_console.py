"""The operator console (SPEC section 14): the list and its filters, the triage queue, one complaint's page and its
forms (assign, status, reply, note, update, merge), bulk assignment, and the stored files at /files/{id}.

Each form is tried as a browser sends it (url-encoded, with the page's CSRF token) and as a hostile page would (no
token, another site's Origin); each change is read back from the store, with the person named on the timeline.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from api.auth import token_hash
from store import access
from store import models as m
from tests.dashboard import seed as sample
from tests.dashboard.people import page_csrf, sign_in_as, signed_in_client, add_person

OPERATOR = ("rina@ntbcare.example", "Rina Wulandari")
PAGE = f"/dashboard/complaints/{sample.NAMED_CODE}"


@pytest.fixture
async def desk(client, runtime, seeded):
    """A client signed in as the operator Rina Wulandari, over the dashboard's data set."""
    return await signed_in_client(client, runtime, *OPERATOR)


def rows_of(html: str) -> list[str]:
    """The codes of the list's rows, in order."""
    return re.findall(r'class="code">([A-Z0-9-]+)</a>', html)


def complaint_row(runtime, code: str):
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().one()


def events_of(runtime, code: str) -> list:
    with runtime.db.reader.connect() as conn:
        cid = complaint_row(runtime, code)["id"]
        return list(conn.execute(select(m.Event.__table__).where(m.Event.complaint_id == cid)
                                 .order_by(m.Event.id)).mappings())


async def post_form(client, path: str, page: str | None = None, **fields):
    """POST a form of `page` (default: the form's own complaint page) with that page's CSRF token."""
    token = await page_csrf(client, page or path.rsplit("/", 1)[0])
    return await client.post(path, data={"csrf": token, **fields}, allow_redirects=False)


# --- the list ---------------------------------------------------------------------------------


async def test_the_list_shows_every_complaint_newest_first(desk):
    resp = await desk.get("/dashboard/complaints")
    assert resp.status == 200
    html = await resp.text()
    assert rows_of(html) == ["NTB-AAAA0005", sample.SCRIPT_CODE, sample.OVERDUE_CODE, "NTB-AAAA0002",
                             sample.NAMED_CODE, "NTB-AAAA0000"]
    assert "<script>alert" not in html  # the complaint text is escaped


async def test_the_triage_queue_is_oldest_first(desk, runtime):
    with runtime.db.writer.begin() as conn:
        sample.complaint(conn, "NTB-TRIASE02", sample.MARCH + sample.timedelta(days=2), status="triage", agency=None,
                         region="ntb", category=None, rule=None)
    html = await (await desk.get("/dashboard/complaints?status=triage")).text()
    assert rows_of(html) == [sample.SCRIPT_CODE, "NTB-TRIASE02"]
    assert "Antrean triase" in html


async def test_filters_narrow_the_list(desk):
    html = await (await desk.get("/dashboard/complaints?agency=pupr-lotim")).text()
    assert rows_of(html) == [sample.OVERDUE_CODE]
    html = await (await desk.get("/dashboard/complaints?overdue=1")).text()
    assert rows_of(html) == [sample.OVERDUE_CODE]
    html = await (await desk.get("/dashboard/complaints?region=lombok-timur&channel=sms")).text()
    assert rows_of(html) == [sample.OVERDUE_CODE]


async def test_search_finds_words_as_written(desk):
    html = await (await desk.get("/dashboard/complaints?q=jembatan")).text()
    assert rows_of(html) == [sample.OVERDUE_CODE]
    html = await (await desk.get("/dashboard/complaints?q=Puskesmas+Ampenan")).text()
    assert rows_of(html) == [sample.NAMED_CODE]
    html = await (await desk.get(f"/dashboard/complaints?q={sample.NAMED_CODE}")).text()
    assert rows_of(html) == [sample.NAMED_CODE]


async def test_a_filter_it_cannot_read_is_said_beside_its_field(desk):
    resp = await desk.get("/dashboard/complaints?region=atlantis&q=jalan")
    assert resp.status == 400
    html = await resp.text()
    assert 'id="e-region"' in html and "Nilai saringan ini tidak dikenali" in html
    assert 'value="jalan"' in html  # the rest of the input is kept


async def test_pages_follow_with_a_cursor(desk, runtime):
    with runtime.db.writer.begin() as conn:
        for i in range(55):
            sample.complaint(conn, f"NTB-PAGE{i:04d}", sample.MARCH + sample.timedelta(days=5, minutes=i))
    first = await (await desk.get("/dashboard/complaints")).text()
    assert len(rows_of(first)) == 50
    following = re.search(r'href="(/dashboard/complaints\?[^"]*cursor=[^"]+)" rel="next"', first)
    assert following
    second = await (await desk.get(following.group(1).replace("&amp;", "&"))).text()
    assert len(rows_of(second)) == 11
    assert not set(rows_of(first)) & set(rows_of(second))


# --- one complaint -------------------------------------------------------------------------------


async def test_the_complaint_page_has_the_conversation_and_the_forms(desk):
    html = await (await desk.get(PAGE)).text()
    assert "Obat di Puskesmas Ampenan kosong" in html
    assert sample.REPORTER_NAME in html
    for form in ("assign", "status", "reply", "note", "update", "merge"):
        assert f'action="{PAGE}/{form}"' in html


async def test_assign_offers_the_agencies_of_the_region_and_above_first(desk, runtime):
    html = await (await desk.get(f"/dashboard/complaints/{sample.SCRIPT_CODE}")).text()
    near = html.split('label="Melayani wilayah aduan ini')[1].split("</optgroup>")[0]
    codes = re.findall(r'option value="([a-z0-9-]+)"', near)
    config = runtime.config
    assert codes and all(config.agencies[c].region == "ntb" for c in codes)  # the triage complaint is province-wide
    page = await (await desk.get(f"/dashboard/complaints/{sample.OVERDUE_CODE}")).text()
    near = page.split('label="Melayani wilayah aduan ini')[1].split("</optgroup>")[0]
    codes = re.findall(r'option value="([a-z0-9-]+)"', near)
    regions = [config.agencies[c].region for c in codes]
    assert regions[0] == "lombok-timur" and "ntb" in regions
    assert regions.index("ntb") > max(i for i, r in enumerate(regions) if r == "lombok-timur")


async def test_an_operator_assigns_and_the_timeline_names_them(desk, runtime):
    resp = await post_form(desk, f"/dashboard/complaints/{sample.SCRIPT_CODE}/assign", agency="dinas-pupr-ntb",
                           note="Mohon dicek ke lokasi")
    assert resp.status == 303
    assert resp.headers["Location"] == f"/dashboard/complaints/{sample.SCRIPT_CODE}?done=assigned"
    row = complaint_row(runtime, sample.SCRIPT_CODE)
    assert (row["agency"], row["status"]) == ("dinas-pupr-ntb", "assigned")
    last = events_of(runtime, sample.SCRIPT_CODE)[-1]
    assert last["type"] == "assigned"
    assert last["by"] == {"type": "user", "name": OPERATOR[1], "role": "operator", "agency": None}
    page = await (await desk.get(resp.headers["Location"])).text()
    assert "Aduan sudah ditugaskan" in page
    assert OPERATOR[1] in page.split('id="h-timeline"')[1]
    with runtime.db.reader.connect() as conn:
        sent = conn.execute(select(m.Outbox.agency, m.Outbox.event).where(m.Outbox.event == "ticket.assigned",
                                                                          m.Outbox.agency == "dinas-pupr-ntb")).all()
    assert sent


async def test_an_invalid_form_comes_back_with_the_input_and_the_error(desk, runtime):
    resp = await post_form(desk, f"{PAGE}/status", status="rejected", note="")
    assert resp.status == 400
    html = await resp.text()
    assert 'id="e-status-note"' in html and "Tulis alasan penolakan" in html
    assert '<option value="rejected" selected>' in html
    assert complaint_row(runtime, sample.NAMED_CODE)["status"] == "assigned"
    resp = await post_form(desk, f"{PAGE}/assign", agency="no-such-office", note="tetap di sini")
    assert resp.status == 400
    html = await resp.text()
    assert "Pilih instansi dari daftar" in html and "tetap di sini</textarea>" in html


async def test_reject_with_a_reason(desk, runtime):
    resp = await post_form(desk, f"{PAGE}/status", status="rejected", note="Bukan kewenangan pemerintah daerah")
    assert resp.status == 303
    row = complaint_row(runtime, sample.NAMED_CODE)
    assert (row["status"], row["status_reason"]) == ("rejected", "Bukan kewenangan pemerintah daerah")
    page = await (await desk.get(PAGE)).text()
    assert 'action="/dashboard/complaints/NTB-AAAA0001/assign"' not in page  # a final complaint has no forms


async def test_reply_goes_to_the_citizen_and_the_conversation(desk, runtime):
    resp = await post_form(desk, f"{PAGE}/reply", message="Terima kasih, kami teruskan ke Dinas Kesehatan.")
    assert resp.status == 303
    with runtime.db.reader.connect() as conn:
        queued = conn.execute(select(m.Outbox.transport, m.Outbox.target, m.Outbox.payload)
                              .where(m.Outbox.audience == "citizen")).all()
    assert [(t, target) for t, target, _ in queued] == [("sms", "+6281234567890")]
    assert "kami teruskan ke Dinas Kesehatan" in queued[0][2]["text"]
    page = await (await desk.get(PAGE)).text()
    conversation = page.split('id="h-conversation"')[1].split("</section>")[0]
    assert "msg-out" in conversation and OPERATOR[1] in conversation


async def test_an_internal_note_stays_internal(desk, runtime, client):
    resp = await post_form(desk, f"{PAGE}/note", note="Pelapor pernah mengadu hal yang sama tahun lalu")
    assert resp.status == 303
    note = events_of(runtime, sample.NAMED_CODE)[-1]
    assert (note["type"], note["public"]) == ("note", False)
    public = await client.get(f"/api/v1/track/{sample.NAMED_CODE}")
    assert "tahun lalu" not in await public.text()
    with runtime.db.reader.connect() as conn:
        assert conn.execute(select(m.Outbox.id).where(m.Outbox.audience == "citizen")).first() is None


async def test_update_changes_the_details(desk, runtime):
    resp = await post_form(desk, f"{PAGE}/update", category="obat", priority="high", region="kota-mataram",
                           kind="complaint")
    assert resp.status == 303
    row = complaint_row(runtime, sample.NAMED_CODE)
    assert (row["category"], row["priority"]) == ("obat", "high")
    assert events_of(runtime, sample.NAMED_CODE)[-1]["data"]["priority"] == {"from": "normal", "to": "high"}
    resp = await post_form(desk, f"{PAGE}/update", category="obat", priority="sangat", region="kota-mataram",
                           kind="complaint")
    assert resp.status == 400
    assert "Pilih prioritas dari daftar" in await resp.text()


async def test_merge_moves_the_duplicate_and_tells_its_reporter(desk, runtime):
    resp = await post_form(desk, f"{PAGE}/merge", into=sample.OVERDUE_CODE.lower())
    assert resp.status == 303
    row = complaint_row(runtime, sample.NAMED_CODE)
    assert (row["status"], row["status_reason"]) == ("closed", "duplicate")
    target = complaint_row(runtime, sample.OVERDUE_CODE)
    assert target["reporter_id"] == row["reporter_id"]  # the original had no reporter: the duplicate's moves there
    with runtime.db.reader.connect() as conn:
        moved = conn.execute(select(m.FollowUp.text).where(m.FollowUp.complaint_id == target["id"])).scalars().all()
        told = conn.execute(select(m.Outbox.target, m.Outbox.payload)
                            .where(m.Outbox.event == "citizen.merged")).all()
    assert "Obat di Puskesmas Ampenan kosong sejak minggu lalu" in moved
    assert len(told) == 1 and told[0][0] == "+6281234567890" and sample.OVERDUE_CODE in told[0][1]["text"]
    original = await (await desk.get(f"/dashboard/complaints/{sample.OVERDUE_CODE}")).text()
    assert "Obat di Puskesmas Ampenan kosong" in original.split('id="h-conversation"')[1].split("</section>")[0]
    resp = await post_form(desk, "/dashboard/complaints/NTB-AAAA0002/merge", into="NTB-AAAA0002")
    assert resp.status == 400
    assert "tidak dapat digabungkan ke dirinya sendiri" in await resp.text()


async def test_bulk_assign_assigns_the_ticked_and_skips_the_final(desk, runtime):
    token = await page_csrf(desk, "/dashboard/complaints")
    resp = await desk.post("/dashboard/complaints/assign", allow_redirects=False, data=[
        ("csrf", token), ("agency", "dinas-pupr-ntb"), ("code", sample.SCRIPT_CODE), ("code", "NTB-AAAA0000"),
        ("code", sample.ANONYMOUS_CODE)])
    assert resp.status == 303
    page = await (await desk.get(resp.headers["Location"])).text()
    assert "2 aduan ditugaskan; 1 dilewati" in page
    assert complaint_row(runtime, sample.SCRIPT_CODE)["agency"] == "dinas-pupr-ntb"
    assert complaint_row(runtime, "NTB-AAAA0000")["agency"] == "dinas-pupr-ntb"
    assert complaint_row(runtime, sample.ANONYMOUS_CODE)["status"] == "rejected"


# --- what a hostile page cannot do ------------------------------------------------------------------


@pytest.mark.parametrize("form, fields", [
    ("assign", {"agency": "dinas-pupr-ntb"}), ("status", {"status": "rejected", "note": "x"}),
    ("reply", {"message": "x"}), ("note", {"note": "x"}), ("update", {"priority": "urgent"}),
    ("merge", {"into": "NTB-AAAA0002"}),
])
async def test_every_form_refuses_a_missing_token_and_another_site(desk, runtime, form, fields):
    before = complaint_row(runtime, sample.NAMED_CODE)
    count = len(events_of(runtime, sample.NAMED_CODE))
    resp = await desk.post(f"{PAGE}/{form}", data=fields, allow_redirects=False)
    assert resp.status == 403
    token = await page_csrf(desk, PAGE)
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        resp = await desk.post(f"{PAGE}/{form}", data={"csrf": token, **fields}, headers=headers, allow_redirects=False)
        assert resp.status == 403
    assert complaint_row(runtime, sample.NAMED_CODE) == before
    assert len(events_of(runtime, sample.NAMED_CODE)) == count


async def test_an_agency_officer_gets_404_on_the_console(client, runtime, seeded):
    await signed_in_client(client, runtime, "ahmad@pkm.example", "Ahmad Fauzi", "agency", "dinkes-mataram")
    for path in ("/dashboard/complaints", PAGE, "/dashboard/complaints?status=triage"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 404, path
    resp = await client.get("/dashboard", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/agency")


async def test_not_signed_in_goes_to_login_and_comes_back(client, runtime, seeded):
    resp = await client.get(PAGE, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login?next=%2Fdashboard%2Fcomplaints%2FNTB-AAAA0001"
    add_person(runtime, *OPERATOR)
    resp = await sign_in_as(client, OPERATOR[0], next_url=PAGE)
    assert resp.headers["Location"] == PAGE


# --- files ----------------------------------------------------------------------------------------


@pytest.fixture
def stored_photo(runtime, env, seeded) -> int:
    """A stored photo of the overdue complaint (pupr-lotim's), its bytes under the var directory."""
    from pathlib import Path

    path = Path(env.var_dir) / "attachments/2026/03/foto.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with runtime.db.writer.begin() as conn:
        return conn.execute(m.Attachment.__table__.insert().values(
            complaint_id=seeded[sample.OVERDUE_CODE], kind="image", content_type="image/jpeg",
            stored_path="attachments/2026/03/foto.jpg", size=24, name="jembatan.jpg", created_at=sample.MARCH,
        ).returning(m.Attachment.id)).scalar_one()


async def test_a_file_opens_for_the_operator_and_its_agency_only(client, runtime, stored_photo):
    resp = await client.get(f"/files/{stored_photo}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/dashboard/login?next=%2Ffiles%2F")
    await signed_in_client(client, runtime, *OPERATOR)
    resp = await client.get(f"/files/{stored_photo}")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert (await resp.read()).startswith(b"\xff\xd8")
    page = await (await client.get(f"/dashboard/complaints/{sample.OVERDUE_CODE}")).text()
    assert f'href="/files/{stored_photo}"' in page
    client.session.cookie_jar.clear()
    await signed_in_client(client, runtime, "other@dinkes.example", "Dewi", "agency", "dinkes-mataram")
    assert (await client.get(f"/files/{stored_photo}")).status == 404
    assert (await client.get("/files/999999")).status == 404
    assert (await client.get("/files/..%2F..%2Fetc%2Fpasswd")).status == 404
    client.session.cookie_jar.clear()
    await signed_in_client(client, runtime, "budi@pupr.example", "Budi", "agency", "pupr-lotim")
    assert (await client.get(f"/files/{stored_photo}")).status == 200


async def test_a_file_answers_tokens_of_its_agency_and_404_to_others(client, runtime, stored_photo):
    from datetime import datetime, timezone

    with runtime.db.writer.begin() as conn:
        for code in ("pupr-lotim", "dinkes-mataram"):
            access.add_token(conn, token_hash(f"adu_{code}"), "agency", code, None, datetime.now(timezone.utc))
    own = await client.get(f"/files/{stored_photo}", headers={"Authorization": "Bearer adu_pupr-lotim"})
    assert own.status == 200
    other = await client.get(f"/files/{stored_photo}", headers={"Authorization": "Bearer adu_dinkes-mataram"})
    assert other.status == 404
    wrong = await client.get(f"/files/{stored_photo}", headers={"Authorization": "Bearer adu_nonsense"})
    assert wrong.status == 404


async def test_a_file_that_is_not_an_image_or_pdf_is_a_download(client, runtime, env, seeded):
    from pathlib import Path

    path = Path(env.var_dir) / "attachments/2026/03/catatan.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"<html><script>alert(1)</script>")
    with runtime.db.writer.begin() as conn:
        ident = conn.execute(m.Attachment.__table__.insert().values(
            complaint_id=seeded[sample.NAMED_CODE], kind="document", content_type="application/octet-stream",
            stored_path="attachments/2026/03/catatan.bin", size=31, name="catatan \"rapat\".html",
            created_at=sample.MARCH).returning(m.Attachment.id)).scalar_one()
    await signed_in_client(client, runtime, *OPERATOR)
    resp = await client.get(f"/files/{ident}")
    assert resp.status == 200
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="catatan _rapat_.html"')
    assert "sandbox" in resp.headers["Content-Security-Policy"]


def test_the_desk_offers_the_kinds_and_priorities_the_configuration_takes():
    from complaints import desk
    from config import models

    assert desk.KINDS == models.KINDS
    assert desk.PRIORITIES == models.PRIORITIES


async def test_a_supervisor_reloads_the_configuration_and_an_operator_cannot(client, runtime, seeded, tmp_path):
    await signed_in_client(client, runtime, *OPERATOR)
    token = await page_csrf(client, "/dashboard")
    assert 'action="/dashboard/reload"' not in await (await client.get("/dashboard")).text()
    resp = await client.post("/dashboard/reload", data={"csrf": token}, allow_redirects=False)
    assert resp.status == 404
    client.session.cookie_jar.clear()
    await signed_in_client(client, runtime, "iqbal@ntbcare.example", "Lalu Muhammad Iqbal", "supervisor")
    page = await (await client.get("/dashboard")).text()
    assert 'action="/dashboard/reload"' in page
    token = await page_csrf(client, "/dashboard")
    assert (await client.post("/dashboard/reload", data={}, allow_redirects=False)).status == 403
    resp = await client.post("/dashboard/reload", data={"csrf": token}, allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/dashboard?done=reloaded")
    assert "Konfigurasi dimuat ulang" in await (await client.get(resp.headers["Location"])).text()


async def test_asking_the_citizen_makes_the_complaint_wait_and_the_filter_finds_it(desk, runtime):
    resp = await post_form(desk, f"{PAGE}/reply", message="Di sebelah mana tepatnya puskesmas itu?", ask="1")
    assert resp.status == 303 and resp.headers["Location"].endswith("done=asked")
    row = complaint_row(runtime, sample.NAMED_CODE)
    assert row["waiting_until"] is not None
    html = await (await desk.get("/dashboard/complaints?waiting=citizen")).text()
    assert rows_of(html) == [sample.NAMED_CODE] and "Menunggu jawaban warga" in html
    assert (await desk.get("/dashboard/complaints?waiting=nanti")).status == 400


async def test_the_operator_api_replies_and_asks(client, runtime, env, seeded):
    auth = {"Authorization": f"Bearer {env.operator_token}"}
    resp = await client.post(f"/api/v1/complaints/{sample.NAMED_CODE}/reply", headers=auth,
                             json={"message": "Mohon kirim foto resepnya.", "ask": True})
    assert resp.status == 202
    assert await resp.json() == {"code": sample.NAMED_CODE, "queued": True, "waiting": "citizen"}
    view = await (await client.get(f"/api/v1/complaints/{sample.NAMED_CODE}", headers=auth)).json()
    assert view["waiting"] == "citizen"
    assert view["conversation"][-1] | {"at": None} == {
        "at": None, "direction": "out", "channel": "web", "text": "Mohon kirim foto resepnya.",
        "by": {"type": "token", "label": "ADUAN_OPERATOR_TOKEN", "agency": None}, "public": True}
    bad = await client.post(f"/api/v1/complaints/{sample.NAMED_CODE}/reply", headers=auth,
                            json={"message": "x", "ask": "ya"})
    assert bad.status == 400


async def test_the_overview_shows_the_mean_rating(desk, runtime):
    from sqlalchemy import update

    with runtime.db.writer.begin() as conn:
        conn.execute(update(m.Complaint).where(m.Complaint.code.in_([sample.NAMED_CODE, "NTB-AAAA0002"]))
                     .values(rating=m.Complaint.id % 2 + 3))
    html = await (await desk.get(f"/dashboard?since={sample.SINCE}&until={sample.UNTIL}")).text()
    shown = re.search(r'data-kpi="rating_average">([^<]+)', html).group(1).strip()
    assert shown == "3,50" and "2 dinilai" in html
