"""The agency inbox in a real browser: Debian's Chromium driven by Playwright against `python main.py serve`.

An officer of Dinas Kesehatan Kota Mataram signs in from the login form, opens the inbox, acknowledges a ticket,
replies to the citizen and resolves it on a laptop; the same pages fit a phone; an officer of an agency with a long
name reads it whole; the pages speak English with `language: en`. Screenshots land in test-artifacts/ (inbox-*.png,
ticket-*.png) for a person to look at. Without /usr/bin/chromium (or Playwright) the test is skipped on a developer's
machine and fails in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from store.db import open_database
from tests.dashboard.test_dashboard_browser import free_port, launch, need_browser, no_horizontal_overflow, serving
from tests.workbench import helpers as h

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A unit with a real-length name the sample lacks, so the forward list holds one more long name.
EXTRA_AGENCY = """\
  - code: puskesmas-karang-taliwang
    name: UPTD Puskesmas Karang Taliwang
    service: kesehatan
    region: mataram-cakranegara
    escalate_to: dinkes-mataram
    deliver:
      - email: pkm.karangtaliwang@dinkes.mataramkota.example
"""
REPLY = "Terima kasih, Bapak. Stok obat hipertensi sudah kami minta dari gudang farmasi kota dan tiba besok pagi."
RESOLUTION = "Obat hipertensi sudah tersedia kembali di Puskesmas Ampenan sejak pagi ini."


def config_folder(tmp_path: Path, language: str) -> Path:
    """The sample configuration with one more Puskesmas, in `language`."""
    folder = tmp_path / f"config-{language}"
    folder.mkdir()
    for source in (ROOT / "config").glob("*.yaml"):
        shutil.copy(source, folder / source.name)
    with (folder / "agencies.yaml").open("a", encoding="utf-8") as agencies:
        agencies.write(EXTRA_AGENCY)
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("language: id", f"language: {language}"),
                        encoding="utf-8")
    return folder


def environment(database_url: str, tmp_path: Path, port: int, config: Path) -> dict:
    return dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(config), ADUAN_PORT=str(port),
                ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(tmp_path / "var"),
                ADUAN_OPERATOR_TOKEN="browser-operator-token-0123456789", ADUAN_SWEEP="off",
                ADUAN_OUTBOX_WORKER="off")


@pytest.fixture
def stored(database_url, tmp_path):
    """Migrate the database, write the inbox's data set and two officers' accounts (the Indonesian configuration is
    left in tmp_path/config-id)."""
    env = environment(database_url, tmp_path, free_port(), config_folder(tmp_path, "id"))
    upgrade = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    db = open_database(database_url)
    try:
        h.seed(db)
        h.add_account(db, h.OFFICER_EMAIL, h.OFFICER, "agency", h.AGENCY)
        h.add_account(db, h.OTHER_OFFICER_EMAIL, h.OTHER_OFFICER, "agency", h.OTHER_AGENCY)
    finally:
        db.dispose()
    photo = tmp_path / "var" / h.PHOTO_PATH
    photo.parent.mkdir(parents=True, exist_ok=True)
    shelves = Image.new("RGB", (640, 480), (236, 230, 218))
    draw = ImageDraw.Draw(shelves)
    for y in (90, 210, 330, 450):
        draw.rectangle((40, y, 600, y + 14), fill=(120, 86, 52))
    draw.rectangle((60, 150, 120, 210), fill=(200, 60, 60))
    shelves.save(photo, "JPEG")
    return database_url


def watch(page, problems: list[str]) -> None:
    """Collect script errors and Content-Security-Policy violations of a page."""
    page.set_default_timeout(15_000)
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))


def sign_in(page, base: str, email: str, start: str = "/agency") -> None:
    """Open `start`, land on the login form, sign in, and come back to it."""
    page.goto(f"{base}{start}")
    assert "/dashboard/login?next=" in page.url
    page.fill("#email", email)
    page.fill("#password", h.PASSWORD)
    page.click("form[action='/dashboard/login'] button[type=submit]")
    page.wait_for_url(f"{base}{start}")


def fits(page) -> None:
    """No sideways scrolling, every visible button at least 40 px tall, long names wrapped inside their box."""
    no_horizontal_overflow(page)
    short = page.locator("button:visible").evaluate_all(
        "bs => bs.filter(b => b.getBoundingClientRect().height < 40).map(b => b.textContent.trim())")
    assert short == []
    spill = page.locator(".agency-name, .fields dd, .tk-text, .error, .done").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim())")
    assert spill == []


def shoot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_officer_acknowledges_replies_and_resolves_on_a_laptop_and_a_phone(stored, tmp_path):
    """The whole day's work on one ticket, in Indonesian, then the same pages on a phone and for a long name."""
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = environment(stored, tmp_path, port, tmp_path / "config-id")
    problems: list[str] = []
    with serving(env, tmp_path, port) as base, sync_playwright() as p:
        browser = launch(p)
        try:
            laptop = browser.new_context(viewport=LAPTOP, locale="id-ID")
            page = laptop.new_page()
            watch(page, problems)
            sign_in(page, base, h.OFFICER_EMAIL)
            codes = page.locator("ol[data-list=open] li.tk").evaluate_all("lis => lis.map(li => li.dataset.code)")
            assert codes == h.OPEN_ORDER
            assert page.locator("li.tk-late").count() == 2
            assert page.locator("[data-count=overdue]").inner_text() == "2 terlambat"
            fits(page)
            shoot(page, "inbox-laptop-id.png")

            page.click(f"a.tk-code[href='/agency/tickets/{h.NAMED}']")
            page.wait_for_url(f"{base}/agency/tickets/{h.NAMED}")
            assert h.REPORTER_NAME in page.locator("[data-field=reporter]").inner_text()
            assert page.locator(".conversation .msg-in").count() == 2
            page.locator(".thumb img").scroll_into_view_if_needed()  # the photo opens from /files/<id>
            page.wait_for_function("(img => img.complete && img.naturalWidth === 640)(document.querySelector('.thumb img'))")
            page.evaluate("window.scrollTo(0, 0)")
            fits(page)
            shoot(page, "ticket-laptop-id.png")

            page.click("form.moves button[value=acknowledged]")
            page.wait_for_url(f"{base}/agency/tickets/{h.NAMED}?done=acknowledged")
            assert page.locator(".done").inner_text() == "Aduan sudah diterima."
            assert page.locator("[data-field=status]").inner_text() == "Diterima"

            page.fill("#reply-message", REPLY)
            page.click("#reply button[type=submit]")
            page.wait_for_url(f"{base}/agency/tickets/{h.NAMED}?done=replied")
            assert page.locator(".done").inner_text() == "Balasan sudah dikirim ke warga."
            assert REPLY in page.locator(".conversation .msg-out").last.inner_text()

            page.fill("#resolve-note", RESOLUTION)
            page.click("#resolve button[type=submit]")
            page.wait_for_url(f"{base}/agency/tickets/{h.NAMED}?done=resolved")
            assert page.locator(".done").inner_text() == "Aduan ditandai selesai."
            assert page.locator("[data-field=status]").inner_text() == "Selesai"
            timeline = page.locator("#h-timeline + p + ol.timeline, ol.timeline").last.inner_text()
            assert f"{h.OFFICER} ({h.AGENCY_NAME})" in timeline and RESOLUTION in timeline
            shoot(page, "ticket-resolved-laptop-id.png")
            page.goto(f"{base}/agency")
            assert h.NAMED in page.locator("ol[data-list=resolved]").inner_text()
            state = laptop.storage_state()
            laptop.close()

            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                        storage_state=state, locale="id-ID")
            page = phone.new_page()
            watch(page, problems)
            page.goto(f"{base}/agency")
            assert page.evaluate("window.innerWidth") == PHONE["width"]
            fits(page)
            shoot(page, "inbox-phone-id.png")
            page.click(f"a.tk-code[href='/agency/tickets/{h.ANONYMOUS}']")
            page.wait_for_url(f"{base}/agency/tickets/{h.ANONYMOUS}")
            assert h.HIDDEN_NAME not in page.content()
            page.click("#forward-box summary")
            page.select_option("#forward-agency", "puskesmas-karang-taliwang")
            fits(page)
            shoot(page, "ticket-phone-id.png")
            page.click("details.reject summary")
            page.fill("#reject-note", " ")
            page.click("#reject button[type=submit]")
            page.wait_for_url(f"{base}/agency/tickets/{h.ANONYMOUS}/status")
            assert "Tuliskan alasan penolakan" in page.locator("#reject-note-error").inner_text()
            fits(page)
            shoot(page, "ticket-error-phone-id.png")
            page.goto(f"{base}/agency/tickets/{h.FORWARDED}")
            assert "Hanya dapat dibaca." in page.locator(".read-only").inner_text()
            fits(page)
            shoot(page, "ticket-read-only-phone-id.png")
            phone.close()

            other = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                        locale="id-ID")
            page = other.new_page()
            watch(page, problems)
            sign_in(page, base, h.OTHER_OFFICER_EMAIL)
            assert page.locator(".inbox-head .agency-name").inner_text() == h.OTHER_AGENCY_NAME
            fits(page)
            shoot(page, "inbox-phone-long-name-id.png")
            page.goto(f"{base}/agency/tickets/{h.OTHERS}")
            fits(page)
            shoot(page, "ticket-phone-long-name-id.png")
            other.close()
        finally:
            browser.close()
    assert problems == []  # no script error, no Content-Security-Policy violation


def test_inbox_and_ticket_in_english(stored, tmp_path):
    """With `language: en` the inbox and a ticket read in English, on a laptop and a phone."""
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = environment(stored, tmp_path, port, config_folder(tmp_path, "en"))
    problems: list[str] = []
    with serving(env, tmp_path, port) as base, sync_playwright() as p:
        browser = launch(p)
        try:
            laptop = browser.new_context(viewport=LAPTOP, locale="en-GB")
            page = laptop.new_page()
            watch(page, problems)
            sign_in(page, base, h.OFFICER_EMAIL)
            assert page.locator("h1").inner_text() == "Inbox"
            assert page.locator("[data-count=overdue]").inner_text() == "2 overdue"
            fits(page)
            shoot(page, "inbox-laptop-en.png")
            state = laptop.storage_state()
            laptop.close()
            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                        storage_state=state, locale="en-GB")
            page = phone.new_page()
            watch(page, problems)
            page.goto(f"{base}/agency/tickets/{h.NAMED}")
            assert page.locator("form.moves button[value=acknowledged]").inner_text() == "Acknowledge"
            fits(page)
            shoot(page, "ticket-phone-en.png")
            phone.close()
        finally:
            browser.close()
    assert problems == []
