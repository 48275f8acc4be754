"""Sending the web form: what a citizen sees, and what is (or is not) stored."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
from pathlib import Path

import aiohttp
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from complaints.messages import status_name
from store import models
from store.db import StoreUnavailable

ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon diperbaiki."


def rows(runtime, model) -> list:
    with runtime.db.reader.connect() as conn:
        return list(conn.execute(select(model.__table__)).mappings())


async def test_full_submission_with_photo_and_pdf_leads_to_the_tracking_page(citizen, client, runtime, samples, count_complaints):
    """A complete form with a photo and a PDF answers 303 to the tracking page, which shows code and status."""
    photo = samples.phone_photo()
    response = await citizen.send(
        {"text": ROAD, "kind": "complaint", "region": "lobar-gerung", "category": "jalan", "name": "Budi Santoso",
         "phone": "0812 3456 7890", "email": "budi@contoh.id", "lat": "-8.6", "lon": "116.1"},
        [("foto jalan.jpg", photo), ("surat.pdf", samples.pdf)],
    )
    assert response.status == 303
    location = response.headers["Location"]
    match = re.fullmatch(r"/track/(NTB-[0-9A-Z]{8})\?lang=id&new=1", location)
    assert match, location
    code = match.group(1)

    page = await client.get(location)
    html = await page.text()
    assert page.status == 200
    assert "Aduan Anda sudah diterima." in html
    assert f'<p class="code" id="tracking-code">{code}</p>' in html
    assert "Catat atau simpan kode ini" in html
    assert "Ada lampiran yang tidak disimpan" not in html
    complaint = rows(runtime, models.Complaint)[0]
    assert status_name(complaint["status"], "id") in html
    assert count_complaints() == 1

    attachments = sorted(rows(runtime, models.Attachment), key=lambda a: a["kind"])
    assert [(a["kind"], a["content_type"], a["name"]) for a in attachments] == [
        ("document", "application/pdf", "surat.pdf"),
        ("image", "image/jpeg", "foto jalan.jpg"),
    ]
    for attachment in attachments:
        assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|jpg)", attachment["stored_path"])
        stored = (Path(runtime.env.var_dir) / attachment["stored_path"]).read_bytes()
        assert attachment["size"] == len(stored) and attachment["sha256"] == hashlib.sha256(stored).hexdigest()
    pdf, image = ((Path(runtime.env.var_dir) / a["stored_path"]).read_bytes() for a in attachments)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    # Written anew: the appended ZIP and the camera's EXIF are gone, the place it was taken is kept.
    assert image != photo and samples.zip_trailer not in image and samples.secret_make not in image
    assert Image.open(io.BytesIO(image)).getexif().get_ifd(0x8825)[1] == "S"


async def test_anonymous_reporters_photo_is_stored_without_exif(citizen, runtime, samples, stored_files):
    """The stored JPEG of an anonymous reporter has no EXIF (no GPS) left, and no original file name."""
    response = await citizen.send({"text": ROAD, "anonymous": "1"}, [("IMG_Budi_Santoso.jpg", samples.phone_photo())])
    assert response.status == 303
    (path,) = stored_files()
    stored = path.read_bytes()
    assert b"Exif" not in stored and samples.secret_make not in stored and b"Budi" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and len(image.getexif()) == 0 and image.size == (48, 64)
    (attachment,) = rows(runtime, models.Attachment)
    assert attachment["name"] is None
    assert attachment["sha256"] == hashlib.sha256(stored).hexdigest() and attachment["size"] == len(stored)


async def test_anonymous_box_sent_after_the_photo_still_cleans_it(citizen, samples, stored_files):
    """Whatever the order of the form's parts, an anonymous reporter's photo loses its metadata."""
    response = await citizen.send({"text": ROAD}, [("foto.jpg", samples.phone_photo())], after_files={"anonymous": "1"})
    assert response.status == 303
    (path,) = stored_files()
    stored = path.read_bytes()
    assert b"Exif" not in stored and len(Image.open(io.BytesIO(stored)).getexif()) == 0


async def test_same_submission_sent_twice_gives_one_complaint(citizen, samples, count_complaints, stored_files):
    """A double click or a browser resubmit returns the same complaint and code."""
    form = await citizen.open_form()
    first = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg())], form=form)
    second = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg())], form=form)
    assert first.status == second.status == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_complaints() == 1
    assert len(stored_files()) == 1


async def test_missing_or_wrong_csrf_token_is_refused(citizen, samples, count_complaints, stored_files):
    """Without the form's token, or with another one, the answer is 403 and nothing is stored."""
    for token in ("omit", "", "0" * 64):
        response = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg())], token=token)
        assert response.status == 403
        assert "Formulir perlu dimuat ulang" in await response.text()
    assert count_complaints() == 0
    assert stored_files() == []


