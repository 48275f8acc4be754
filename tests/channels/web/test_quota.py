"""`attachments_quota_bytes`: past it a file is not kept, the complaint is, and the citizen is told which file."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from router import compile_router
from store import models

ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon diperbaiki."


def set_quota(runtime, quota: int) -> None:
    """Switch the running service to a config whose quota is `quota` bytes, as a reload does."""
    config = runtime.config
    runtime.in_force.use(compile_router(replace(config, settings=config.settings.model_copy(
        update={"attachments_quota_bytes": quota}))))


def attachments(runtime) -> list:
    with runtime.db.reader.connect() as conn:
        return list(conn.execute(select(models.Attachment.__table__)).mappings())


@pytest.mark.parametrize(
    ("lang", "banner", "note"),
    [
        ("id", "Ada lampiran yang tidak disimpan",
         "Berkas “kedua.jpg” tidak disimpan karena ruang penyimpanan lampiran layanan ini sedang penuh. "
         "Aduan Anda tetap diterima tanpa berkas ini."),
        ("en", "Some attachments were not kept",
         "The file “kedua.jpg” was not kept because the service&#39;s storage for attachments is full. "
         "Your complaint was received without it."),
    ],
)
async def test_file_past_the_quota_is_not_kept_and_the_confirmation_says_which(citizen, client, runtime, samples,
                                                                              stored_files, lang, banner, note):
    """With room for one photo of the earlier complaint and one more, the third file of all is refused: the
    complaint is stored with the file that fit, and its confirmation names the file that was not kept."""
    first = await citizen.send({"text": ROAD}, [("pertama.jpg", samples.phone_photo())], lang=lang)
    assert first.status == 303
    (earlier,) = attachments(runtime)
    set_quota(runtime, 2 * earlier["size"] + 10)  # counted from the store: the earlier file takes room too

    response = await citizen.send({"text": ROAD}, [("kedua.jpg", samples.phone_photo(size=(96, 64))),
                                                   ("ketiga.jpg", samples.phone_photo())], lang=lang)
    assert response.status == 303
    code = re.match(r"/track/([^?]+)", response.headers["Location"]).group(1)
    stored = attachments(runtime)
    assert sorted(a["name"] for a in stored) == ["ketiga.jpg", "pertama.jpg"]
    assert len(stored_files()) == 2
    assert sum(a["size"] for a in stored) <= 2 * earlier["size"] + 10

    page = await client.get(response.headers["Location"])
    html = await page.text()
    assert page.status == 200 and code in html
    assert f'<div class="banner banner-warning" role="alert">\n  <p><strong>{banner}</strong></p>' in html
    assert f"<li>{note}</li>" in html
    again = await (await client.get(response.headers["Location"])).text()
    assert banner not in again  # said once


async def test_quota_of_zero_takes_the_complaint_without_any_file(citizen, client, runtime, samples, count_complaints,
                                                                 stored_files):
    """With no room at all the complaint is still taken; no file is written."""
    set_quota(runtime, 0)
    response = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg()), ("surat.pdf", samples.pdf)])
    assert response.status == 303
    assert count_complaints() == 1 and stored_files() == [] and attachments(runtime) == []
    html = await (await client.get(response.headers["Location"])).text()
    assert "Berkas “foto.jpg” tidak disimpan" in html and "Berkas “surat.pdf” tidak disimpan" in html


async def test_note_cookie_cannot_be_forged_or_moved_to_another_complaint(citizen, client, runtime, samples):
    """A note made for one complaint, or one not signed by the service, says nothing on a tracking page."""
    set_quota(runtime, 0)
    one = await citizen.send({"text": ROAD}, [("foto.jpg", samples.jpeg())])
    cookie = one.cookies["aduan_note"].value
    other = await citizen.send({"text": ROAD})
    client.session.cookie_jar.clear()

    async def page(url: str, note: str) -> str:
        return await (await client.get(url, headers={"Cookie": f"aduan_note={note}"})).text()

    assert "Berkas “foto.jpg” tidak disimpan" in await page(one.headers["Location"], cookie)
    assert "tidak disimpan" not in await page(other.headers["Location"], cookie)
    forged = cookie.rpartition(".")[0] + "." + "0" * 64
    assert "tidak disimpan" not in await page(one.headers["Location"], forged)
