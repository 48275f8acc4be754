"""The public tracking pages: status and timeline, never identity, no text when confidential."""

from __future__ import annotations

import re

import intake.batch

ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon diperbaiki."


def code_of(response) -> str:
    return re.match(r"/track/([^?]+)", response.headers["Location"]).group(1)


async def test_tracking_page_shows_status_and_details(citizen, client):
    """The page shows the code, status, kind, category, region, agency, time and the timeline."""
    code = code_of(await citizen.send({"text": ROAD, "kind": "complaint", "region": "lobar-gerung"}))
    response = await client.get(f"/track/{code}")
    html = await response.text()
    assert response.status == 200
    assert f'<p class="code" id="tracking-code">{code}</p>' in html
    assert "Diteruskan ke instansi" in html  # routed by the road rule
    assert "<dd>Pengaduan</dd>" in html
    assert "<dd>Kecamatan Gerung</dd>" in html
    assert re.search(r"<dd>Dinas [^<]+</dd>", html)
    assert re.search(r"<dd><time datetime=\"[^\"]+\">\d{1,2} \w{3} \d{4} \d{2}\.\d{2} WITA</time></dd>", html)
    timeline = re.findall(r'<li><time datetime="[^"]+">([^<]+)</time> <span class="timeline-label">([^<]+)</span></li>', html)
    assert [label for _, label in timeline] == ["Diterima", "Diteruskan ke instansi"]
    assert all(when.endswith(" WITA") for when, _ in timeline)
    assert ROAD in html
    assert "Aduan Anda sudah diterima." not in html  # the banner only follows the submission


async def test_unrouted_complaint_waits_for_the_team(citizen, client):
    """A complaint no rule took shows that it waits for the team's verification."""
    code = code_of(await citizen.send({"text": "Halo, selamat pagi."}))
    html = await (await client.get(f"/track/{code}")).text()
    assert "<dd>Menunggu verifikasi tim</dd>" in html
    english = await (await client.get(f"/track/{code}", params={"lang": "en"})).text()
    assert '<html lang="en">' in english
    assert "<dd>Waiting for verification by the team</dd>" in english
    assert f'href="/track/{code}?lang=id"' in english


async def test_confidential_complaint_shows_no_text(citizen, client):
    """A confidential complaint's text never appears on its public page."""
    secret = "Kepala desa meminta uang pungutan liar untuk surat pindah."
    code = code_of(await citizen.send({"text": secret, "confidential": "1"}))
    html = await (await client.get(f"/track/{code}")).text()
    assert "meminta uang" not in html and secret not in html
    assert "Aduan ini rahasia" in html


async def test_tracking_page_shows_no_reporter_identity(citizen, client):
    """Name, phone and e-mail of the reporter are never on the public page."""
    code = code_of(
        await citizen.send({"text": ROAD, "name": "Budi Santoso", "phone": "0812 3456 7890", "email": "budi@contoh.id"})
    )
    html = await (await client.get(f"/track/{code}")).text()
    for identity in ("Budi", "Santoso", "0812", "3456 7890", "budi@contoh.id", "contoh.id"):
        assert identity not in html


async def test_unknown_code_gets_the_not_found_page(client):
    """A well-formed code that is not ours, or something that is no code, gives a 404 page."""
    for path in ("/track/NTB-ZZZZZZZZ", "/track/hello", "/track/%3Cscript%3E"):
        response = await client.get(path)
        assert response.status == 404
        html = await response.text()
        assert "Aduan tidak ditemukan" in html
        assert "<script>" not in html


async def test_lower_case_code_with_typos_finds_the_complaint(citizen, client, monkeypatch):
    """Typed in lower case, with O for 0 and I or L for 1, the code still finds the complaint."""
    monkeypatch.setattr(intake.batch, "new_code", lambda prefix: f"{prefix}-10K01XQ1")
    assert code_of(await citizen.send({"text": ROAD})) == "NTB-10K01XQ1"
    response = await client.get("/track/ntb-lOkoiXqi")
    assert response.status == 200
    assert '<p class="code" id="tracking-code">NTB-10K01XQ1</p>' in await response.text()


async def test_code_typed_in_the_lookup_form_leads_to_its_page(citizen, client):
    """`/track?code=` sends a typed code to its canonical page, keeping the language."""
    code = code_of(await citizen.send({"text": ROAD}))
    response = await client.get("/track", params={"code": f" {code.lower()} ", "lang": "en"}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"/track/{code}?lang=en"


async def test_lookup_form_explains_a_code_it_cannot_read(client):
    """An unreadable code is shown back with an error next to the field."""
    empty = await client.get("/track")
    assert empty.status == 200 and 'id="f-code"' in await empty.text()
    response = await client.get("/track", params={"code": "<b>abc</b>"})
    html = await response.text()
    assert response.status == 404
    assert 'id="f-code-error" role="alert">Kode ini tidak dikenali' in html
    assert 'value="&lt;b&gt;abc&lt;/b&gt;"' in html


async def test_script_in_the_text_is_shown_as_text(citizen, client):
    """A `<script>` in a complaint renders escaped, never as markup."""
    code = code_of(await citizen.send({"text": "<script>alert('x')</script> jalan rusak"}))
    html = await (await client.get(f"/track/{code}")).text()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; jalan rusak" in html