async def test_token_without_its_cookie_is_refused(citizen, client, count_complaints):
    """A token copied into a browser that lacks the cookie (a forged form) is refused."""
    form = await citizen.open_form()
    client.session.cookie_jar.clear()
    response = await citizen.send({"text": ROAD}, form=form)
    assert response.status == 403
    assert count_complaints() == 0


async def test_cross_origin_post_is_refused(citizen, count_complaints):
    """A post whose Origin is another site is refused, even with a valid token."""
    response = await citizen.send({"text": ROAD}, headers={"Origin": "https://evil.example"})
    assert response.status == 403
    assert count_complaints() == 0


async def test_same_origin_post_is_accepted(citizen, client, count_complaints):
    """A browser that sends our own Origin gets through."""
    response = await citizen.send({"text": ROAD}, headers={"Origin": f"http://{client.host}:{client.port}"})
    assert response.status == 303
    assert count_complaints() == 1


async def test_filled_honeypot_is_refused(citizen, samples, count_complaints, stored_files):
    """A bot that fills the hidden field gets a 400 page and nothing is stored."""
    response = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg())], honeypot="https://spam.example")
    assert response.status == 400
    assert "Kiriman tidak dapat diterima" in await response.text()
    assert count_complaints() == 0
    assert stored_files() == []


async def test_too_many_submissions_get_429_with_retry_after(citizen, runtime, count_complaints):
    """Past the per-address limit the answer is 429 with Retry-After, and the page says when to retry."""
    runtime.limiter.per_minute = 2
    for _ in range(2):
        assert (await citizen.send({"text": ROAD})).status == 303
    response = await citizen.send({"text": ROAD})
    assert response.status == 429
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 61
    assert f"coba lagi dalam {seconds} detik" in await response.text()
    assert count_complaints() == 2


async def test_file_over_5_mb_shows_the_form_again_with_everything_kept(citizen, samples, count_complaints, stored_files):
    """A 5.5 MB file gives 413 and the form again: every field and choice kept (also those sent after the
    file), the error beside the file field naming it and in the summary at the top; nothing is stored."""
    big = samples.phone_photo(trailer=b"\x00" * (5 * 1024 * 1024 + 512 * 1024))
    response = await citizen.send(
        {"text": ROAD, "kind": "inquiry", "region": "lobar-gerung", "category": "jalan", "name": "Budi Santoso",
         "phone": "0812 3456 7890", "email": "budi@contoh.id", "confidential": "1"},
        [("foto.jpg", samples.phone_photo()), ("foto besar.jpg", big)], after_files={"lat": "-8.6", "lon": "116.1"},
    )
    html = await response.text()
    assert response.status == 413
    assert f">{ROAD}</textarea>" in html
    assert '<option value="inquiry" selected>' in html and '<option value="lobar-gerung" selected>' in html
    for kept in ('value="jalan"', 'value="Budi Santoso"', 'value="0812 3456 7890"', 'value="budi@contoh.id"',
                 'value="-8.6"', 'value="116.1"'):
        assert kept in html
    assert re.search(r'id="f-confidential" name="confidential" value="1" checked', html)
    error = "Berkas “foto besar.jpg” lebih dari 5\u00a0MB sehingga tidak terkirim. Kecilkan ukurannya atau pilih berkas lain."
    assert f'<p class="field-error" id="f-attachments-error" role="alert">{error} Pilih lagi lampiran Anda' in html
    assert f'<a href="#f-attachments">Lampiran (boleh dikosongkan): {error}</a>' in html
    assert html.index('class="error-summary"') < html.index("<form")
    assert "<title>Perlu diperbaiki: " in html
    assert count_complaints() == 0
    assert stored_files() == []


