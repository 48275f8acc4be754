"""The complaint form in a real browser: Debian's Chromium driven by Playwright against `python main.py serve`.

A file over 5 MB is caught by our script before sending, and without script the form comes back with
everything kept; on a phone (390x844) and a laptop (1366x768), in Bahasa Indonesia and English.
Screenshots land in test-artifacts/ at the repository's root, for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.dashboard.test_dashboard_browser import ARTIFACTS, ROOT, free_port, launch, need_browser, no_horizontal_overflow, serving

DEVICES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
TEXT = ("Jalan di depan SDN 2 Gerung berlubang besar sejak banjir bulan lalu. Dua pengendara motor sudah jatuh "
        "minggu ini. Mohon segera diperbaiki sebelum musim hujan.")
NAME = "Ni Luh Putu Ayu Kusumawardhani Pratiwi"
BIG_FILE = "Foto jalan berlubang depan SDN 2 Gerung, diambil pagi hari.jpg"
WORDS = {
    "id": {"warning": "lebih dari batas 5\u00a0MB", "kept": "lebih dari 5\u00a0MB sehingga tidak terkirim", "summary": "Ada isian",
           "not_kept": "Ada lampiran yang tidak disimpan", "submit": "Kirim aduan"},
    "en": {"warning": "over the 5\u00a0MB limit", "kept": "is over 5\u00a0MB and was not sent", "summary": "Please correct",
           "not_kept": "Some attachments were not kept", "submit": "Send"},
}


@pytest.fixture
def served(tmp_path, database_url):
    """Serve the app with the sample config but no room for attachments (quota 0); yield its base URL."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    settings = config / "settings.yaml"
    settings.write_text("\n".join(
        "attachments_quota_bytes: 0" if line.startswith("attachments_quota_bytes:") else line
        for line in settings.read_text().splitlines()) + "\n")
    port = free_port()
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(config), ADUAN_PORT=str(port),
               ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(tmp_path / "var"), ADUAN_SWEEP="off",
               ADUAN_OUTBOX_WORKER="off")
    upgrade = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    with serving(env, tmp_path, port) as base:
        yield base


def fill_in(page, big_file: Path) -> None:
    """Fill in the form as a citizen would, choosing a file of 5.5 MB."""
    page.fill("#f-text", TEXT)
    page.select_option("#f-kind", "complaint")
    page.select_option("#f-region", "lobar-gerung")
    page.fill("#f-category", "jalan")
    page.fill("#f-name", NAME)
    page.fill("#f-phone", "0812 3456 7890")
    page.check("#f-confidential")
    page.set_input_files("#f-attachments", str(big_file))


def test_file_over_5_mb_is_caught_before_sending_and_without_script_keeps_the_input(served, tmp_path):
    """With script a 5.5 MB file is named beside the field and nothing is sent; without script the form comes
    back (413) with every field kept and the error beside the file field and in the summary; a complaint whose
    file found no room is taken and its confirmation says so. Every page fits a phone."""
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    big_file = tmp_path / BIG_FILE
    big_file.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (5 * 1024 * 1024 + 512 * 1024))
    small_file = tmp_path / "Lubang kedua dilihat dari seberang jalan.png"
    Image.new("RGB", (64, 48), "red").save(small_file)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for device, viewport in DEVICES.items():
                for lang, words in WORDS.items():
                    phone = device == "phone"
                    options = dict(viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1,
                                   locale="id-ID" if lang == "id" else "en-GB")
                    context = browser.new_context(**options)
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    problems: list[str] = []
                    page.on("console", lambda msg: problems.append(msg.text)
                            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
                    page.on("pageerror", lambda exc: problems.append(str(exc)))
                    posts: list[str] = []
                    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
                    page.goto(f"{served}/?lang={lang}")
                    fill_in(page, big_file)
                    warning = page.locator("#f-attachments-warning")
                    assert warning.is_visible()
                    assert BIG_FILE in warning.inner_text() and words["warning"] in warning.inner_text()
                    page.click("button[type=submit]")
                    assert posts == []  # nothing was sent
                    assert page.evaluate("document.activeElement.id") == "f-attachments"
                    no_horizontal_overflow(page)
                    page.screenshot(path=str(ARTIFACTS / f"web-form-warning-{device}-{lang}.png"), full_page=True)
                    assert problems == []  # no script error, no Content-Security-Policy violation
                    context.close()

                    context = browser.new_context(**options, java_script_enabled=False)
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    page.goto(f"{served}/?lang={lang}")
                    fill_in(page, big_file)
                    page.fill("#f-lat", "-8,6973")
                    page.fill("#f-lon", "116,1186")
                    with page.expect_navigation() as sent:
                        page.click("button[type=submit]")
                    assert sent.value.status == 413
                    assert page.input_value("#f-text") == TEXT and page.input_value("#f-name") == NAME
                    assert page.input_value("#f-region") == "lobar-gerung" and page.is_checked("#f-confidential")
                    assert page.input_value("#f-lat") == "-8,6973"
                    assert words["summary"] in page.locator(".error-summary").inner_text()
                    assert words["kept"] in page.locator("#f-attachments-error").inner_text()
                    no_horizontal_overflow(page)
                    page.screenshot(path=str(ARTIFACTS / f"web-form-kept-{device}-{lang}.png"), full_page=True)

                    if phone:
                        page.set_input_files("#f-attachments", str(small_file))
                        with page.expect_navigation():
                            page.click("button[type=submit]")
                        assert words["not_kept"] in page.locator(".banner-warning").inner_text()
                        no_horizontal_overflow(page)
                        page.screenshot(path=str(ARTIFACTS / f"web-track-not-kept-{device}-{lang}.png"), full_page=True)
                    context.close()
        finally:
            browser.close()
