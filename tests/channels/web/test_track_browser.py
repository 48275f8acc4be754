"""The public tracking page in a real browser: Debian's Chromium driven by Playwright against `python main.py serve`.

A resolved complaint's page shows the resolution and the agency's reply; a confidential one shows neither; a complaint
that waits for its citizen says so with the question and its due time. On a phone (390x844) and a laptop (1366x768);
screenshots land in test-artifacts/track-*.png at the repository's root, for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import update

from complaints import who
from config.loader import load_config
from store import actions, models, queries
from store.db import open_database
from tests.dashboard.test_dashboard_browser import (ARTIFACTS, ROOT, free_port, launch, need_browser,
                                                    no_horizontal_overflow, serving, watched_page)

DEVICES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
TEXT = ("Jalan rusak berlubang besar di depan pasar Gerung sejak hujan deras bulan lalu. Dua pengendara motor sudah "
        "jatuh minggu ini. Mohon segera diperbaiki sebelum musim hujan berikutnya.")
REPORTER = {"name": "Ni Luh Putu Ayu Kusumawardhani Pratiwi", "phone": "0812 3456 7890"}
AGENCY = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Barat"
OFFICER = who.user(7, "Rina Wulandari", "agency", "pupr-lobar")
REPLY = ("Terima kasih atas laporannya. Tim pemeliharaan jalan kami memeriksa lokasi pada hari Kamis dan sudah "
         "memasang rambu peringatan di sekitar lubang.")
RESOLUTION = ("Lubang sudah ditambal dengan aspal panas sepanjang 12 meter di depan pasar Gerung. Bila jalan rusak "
              "lagi, kirim aduan baru dengan kode ini.")
INTERNAL = "Anggaran dari pos pemeliharaan rutin; jangan dijanjikan perbaikan total."
QUESTION = "Which side of the road is the hole on: by the market gate or by the bus stop?"


@pytest.fixture
def served(tmp_path, database_url):
    """Serve the app with the sample config (no sweep, no outbox worker); yield its base URL."""
    port = free_port()
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(ROOT / "config"), ADUAN_PORT=str(port),
               ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(tmp_path / "var"), ADUAN_SWEEP="off",
               ADUAN_OUTBOX_WORKER="off")
    upgrade = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    with serving(env, tmp_path, port) as base:
        yield base


def submit(base: str, **fields) -> str:
    """Send a complaint through the public API, as a citizen's app would; return its code."""
    answer = requests.post(f"{base}/api/v1/complaints", timeout=10,
                           json={"text": TEXT, "region": "lobar-gerung", "reporter": REPORTER, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


def handle(database_url: str, code: str, resolve: bool = True) -> None:
    """Over the week since the complaint came (its receipt moved a week back), the agency's officer acknowledges,
    replies, writes an internal note and resolves with a note for the citizen (or, with `resolve` false, asks the
    citizen a question instead)."""
    config = load_config(ROOT / "config", env={}).config
    db = open_database(database_url)
    now = datetime.now(timezone.utc)

    def run(step, days_ago: float, *args, **kwargs) -> None:
        with db.writer.begin() as conn:
            step(conn, queries.find_complaint(conn, code), *args, now=now - timedelta(days=days_ago), **kwargs)

    try:
        with db.writer.begin() as conn:
            complaint = queries.find_complaint(conn, code)
            received = complaint["received_at"] - timedelta(days=7)
            conn.execute(update(models.Complaint).where(models.Complaint.id == complaint["id"]).values(
                received_at=received, assigned_at=received))
            conn.execute(update(models.Event).where(models.Event.complaint_id == complaint["id"]).values(at=received))
        status = {"public_url": "", "objecting": ()}
        run(actions.change_status, 6.8, config, "acknowledged", OFFICER, None, **status)
        run(actions.reply_to_citizen, 5.9, AGENCY, OFFICER, REPLY)
        run(actions.add_note, 5.8, OFFICER, INTERNAL)
        if resolve:
            run(actions.change_status, 1.2, config, "resolved", OFFICER, RESOLUTION, **status)
        else:
            run(actions.reply_to_citizen, 1.2, AGENCY, OFFICER, QUESTION, ask=True)
    finally:
        db.dispose()


def test_the_public_page_tells_a_resolved_complaints_story_and_keeps_a_confidential_ones(served, database_url):
    """Resolved: the resolution up top, the reply by the agency's name; confidential: statuses only; waiting: the
    question and the due time. No person's name, no internal note, on any page, and each fits a phone."""
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    resolved, confidential = submit(served), submit(served, confidential=True)
    waiting = submit(served, language="en")
    handle(database_url, resolved)
    handle(database_url, confidential)
    handle(database_url, waiting, resolve=False)
    never = (INTERNAL, "Rina", "Wulandari", "Kusumawardhani", "0812")
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for device, viewport in DEVICES.items():
                phone = device == "phone"
                context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone,
                                              device_scale_factor=2 if phone else 1, locale="id-ID")
                page, problems = watched_page(context)

                page.goto(f"{served}/track")
                page.fill("#f-code", resolved.removeprefix("NTB-").lower())  # typed without its prefix
                with page.expect_navigation():
                    page.press("#f-code", "Enter")
                assert page.url == f"{served}/track/{resolved}"
                assert page.locator(".stage-status strong").inner_text() == "Selesai ditindaklanjuti"
                assert page.locator(".stage-outcome").inner_text() == RESOLUTION
                reply = page.locator(".timeline-reply")
                assert reply.locator(".timeline-label").inner_text() == f"Balasan dari {AGENCY}"
                assert reply.locator(".message").inner_text() == REPLY
                assert page.locator(".complaint-text").inner_text() == TEXT
                assert page.locator(".due").count() == 0
                content = page.content()
                assert not any(word in content for word in never)
                no_horizontal_overflow(page)
                page.screenshot(path=str(ARTIFACTS / f"track-resolved-{device}.png"), full_page=True)

                page.goto(f"{served}/track/{confidential}")
                assert page.locator(".stage-status strong").inner_text() == "Selesai ditindaklanjuti"
                assert "Aduan ini rahasia" in page.locator("p.note").inner_text()
                content = page.content()
                for hidden in (TEXT[:30], RESOLUTION[:30], REPLY[:30], "Balasan dari", *never):
                    assert hidden not in content
                assert page.locator(".message").count() == 0
                no_horizontal_overflow(page)
                page.screenshot(path=str(ARTIFACTS / f"track-confidential-{device}.png"), full_page=True)

                page.goto(f"{served}/track/{waiting}")  # written in English: the page is English without ?lang=
                assert page.locator("html").get_attribute("lang") == "en"
                banner = page.locator(".waiting")
                assert "Waiting for your answer" in banner.inner_text() and QUESTION in banner.inner_text()
                assert page.locator(".due").inner_text().startswith("Target: resolved by ")
                assert page.locator(".due").inner_text().endswith(" WITA")
                assert not any(word in page.content() for word in never)
                no_horizontal_overflow(page)
                page.screenshot(path=str(ARTIFACTS / f"track-waiting-{device}.png"), full_page=True)
                assert problems == []  # no script error, no Content-Security-Policy violation
                context.close()
        finally:
            browser.close()