async def test_body_announced_at_100_mb_is_answered_after_its_fields_with_the_text_kept(citizen, client, count_complaints,
                                                                                   stored_files):
    """A form whose Content-Length says 100 MB is answered 413 (the form again, text kept) after its fields:
    only the first 64 KB of the file are sent before the answer has come (the multipart reader looks a little
    ahead for the boundary), the rest only after it."""
    form = await citizen.open_form()
    boundary = "aduanboundary"
    fields = [("csrf_token", form.csrf_token), ("submission_id", form.submission_id), ("website", ""), ("text", ROAD)]
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in fields)
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="video.jpg"\r\n' \
            "Content-Type: image/jpeg\r\n\r\n"
    answered = asyncio.Event()
    sent_after_answer = []

    async def body():
        yield head.encode() + b"\xff\xd8\xff\xe0" + b"\x00" * (64 * 1024)
        await answered.wait()  # the server must answer without any of what follows
        sent_after_answer.append(True)

    response = await asyncio.wait_for(client.post(
        "/?lang=id", data=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(100 * 1024 * 1024)},
    ), timeout=60)
    answered.set()
    html = await response.text()
    assert response.status == 413
    assert sent_after_answer == []
    assert f">{ROAD}</textarea>" in html
    assert "Lampiran terlalu besar untuk dikirim sekaligus" in html
    assert count_complaints() == 0 and stored_files() == []


async def test_program_renamed_jpg_is_refused_with_the_error_shown(citizen, samples, count_complaints, stored_files):
    """An .exe named .jpg is recognised by its content: 400, the error next to the attachments."""
    response = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg()), ("setup.jpg", samples.exe)])
    html = await response.text()
    assert response.status == 400
    assert '<p class="field-error" id="f-attachments-error" role="alert">Berkas “setup.jpg” bukan foto' in html
    assert count_complaints() == 0
    assert stored_files() == []


async def test_four_files_are_refused(citizen, samples, count_complaints, stored_files):
    """At most 3 files: a fourth gives 400 with the error shown, and none is kept."""
    files = [(f"foto{i}.jpg", samples.jpeg()) for i in range(4)]
    response = await citizen.send({"text": ROAD}, files)
    assert response.status == 400
    assert "Paling banyak 3 berkas." in await response.text()
    assert count_complaints() == 0
    assert stored_files() == []


async def test_empty_text_shows_the_error_next_to_the_field_and_keeps_the_input(citizen, count_complaints):
    """Without text: 400, the error by the text field and in the summary, everything else kept."""
    response = await citizen.send(
        {"text": "  ", "kind": "inquiry", "region": "lobar-gerung", "category": "jalan", "name": "Budi Santoso",
         "phone": "0812 3456 7890", "email": "budi@contoh.id", "confidential": "1", "lat": "-8.6", "lon": "116.1"}
    )
    html = await response.text()
    assert response.status == 400
    assert '<p class="field-error" id="f-text-error" role="alert">Isi aduan wajib diisi.</p>' in html
    assert re.search(r'<div class="error-summary" role="alert".*<a href="#f-text">Isi aduan: Isi aduan wajib diisi\.</a>', html, re.S)
    assert 'aria-describedby="f-text-hint f-text-error" aria-invalid="true"' in html
    assert '<option value="inquiry" selected>' in html
    assert '<option value="lobar-gerung" selected>' in html
    for kept in ('value="jalan"', 'value="Budi Santoso"', 'value="0812 3456 7890"', 'value="budi@contoh.id"',
                 'value="-8.6"', 'value="116.1"'):
        assert kept in html
    assert re.search(r'id="f-confidential" name="confidential" value="1" checked', html)
    assert count_complaints() == 0


