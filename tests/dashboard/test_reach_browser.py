"""The delivery detail and the conversation's photos in a real browser (Debian's Chromium through Playwright, against
`python main.py serve`): a complaint whose WhatsApp notice fell back to SMS, whose Telegram reply met a blocked bot
and whose Messenger reply went with the HUMAN_AGENT tag; a conversation with photos, a PDF and files still at the
provider; on a laptop and a phone, in Bahasa Indonesia and in English.

Screenshots land in test-artifacts/ (reach-*.png) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from store.db import open_database
from tests.dashboard import reach_seed as data
from tests.workbench import helpers as officers
from tests.dashboard.test_dashboard_browser import (
    ARTIFACTS,
    PHONE,
    ROOT,
    TOKEN,
    free_port,
    launch,
    need_browser,
    no_horizontal_overflow,
    serving,
    watched_page,
)

WORDS = {"id": {"fallback": "Dialihkan ke SMS", "meaning": "Warga memblokir bot Telegram layanan ini.",
                "pending": "sedang diambil dari penyedia kanal"},
         "en": {"fallback": "Sent by SMS instead", "meaning": "The citizen blocked the service's Telegram bot.",
                "pending": "being fetched from the channel's provider"}}


@pytest.fixture(params=["id", "en"])
def desk(request, tmp_path, database_url):
    """The app served in one language over the two complaints of tests/dashboard/reach_seed.py."""
    language = request.param
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", config_dir)
    settings = config_dir / "settings.yaml"
    settings.write_text(settings.read_text().replace("language: id", f"language: {language}", 1))
    port = free_port()
    var_dir = tmp_path / "var"
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(config_dir), ADUAN_PORT=str(port),
               ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(var_dir), ADUAN_OPERATOR_TOKEN=TOKEN,
               ADUAN_SWEEP="off", ADUAN_OUTBOX_WORKER="off")
    upgrade = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    db = open_database(database_url)
    try:
        with db.writer.begin() as conn:
            now = datetime.now(timezone.utc)
            ids = data.delivery_history(conn, now)
            media = data.conversation_media(conn, str(var_dir), now)
        officers.add_account(db, officers.OFFICER_EMAIL, officers.OFFICER, "agency", officers.AGENCY)
    finally:
        db.dispose()
    with serving(env, tmp_path, port) as base:
        yield base, language, ids, media


def shot(page, name: str, language: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"reach-{name}-{language}.png"), full_page=True)


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/dashboard/login")
    page.click("details.token-login summary")
    page.fill("#token", TOKEN)
    page.click("form[action='/dashboard/login'] button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")


def test_delivery_detail_and_photos_read_well_on_a_laptop_and_a_phone(desk):
    base, lang, ids, media = desk
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    words = WORDS[lang]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for name, options in (("laptop", {"viewport": {"width": 1280, "height": 900}}),
                                  ("phone", {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True,
                                             "has_touch": True})):
                context = browser.new_context(locale="id-ID", **options)
                page, problems = watched_page(context)
                sign_in(page, base)

                page.goto(f"{base}/dashboard/complaints/{data.DELIVERY_CODE}")
                cards = page.locator("ol.deliveries > li.delivery")
                assert cards.count() == 9
                fallback = page.locator("li.delivery-undeliverable p.fallback[data-field=fallback_to]")
                assert words["fallback"] in fallback.first.inner_text()
                assert words["meaning"] in page.locator("li.delivery-dead").first.inner_text()
                # A failed delivery's attempts are open; a delivered one's wait behind their summary.
                assert page.locator("li.delivery-dead details.attempts ol.steps").first.is_visible()
                assert not page.locator("li.delivery-delivered details.attempts ol.steps").first.is_visible()
                fallback.first.locator("a").click()
                assert page.url.endswith("#" + cards.nth(2).get_attribute("id"))  # the SMS standing in
                if name == "phone":
                    no_horizontal_overflow(page)
                page.locator("section[aria-labelledby=h-deliveries]").scroll_into_view_if_needed()
                shot(page, f"deliveries-{name}", lang)

                page.goto(f"{base}/dashboard/complaints/{data.MEDIA_CODE}")
                thumb = page.locator(f"ol.conversation a.thumb img[src='/files/{media['photo']}']")
                thumb.scroll_into_view_if_needed()
                thumb.evaluate("img => img.decode()")
                size = thumb.evaluate("img => [img.naturalWidth, img.clientWidth, img.clientHeight]")
                assert size[0] == 640 and 0 < size[1] <= 160 and 0 < size[2] <= 160
                assert words["pending"] in page.locator("ol.conversation").inner_text()
                if name == "phone":
                    no_horizontal_overflow(page)
                shot(page, f"conversation-{name}", lang)
                assert problems == []
                context.close()

            # The agency's officer reads the same conversation on the ticket page, on a phone.
            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page, problems = watched_page(phone)
            page.goto(f"{base}/dashboard/login")
            page.fill("#email", officers.OFFICER_EMAIL)
            page.fill("#password", officers.PASSWORD)
            page.click("form[action='/dashboard/login'] button[type=submit]")
            page.wait_for_url(f"{base}/agency")
            page.goto(f"{base}/agency/tickets/{data.MEDIA_CODE}")
            thumb = page.locator(f"ol.conversation a.thumb img[src='/files/{media['photo']}']")
            thumb.scroll_into_view_if_needed()
            thumb.evaluate("img => img.decode()")
            assert thumb.evaluate("img => img.naturalWidth") == 640
            no_horizontal_overflow(page)
            shot(page, "ticket-phone", lang)
            assert problems == []
            phone.close()
        finally:
            browser.close()
