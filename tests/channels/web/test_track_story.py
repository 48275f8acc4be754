"""The public tracking page tells the story (SPEC section 15): each status change with its note, the agency's replies,
the current stage's due time, names not slugs, in the citizen's language; never a note for staff, a person's name or
the reporter, and nothing of it but the statuses when the complaint is confidential."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from complaints import who
from complaints.categories import category_name
from complaints.links import track_url
from complaints.timefmt import local_time
from store import actions, models, queries

ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon diperbaiki."
BANSOS = "Bantuan sosial PKH ibu saya di Gerung tidak cair sejak Januari."
AGENCY = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Barat"
OFFICER = who.user(7, "Rina Wulandari", "agency", "pupr-lobar")
OPERATOR = who.user(3, "Made Suardana", "operator", None)
REPLY = "Tim kami memeriksa lokasi pada hari Kamis dan menandai lubang dengan cat."
RESOLUTION = "Lubang sudah ditambal dengan aspal pada 12 Maret; terima kasih atas laporannya."
INTERNAL = "Anggaran dari pos pemeliharaan rutin, jangan dijanjikan ke warga."
QUESTION = "Di sisi jalan mana persisnya lubang itu, dekat SDN 2 Gerung atau dekat pasar?"
REPORTER = {"name": "Ni Luh Putu Ayu Kusumawardhani", "phone": "0812 3456 7890"}
PUBLIC_URL = "http://aduan.test"


def code_of(response) -> str:
    return re.match(r"/track/([^?]+)", response.headers["Location"]).group(1)


def act(runtime, code: str, step, *args, **kwargs):
    """Run one store action on the complaint with this code, in its own transaction."""
    with runtime.db.writer.begin() as conn:
        return step(conn, queries.find_complaint(conn, code), *args, **kwargs)


def set_status(runtime, code: str, status: str, note: str | None = None, actor=OFFICER) -> None:
    act(runtime, code, actions.change_status, runtime.config, status, actor, note, datetime.now(timezone.utc),
        PUBLIC_URL, ())


def reply(runtime, code: str, message: str, ask: bool = False, actor=OFFICER, kind: str = "agency_reply") -> None:
    act(runtime, code, actions.reply_to_citizen, AGENCY, actor, message, datetime.now(timezone.utc), kind=kind, ask=ask)


def story_of(runtime, code: str) -> None:
    """Acknowledge, reply, note internally and resolve with a note, as an agency's officer does."""
    set_status(runtime, code, "acknowledged")
    reply(runtime, code, REPLY)
    act(runtime, code, actions.add_note, OFFICER, INTERNAL, datetime.now(timezone.utc))
    set_status(runtime, code, "resolved", RESOLUTION)


def row_of(runtime, code: str):
    with runtime.db.reader.connect() as conn:
        return queries.find_complaint(conn, code)


def test_category_slugs_read_as_words():
    """A slug reads as words with its abbreviations in capitals; a typed category keeps its capitals."""
    assert category_name("layanan-puskesmas") == "Layanan puskesmas"
    assert category_name("koperasi-umkm") == "Koperasi UMKM"
    assert category_name("bantuan_sosial") == "Bantuan sosial"
    assert category_name("Jalan Provinsi") == "Jalan Provinsi"
    assert category_name("kesehatan") == "Kesehatan"
    assert category_name(None) is None and category_name(" - ") is None


def test_track_url_names_english_only():
    """Links to the tracking page carry `?lang=en` for English complaints and no language otherwise."""
    assert track_url(PUBLIC_URL, "NTB-7K3QX9P2", "en") == "http://aduan.test/track/NTB-7K3QX9P2?lang=en"
    assert track_url(PUBLIC_URL, "NTB-7K3QX9P2", "id") == "http://aduan.test/track/NTB-7K3QX9P2"
    assert track_url("", "NTB-7K3QX9P2", None) == "/track/NTB-7K3QX9P2"


async def test_resolved_complaint_shows_the_resolution_and_the_reply(citizen, client, runtime):
    """A resolved complaint's page shows the resolution note up top and in the story, and the agency's reply by the
    agency's name; never the officer's name, the internal note or the reporter."""
    code = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung", **REPORTER}))
    story_of(runtime, code)
    html = await (await client.get(f"/track/{code}")).text()
    assert '<p class="stage-outcome-label">Hasil tindak lanjut:</p>' in html
    assert f'<p class="message stage-outcome">{RESOLUTION}</p>' in html
    labels = re.findall(r'<span class="timeline-label">([^<]+)</span>', html)
    assert labels == ["Diterima", "Diteruskan ke instansi", "Diterima instansi", f"Balasan dari {AGENCY}",
                      "Selesai ditindaklanjuti"]
    assert f'<blockquote class="message">{REPLY}</blockquote>' in html
    assert html.count(RESOLUTION) == 1  # shown first, not again in the story
    for hidden in ("Rina", "Wulandari", INTERNAL, "pemeliharaan", "Kusumawardhani", "0812", "Target:"):
        assert hidden not in html