async def test_corrected_form_goes_through_with_the_same_page(citizen, client, count_complaints):
    """After an error, the form sent back carries a valid token: correcting and sending works."""
    response = await citizen.send({"text": ""})
    sent_back = citizen.form_in(await response.text())
    again = await citizen.send({"text": ROAD}, form=sent_back)
    assert again.status == 303
    assert count_complaints() == 1


async def test_bad_email_and_half_a_location_are_shown_on_their_fields(citizen):
    """A wrong e-mail and a latitude without longitude are each reported on their own field."""
    html = await (await citizen.send({"text": ROAD, "email": "budi@", "lat": "-8.6"})).text()
    assert 'id="f-email-error" role="alert">Alamat e-mail tidak valid' in html
    assert 'id="f-lon-error" role="alert">Isi garis lintang dan garis bujur keduanya' in html


async def test_unknown_region_is_shown_on_the_region_field(citizen, count_complaints):
    """A region code the config does not know gives 400 with the error by the region field."""
    response = await citizen.send({"text": ROAD, "region": "atlantis"})
    assert response.status == 400
    assert 'id="f-region-error" role="alert">Wilayah tidak dikenal' in await response.text()
    assert count_complaints() == 0


async def test_store_unavailable_gives_503_and_keeps_no_file(citizen, runtime, samples, monkeypatch, stored_files):
    """When the database cannot take the complaint the citizen is asked to retry, and no file stays behind."""

    async def unavailable(msg):
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(runtime.intake, "accept", unavailable)
    response = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg())])
    assert response.status == 503
    assert "Layanan sedang sibuk, silakan coba lagi" in await response.text()
    assert stored_files() == []


async def test_garbage_bodies_get_400_never_500(client, count_complaints):
    """A body that is not our multipart form is a 400 page."""
    bad = [
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"text=hello"),
        ({"Content-Type": "multipart/form-data; boundary=xyz"}, b"\x00\xff garbage without boundary"),
        ({"Content-Type": "multipart/form-data; boundary=xyz"}, b"--xyz\r\nContent-Disposition: form-data\r\n\r\nno end"),
        ({"Content-Type": "text/plain"}, b"hello"),
    ]
    for headers, body in bad:
        response = await client.post("/", data=body, headers=headers)
        assert response.status == 400, (headers, body)
    assert count_complaints() == 0


async def test_base64_encoded_part_is_refused(citizen, client, count_complaints):
    """An encoded part (which browsers never send) cannot slip past the size checks."""
    form = await citizen.open_form()
    with aiohttp.MultipartWriter("form-data") as writer:
        for name, value in (("csrf_token", form.csrf_token), ("submission_id", form.submission_id), ("text", "aGVsbG8=")):
            part = writer.append(value)
            part.set_content_disposition("form-data", name=name)
            if name == "text":
                part.headers["Content-Transfer-Encoding"] = "base64"
    response = await client.post("/", data=writer)
    assert response.status == 400
    assert count_complaints() == 0


async def test_english_form_stays_in_english(citizen, client):
    """A form sent from the English page redirects and answers in English."""
    response = await citizen.send({"text": ROAD}, lang="en")
    assert response.headers["Location"].endswith("?lang=en&new=1")
    html = await (await client.get(response.headers["Location"])).text()
    assert '<html lang="en">' in html and "Your complaint has been received." in html


async def test_stored_message_keeps_the_fields_but_not_the_token(citizen, runtime):
    """The raw message is the form's fields as sent, without the CSRF token; the complaint has the page's language."""
    form = await citizen.open_form("en")
    await citizen.send({"text": ROAD, "name": "Budi"}, form=form, lang="en")
    (inbound,) = rows(runtime, models.InboundMessage)
    raw = json.loads(inbound["raw"])
    assert raw["text"] == ROAD and raw["name"] == "Budi" and raw["submission_id"] == form.submission_id
    assert "csrf_token" not in raw and form.csrf_token not in inbound["raw"]
    assert inbound["channel"] == "web" and inbound["provider_message_id"] == form.submission_id
    (complaint,) = rows(runtime, models.Complaint)
    assert complaint["language"] == "en" and complaint["channel"] == "web"


