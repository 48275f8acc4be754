"""The console in a real browser (Debian's Chromium through Playwright, against `python main.py serve`): an operator
account made with `user add` sets its password from the one-time link, searches, opens the triage queue, assigns a
complaint and leaves a note; on a laptop and a phone, in Bahasa Indonesia and in English.

Screenshots land in test-artifacts/ (console-*.png) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from store.db import open_database
from tests.dashboard import seed as sample
from tests.dashboard.test_dashboard_browser import (
    ARTIFACTS,
    PHONE,
    ROOT,
    free_port,
    launch,
    need_browser,
    no_horizontal_overflow,
    serving,
    watched_page,
)

PASSWORD = "Mataram sejuk di pagi hari"
LONG_NAME = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Timur"


@pytest.fixture(params=["id", "en"])
def desk(request, tmp_path, database_url):
    """The app served over the dashboard's data set in one language, and a one-time link of a new operator."""
    language = request.param
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", config_dir)
    settings = config_dir / "settings.yaml"
    settings.write_text(settings.read_text().replace("language: id", f"language: {language}", 1))
    port = free_port()
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(config_dir), ADUAN_PORT=str(port),
               ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(tmp_path / "var"), ADUAN_SWEEP="off",
               ADUAN_OUTBOX_WORKER="off")
    run = lambda *args: subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True,
                                       text=True, timeout=120)
    assert run("db", "upgrade").returncode == 0
    added = run("user", "add", "--name", "Rina Wulandari", "--email", "rina@ntbcare.example", "--role", "operator")
    assert added.returncode == 0, added.stderr
    db = open_database(database_url)
    try:
        with db.writer.begin() as conn:
            sample.seed(conn)
    finally:
        db.dispose()
    with serving(env, tmp_path, port) as base:
        yield base, added.stdout.strip(), language
    assert PASSWORD not in (tmp_path / "serve.log").read_text()


def shot(page, name: str, language: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-{name}-{language}.png"), full_page=True)


def test_an_operator_sets_a_password_searches_and_assigns(desk):
    base, link, lang = desk
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    words = {"id": {"welcome": "Buat kata sandi", "triage": "Antrean triase", "done": "Aduan sudah ditugaskan",
                    "noted": "Catatan internal tersimpan"},
             "en": {"welcome": "Create your password", "triage": "Triage queue", "done": "Complaint assigned",
                    "noted": "Internal note saved"}}[lang]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
            page, problems = watched_page(context)  # the short password's 400 is a failed load, not a problem

            page.goto(link)
            assert page.locator("h1").inner_text() == words["welcome"]
            assert page.locator("dd[data-field=email]").inner_text() == "rina@ntbcare.example"
            shot(page, "welcome", lang)
            page.fill("#password", "pendek")
            page.fill("#password2", "pendek")
            page.evaluate("document.querySelectorAll('input[minlength]').forEach(i => i.removeAttribute('minlength'))")
            page.click("form button[type=submit]")
            assert "10" in page.locator(".error").inner_text()
            page.fill("#password", PASSWORD)
            page.fill("#password2", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(f"{base}/dashboard?done=password_set")
            assert page.locator("nav .who").inner_text() == "Rina Wulandari"

            page.click("nav a[href='/dashboard/complaints?status=triage']")
            assert page.locator("h1").inner_text() == words["triage"]
            assert page.locator(".case .code").all_inner_texts() == [sample.SCRIPT_CODE]
            shot(page, "triage", lang)

            page.goto(f"{base}/dashboard/complaints")
            page.fill("#f-q", "jembatan")
            page.click("form.filters button[type=submit]")
            assert page.locator(".case .code").all_inner_texts() == [sample.OVERDUE_CODE]
            page.goto(f"{base}/dashboard/complaints")
            shot(page, "list", lang)

            page.goto(f"{base}/dashboard/complaints/{sample.SCRIPT_CODE}")
            page.select_option("#assign-agency", "pupr-lotim")
            page.fill("#assign-note", "Jalan desa di Lombok Timur")
            page.click("form[action$='/assign'] button")
            page.wait_for_url(f"{base}/dashboard/complaints/{sample.SCRIPT_CODE}?done=assigned")
            assert words["done"] in page.locator(".done").inner_text()
            assert page.locator("dd[data-field=agency]").inner_text() == LONG_NAME
            page.fill("#note-text", "Pelapor minta dihubungi lewat Telegram saja.")
            page.click("form[action$='/note'] button")
            assert words["noted"] in page.locator(".done").inner_text()
            assert "Rina Wulandari" in page.locator("section[aria-labelledby=h-timeline] ol.timeline").inner_text()
            shot(page, "complaint", lang)
            assert problems == []
            state = context.storage_state()
            context.close()

            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                        storage_state=state)
            page, problems = watched_page(phone)
            for name, path in (("list", "/dashboard/complaints"), ("triage", "/dashboard/complaints?status=triage"),
                               ("complaint", f"/dashboard/complaints/{sample.SCRIPT_CODE}"), ("overview", "/dashboard"),
                               ("password", "/dashboard/password")):
                page.goto(f"{base}{path}")
                no_horizontal_overflow(page)
                shot(page, f"{name}-phone", lang)
            # On a phone the queues come before the charts.
            page.goto(f"{base}/dashboard")
            queues = page.locator("#triage").bounding_box()
            charts = page.locator(".chart-grid").bounding_box()
            assert queues["y"] < charts["y"]
            assert problems == []
        finally:
            browser.close()