async def test_confidential_complaint_shows_no_text_notes_or_replies(citizen, client, runtime):
    """A confidential complaint's page has its statuses only: no text, no status note, no reply."""
    code = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung", "confidential": "1", **REPORTER}))
    story_of(runtime, code)
    html = await (await client.get(f"/track/{code}")).text()
    assert "Selesai ditindaklanjuti" in html
    assert "Catatan dan balasan instansi juga tidak ditampilkan." in html
    for hidden in (ROAD, "berlubang", RESOLUTION, "ditambal", REPLY, "Kamis", INTERNAL, "Balasan dari",
                   "Hasil tindak lanjut", "Rina", "Kusumawardhani"):
        assert hidden not in html


async def test_rejection_shows_its_reason(citizen, client, runtime):
    """A rejected complaint's page says why, as the operator wrote it for the citizen."""
    code = code_of(await citizen.send({"text": "Halo, selamat pagi semuanya."}))
    reason = "Aduan ini tidak menyebut apa yang terjadi maupun tempatnya; silakan kirim aduan baru dengan rinciannya."
    set_status(runtime, code, "rejected", reason, actor=OPERATOR)
    html = await (await client.get(f"/track/{code}")).text()
    assert '<p class="stage-outcome-label">Alasan penolakan:</p>' in html
    assert f'<p class="message stage-outcome">{reason}</p>' in html
    assert "Suardana" not in html


async def test_the_current_stage_shows_its_due_time_in_the_regions_zone(citizen, client, runtime):
    """Assigned: the response's due time; acknowledged: the resolution's; resolved: none; in WITA for Gerung."""
    code = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung"}))
    due = local_time(row_of(runtime, code)["acknowledge_due_at"], "Asia/Makassar", "id")
    html = await (await client.get(f"/track/{code}")).text()
    assert f">Target: direspons paling lambat {due}</time>" in html and due.endswith(" WITA")
    english = await (await client.get(f"/track/{code}", params={"lang": "en"})).text()
    assert f">Target: a response by {local_time(row_of(runtime, code)['acknowledge_due_at'], 'Asia/Makassar', 'en')}</time>" in english

    set_status(runtime, code, "acknowledged")
    due = local_time(row_of(runtime, code)["resolve_due_at"], "Asia/Makassar", "id")
    html = await (await client.get(f"/track/{code}")).text()
    assert f">Target: diselesaikan paling lambat {due}</time>" in html
    assert "direspons" not in html and "sudah terlewati" not in html

    set_status(runtime, code, "resolved", "Selesai.")
    assert "Target:" not in await (await client.get(f"/track/{code}")).text()


async def test_a_passed_due_time_says_so(citizen, client, runtime):
    """A due time already past is shown with a word that it passed."""
    code = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung"}))
    with runtime.db.writer.begin() as conn:
        conn.execute(update(models.Complaint).where(models.Complaint.code == code).values(
            acknowledge_due_at=datetime.now(timezone.utc) - timedelta(hours=2)))
    html = await (await client.get(f"/track/{code}")).text()
    assert '<p class="due due-passed">' in html and "Batas waktu ini sudah terlewati." in html


async def test_category_and_region_are_shown_by_name(citizen, client):
    """The category reads as words and the region by its name, never their slugs."""
    code = code_of(await citizen.send({"text": BANSOS, "region": "lobar-gerung"}))
    html = await (await client.get(f"/track/{code}")).text()
    assert "<dd>Bantuan sosial</dd>" in html and "<dd>Kecamatan Gerung</dd>" in html
    assert "bantuan-sosial" not in html and "lobar-gerung" not in html