async def test_broken_photo_of_an_anonymous_reporter_is_refused(citizen, samples, count_complaints, stored_files):
    """A photo that cannot be cleaned is not stored with its metadata: 400 with the error shown."""
    broken = samples.jpeg(samples.exif_app1())[:40]
    response = await citizen.send({"text": ROAD, "anonymous": "1"}, [("foto.jpg", broken)])
    assert response.status == 400
    assert "Berkas “foto.jpg” rusak dan tidak dapat diproses." in await response.text()
    assert count_complaints() == 0
    assert stored_files() == []


@pytest.mark.parametrize("box_after_files", [False, True])
async def test_anonymous_reporters_pdf_is_stored_without_metadata(citizen, runtime, samples, stored_files, box_after_files):
    """An anonymous reporter's PDF is stored rewritten: no "Budi" in its bytes, empty metadata, the same pages."""
    original = samples.pdf_with_metadata(pages=2)
    fields, after = ({"text": ROAD}, {"anonymous": "1"}) if box_after_files else ({"text": ROAD, "anonymous": "1"}, None)
    response = await citizen.send(fields, [("laporan_budi.pdf", original)], after_files=after)
    assert response.status == 303
    (path,) = stored_files()
    stored = path.read_bytes()
    assert b"Budi" not in stored and samples.secret_make not in stored
    reader = PdfReader(io.BytesIO(stored))
    assert not reader.metadata and reader.xmp_metadata is None
    assert len(reader.pages) == 2
    (attachment,) = rows(runtime, models.Attachment)
    assert attachment["name"] is None and attachment["content_type"] == "application/pdf"
    assert attachment["sha256"] == hashlib.sha256(stored).hexdigest() and attachment["size"] == len(stored)


async def test_pdf_of_a_reporter_who_is_not_anonymous_is_written_anew_with_its_information(citizen, runtime, samples,
                                                                                             stored_files):
    """Without the anonymous box a PDF keeps its document information, but what is stored is pypdf's rewrite:
    the ZIP appended after its end is gone."""
    original = samples.pdf_with_metadata()
    response = await citizen.send({"text": ROAD, "name": "Budi Santoso"}, [("laporan.pdf", original + samples.zip_trailer)])
    assert response.status == 303
    (path,) = stored_files()
    stored = path.read_bytes()
    assert samples.zip_trailer not in stored
    reader = PdfReader(io.BytesIO(stored))
    assert reader.metadata["/Author"] == "Budi Santoso" and len(reader.pages) == 2
    (attachment,) = rows(runtime, models.Attachment)
    assert attachment["name"] == "laporan.pdf"


@pytest.mark.parametrize(
    ("lang", "anonymous", "name", "content", "message"),
    [
        ("id", "", "surat.pdf", b"%PDF-1.4 garbage", "PDF “surat.pdf” rusak atau tidak dapat dibaca."),
        ("en", "1", "surat.pdf", b"%PDF-1.4 garbage", "The PDF “surat.pdf” is damaged or cannot be read."),
        ("id", "", "skrip.pdf", "script",
         "PDF “skrip.pdf” berisi JavaScript atau perintah yang berjalan sendiri, yang tidak kami terima demi keamanan "
         "instansi penerima. Buka PDF itu, pilih Cetak lalu Simpan sebagai PDF, dan kirim hasilnya."),
        ("en", "1", "ktp.pdf", "embedded",
         "The PDF “ktp.pdf” has other files embedded in it, which we do not accept. Send those files on their own "
         "(as photos or PDFs), or save the PDF again without attachments."),
    ],
)
async def test_pdf_that_does_not_parse_or_carries_a_script_or_a_file_is_refused(
        citizen, samples, count_complaints, stored_files, lang, anonymous, name, content, message):
    """A PDF is never stored as it came: one that does not parse, or carries a script or an embedded file, gives
    400 with the message next to the attachments, whoever sends it."""
    if content in ("script", "embedded"):
        content = samples.pdf_with_metadata(**{content: True})
    response = await citizen.send({"text": ROAD, "anonymous": anonymous}, [("foto.jpg", samples.jpeg()), (name, content)],
                                  lang=lang)
    html = await response.text()
    assert response.status == 400
    assert f'<p class="field-error" id="f-attachments-error" role="alert">{message} ' in html
    assert count_complaints() == 0
    assert stored_files() == []

