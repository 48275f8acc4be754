"""The complaint form as a citizen's browser gets it: languages, labels, headers, own assets only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

CSP = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"


class Controls(HTMLParser):
    """Collect the form controls a person can reach and the labels that name them."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id"))
        if tag == "label":
            self.labelled.add(a.get("for"))


def controls_of(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(
    ("query", "lang", "labels"),
    [
        (
            None,
            "id",
            ["Isi aduan", "Jenis", "Pengaduan", "Aspirasi", "Permintaan informasi", "Wilayah",
             "Tidak tahu / biarkan sistem menentukan", "Kategori (boleh dikosongkan)", "Nama", "Nomor telepon", "E-mail",
             "Anonim", "Rahasia", "Lampiran (boleh dikosongkan)", "Garis lintang (latitude)", "Garis bujur (longitude)",
             "Gunakan lokasi saya", "Kirim aduan"],
        ),
        (
            "en",
            "en",
            ["Your complaint", "Type", "Complaint", "Aspiration", "Request for information", "Region",
             "Don&#39;t know / let the system decide", "Category (optional)", "Name", "Phone number", "E-mail",
             "Anonymous", "Confidential", "Attachments (optional)", "Latitude", "Longitude", "Use my location", "Send"],
        ),
    ],
)
async def test_form_renders_every_label_in_its_language(client, query, lang, labels):
    """The form is in Bahasa Indonesia by default and in English with ?lang=en, every field labelled."""
    response = await client.get("/", params={"lang": query} if query else None)
    assert response.status == 200
    html = await response.text()
    assert f'<html lang="{lang}">' in html
    for label in labels:
        assert label in html, label
    other = "en" if lang == "id" else "id"
    assert f'href="/?lang={other}"' in html
    assert f'action="/?lang={lang}"' in html
    controls = controls_of(html)
    assert set(controls.controls) <= controls.labelled
    assert {"f-text", "f-kind", "f-region", "f-category", "f-name", "f-phone", "f-email", "f-anonymous",
            "f-confidential", "f-attachments", "f-lat", "f-lon"} <= set(controls.controls)


async def test_unknown_language_shows_indonesian(client):
    """A `lang` we do not have falls back to Bahasa Indonesia."""
    html = await (await client.get("/", params={"lang": "fr"})).text()
    assert '<html lang="id">' in html and "Isi aduan" in html


async def test_regions_are_listed_in_tree_order_with_indentation(client, runtime):
    """Every configured region is offered, parents before children, children indented."""
    html = await (await client.get("/")).text()
    options = re.findall(r'<option value="([a-z0-9-]+)"[^>]*>([^<]*)</option>', html)
    region_options = [(code, label) for code, label in options if code in runtime.config.regions]
    assert [code for code, _ in region_options] == list(runtime.config.regions)
    labels = dict(region_options)
    assert labels["ntb"] == "Provinsi Nusa Tenggara Barat"
    assert labels["lombok-barat"] == "\xa0" * 3 + "Kabupaten Lombok Barat"
    assert labels["lobar-gerung"] == "\xa0" * 6 + "Kecamatan Gerung"


async def test_honeypot_is_hidden_from_people(client):
    """The trap field is out of sight, out of the tab order and of screen readers."""
    html = await (await client.get("/")).text()
    trap = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'name="website"' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap


async def test_pages_send_the_security_headers(client):
    """Form and tracking pages carry the CSP, nosniff and the referrer policy."""
    for path in ("/", "/track", "/track/NTB-ZZZZZZZZ"):
        response = await client.get(path)
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_form_sets_a_strict_http_only_cookie(client):
    """The CSRF cookie is SameSite=Strict and HttpOnly, and kept across visits."""
    response = await client.get("/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("aduan_csrf=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    again = await client.get("/")
    assert "Set-Cookie" not in again.headers


async def test_every_asset_is_our_own(client):
    """Stylesheet and script come from /static/, served by us with the right types."""
    html = await (await client.get("/")).text()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references and all(ref.startswith(("/", "#")) for ref in references)
    css = await client.get("/static/style.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    js = await client.get("/static/geo.js")
    assert js.status == 200 and js.content_type == "text/javascript"
    assert "navigator.geolocation" in await js.text()
    assert (await client.get("/static/handlers.py")).status == 404
    assert (await client.get("/static/..%2Fhandlers.py")).status == 404


async def test_location_button_waits_for_the_script(client):
    """Without JavaScript the location button stays hidden and the fields still work."""
    html = await (await client.get("/")).text()
    assert re.search(r'<button type="button" class="secondary" id="use-location" hidden', html)
    assert '<script src="/static/geo.js" defer></script>' in html


async def test_size_warning_script_is_ours_and_the_form_works_without_it(client):
    """The script that warns about a large file is served by us (allowed by the CSP's default-src 'self'); without
    it the form still posts: nothing depends on it, and the file field is the last thing before the button."""
    response = await client.get("/")
    html = await response.text()
    assert '<script src="/static/files.js" defer></script>' in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    script = await client.get("/static/files.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    assert "preventDefault" in await script.text()
    field = re.search(r'<input type="file" id="f-attachments"[^>]*>', html, re.S).group(0)
    assert 'data-max-bytes="5242880"' in field and 'data-max-files="3"' in field
    assert 'data-too-large="Berkas “{name}” berukuran {size}\u00a0MB, lebih dari batas 5\u00a0MB.' in field
    assert '<p class="field-error" id="f-attachments-warning" role="alert" hidden></p>' in html
    assert html.index('id="f-lon"') < html.index('id="f-attachments"') < html.index('type="submit"')
    assert re.search(r'<form class="complaint-form" method="post" action="/\?lang=id" enctype="multipart/form-data"', html)