async def test_page_speaks_the_citizens_language(citizen, client, runtime):
    """Without `lang` the page speaks the complaint's own language; `?lang=` chooses; the lookup sends English
    lookups to the English page and the others to the complaint's own language."""
    english = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung"}, lang="en"))
    indonesian = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung"}))
    reply(runtime, english, REPLY)

    page = await (await client.get(f"/track/{english}")).text()
    assert '<html lang="en">' in page and "<dd>Complaint</dd>" in page and f"Reply from {AGENCY}" in page
    assert "Target: a response by" in page
    assert f'href="/track/{english}?lang=id"' in page
    page = await (await client.get(f"/track/{english}", params={"lang": "id"})).text()
    assert '<html lang="id">' in page and f"Balasan dari {AGENCY}" in page
    page = await (await client.get(f"/track/{indonesian}")).text()
    assert '<html lang="id">' in page and "Target: direspons paling lambat" in page
    page = await (await client.get(f"/track/{indonesian}", params={"lang": "en"})).text()
    assert '<html lang="en">' in page and "Forwarded to the agency" in page

    for lang, location in (("en", f"/track/{english}?lang=en"), ("id", f"/track/{english}")):
        answer = await client.get("/track", params={"code": english, "lang": lang}, allow_redirects=False)
        assert answer.status == 303 and answer.headers["Location"] == location


async def test_code_without_its_prefix_is_found(citizen, client):
    """The code typed without `NTB-`, in the address or the lookup form, finds the complaint."""
    code = code_of(await citizen.send({"text": ROAD}))
    body = code.removeprefix("NTB-").lower()
    answer = await client.get(f"/track/{body}")
    assert answer.status == 200
    assert f'<p class="code" id="tracking-code">{code}</p>' in await answer.text()
    answer = await client.get("/track", params={"code": body}, allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == f"/track/{code}"
    assert (await client.get("/track/zzzzzzzz")).status == 404


async def test_a_question_shows_the_page_waiting_for_the_citizen(citizen, client, runtime):
    """While the agency waits for the citizen's answer the page says so, with what was asked; a confidential
    complaint says so without the question."""
    code = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung", "email": "warga@contoh.id"}))
    reply(runtime, code, QUESTION, ask=True)
    html = await (await client.get(f"/track/{code}")).text()
    banner = re.search(r'<div class="banner banner-warning waiting" role="status">(.*?)</div>', html, re.S).group(1)
    assert "<strong>Menunggu jawaban Anda</strong>" in banner
    assert f"{AGENCY} bertanya:" in banner and QUESTION in banner
    assert "percakapan" not in banner  # a form's reporter has no conversation to answer in
    assert f"Pertanyaan dari {AGENCY}" in html
    with runtime.db.writer.begin() as conn:  # as if it had come on Telegram
        conn.execute(update(models.Complaint).where(models.Complaint.code == code).values(channel="telegram"))
    html = await (await client.get(f"/track/{code}")).text()
    assert "Jawab dengan membalas pesan kami di percakapan tempat Anda mengirim aduan ini." in html

    secret = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung", "confidential": "1",
                                         "email": "warga@contoh.id"}))
    reply(runtime, secret, QUESTION, ask=True)
    html = await (await client.get(f"/track/{secret}")).text()
    assert "Menunggu jawaban Anda" in html and "Pertanyaannya kami kirim langsung kepada Anda" in html
    assert QUESTION not in html and "SDN 2" not in html


async def test_operators_reply_as_the_triage_team(citizen, client, runtime):
    """An operator's reply is signed with the triage team's name, never the operator's."""
    code = code_of(await citizen.send({"text": "Halo, saya mau bertanya soal layanan di kantor desa."}))
    reply(runtime, code, "Mohon sebutkan nama desanya agar kami teruskan ke instansi yang tepat.", actor=OPERATOR,
          kind="operator_reply")
    html = await (await client.get(f"/track/{code}")).text()
    assert "Balasan dari Tim NTB Care" in html and "Mohon sebutkan nama desanya" in html
    assert "Suardana" not in html


async def test_a_merged_complaint_links_the_one_it_joined(citizen, client, runtime):
    """A duplicate merged into another complaint says which, linking its page in the same language."""
    kept = code_of(await citizen.send({"text": ROAD, "region": "lobar-gerung"}))
    duplicate = code_of(await citizen.send({"text": "Lubang besar di jalan Gerung belum juga ditambal."}))
    with runtime.db.writer.begin() as conn:
        actions.merge(conn, queries.find_complaint(conn, duplicate), queries.find_complaint(conn, kept), OPERATOR,
                      datetime.now(timezone.utc), PUBLIC_URL)
    html = await (await client.get(f"/track/{duplicate}")).text()
    assert f'Digabungkan dengan aduan <a href="/track/{kept}?lang=id">{kept}</a>' in html
    english = await (await client.get(f"/track/{duplicate}", params={"lang": "en"})).text()
    assert f'Merged into complaint <a href="/track/{kept}?lang=en">{kept}</a>' in english