@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "jalan\r\nBcc: semua@contoh.id"),
        ("region", "lobar-gerung\n"),
        ("name", "Budi\x00Santoso"),
        ("phone", "0812 3456\x7f7890"),
        ("email", "budi@contoh.id\x1b"),
        ("name", "Budi\tSantoso"),
        ("category", "jalan\u2028rusak"),
    ],
)
async def test_single_line_field_with_a_control_character_is_refused_beside_it(citizen, count_complaints, field, value):
    """CR, LF, NUL, DEL, another C0 or a line separator in a single-line field gives 400 with the error beside it."""
    response = await citizen.send({"text": ROAD, field: value})
    html = await response.text()
    assert response.status == 400
    assert (f'<p class="field-error" id="f-{field}-error" role="alert">Isian ini berisi baris baru, tab atau karakter '
            "kendali lain.") in html
    assert f'<a href="#f-{field}">' in html
    assert count_complaints() == 0


async def test_complaint_text_may_hold_line_breaks(citizen, runtime):
    """The complaint's own text keeps its paragraphs."""
    text = "Jalan rusak di Gerung.\r\n\r\nSudah tiga bulan, mohon diperbaiki."
    assert (await citizen.send({"text": text})).status == 303
    (complaint,) = rows(runtime, models.Complaint)
    assert complaint["text"] == "Jalan rusak di Gerung.\n\nSudah tiga bulan, mohon diperbaiki."


async def test_chunked_body_past_the_cap_stops_at_the_cap_and_keeps_the_input(citizen, client, count_complaints,
                                                                             stored_files):
    """Without a Content-Length, a body of more than 3 files of 5 MB is read only up to the cap, and the citizen
    gets the form back with the text kept."""
    form = await citizen.open_form()
    boundary = "aduanboundary"
    fields = [("csrf_token", form.csrf_token), ("submission_id", form.submission_id), ("website", ""), ("text", ROAD)]
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in fields)
    async def body():
        yield head.encode()
        for i in range(4):  # four files of 5 MB, each just under the per-file limit
            yield (f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="f{i}.jpg"\r\n'
                   "Content-Type: image/jpeg\r\n\r\n").encode()
            for _ in range(80):
                yield b"\x00" * (64 * 1024)
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    response = await client.post("/", data=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    html = await response.text()
    assert response.status == 413
    assert f">{ROAD}</textarea>" in html and "Lampiran terlalu besar untuk dikirim sekaligus" in html
    assert count_complaints() == 0 and stored_files() == []


async def test_photo_of_too_many_pixels_is_refused_beside_the_field(citizen, samples, count_complaints, stored_files):
    """A small file that would decode to a huge picture (a decompression bomb) is refused with a clear message."""
    response = await citizen.send({"text": ROAD}, [("bom.png", samples.png_claiming(20_000, 20_000))])
    html = await response.text()
    assert response.status == 400
    assert "Foto “bom.png” terlalu besar untuk diproses (lebih dari 50 megapiksel)." in html
    assert count_complaints() == 0 and stored_files() == []


async def test_image_with_a_zip_appended_reaches_no_agency_as_a_polyglot(citizen, samples, stored_files):
    """A PNG that is also a ZIP (its archive appended after the picture) is stored as a picture only."""
    polyglot = samples.phone_photo("PNG")
    response = await citizen.send({"text": ROAD, "name": "Budi"}, [("peta.png", polyglot)])
    assert response.status == 303
    (path,) = stored_files()
    stored = path.read_bytes()
    assert stored.startswith(b"\x89PNG") and samples.zip_trailer not in stored and b"PK\x03\x04" not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")
