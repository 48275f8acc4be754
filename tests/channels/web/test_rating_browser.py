"""The rating page in a real browser (Debian's Chromium through Playwright, against `python main.py serve`): a
reporter who gave an e-mail address opens the link of the resolution notice, rates once, and the page then refuses a
second rating and shows the first. Phone and laptop screenshots land in test-artifacts/rating-*.png."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from complaints import who
from config.loader import load_config
from store import actions, queries
from store import models as m
from store.db import open_database
from tests.channels.web.test_track_browser import served  # noqa: F401  (a fixture)
from tests.dashboard.test_dashboard_browser import (ARTIFACTS, ROOT, launch, need_browser, no_horizontal_overflow,
                                                    watched_page)

PHONE = {"width": 390, "height": 844}


def resolved_with_link(base: str, database_url: str) -> str:
    """A complaint from the API with an e-mail reporter, resolved; the rating page's path its notice carries."""
    import requests

    answer = requests.post(f"{base}/api/v1/complaints", timeout=10, json={
        "text": "Lampu penerangan di gang menuju Puskesmas Ampenan mati sejak dua minggu",
        "region": "kota-mataram", "reporter": {"name": "Siti Aminah", "email": "siti@example.org"}})
    assert answer.status_code == 201, answer.text
    code = answer.json()["code"]
    config = load_config(ROOT / "config", env={}).config
    db = open_database(database_url)
    try:
        with db.writer.begin() as conn:
            actions.change_status(conn, queries.find_complaint(conn, code), config, "resolved",
                                  who.user(3, "Baiq Nurul Aini", "agency", "dinkes-mataram"),
                                  "Lampu sudah diganti oleh petugas kelurahan", datetime.now(timezone.utc), base,
                                  ("telegram", "whatsapp"))
        with db.reader.connect() as conn:
            text = conn.execute(select(m.Outbox.payload).where(m.Outbox.event == "citizen.status.resolved")).scalar_one()
    finally:
        db.dispose()
    return re.search(rf"{re.escape(base)}(/rate/[^ ]+)", text["text"]).group(1)


def test_a_reporter_rates_once_and_a_second_rating_is_refused(served, database_url):  # noqa: F811
    base = served
    path = resolved_with_link(base, database_url)
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page, problems = watched_page(context)
            page.goto(f"{base}{path}")
            assert "Seberapa puas" in page.locator("main").inner_text()
            no_horizontal_overflow(page)
            page.screenshot(path=str(ARTIFACTS / "rating-form-phone.png"), full_page=True)
            page.check("input[name=rating][value='4']")
            page.fill("#f-comment", "Cukup cepat, terima kasih")
            page.click("form.rating button[type=submit]")
            assert "4 dari 5" in page.locator("[data-field=rated]").inner_text()
            page.screenshot(path=str(ARTIFACTS / "rating-thanks-phone.png"), full_page=True)
            # Back on the page (the browser fetches it again: it is never cached) there is no form any more, and a
            # second rating sent all the same is refused with the first shown.
            page.go_back()
            assert page.locator("form.rating").count() == 0
            assert "sudah dinilai (4 dari 5)" in page.locator("[data-field=rated]").inner_text()
            key = path.split("key=", 1)[1]
            again = page.request.post(f"{base}{path.split('?')[0]}", form={"key": key, "rating": "1"})
            assert again.status == 409 and "sudah dinilai (4 dari 5)" in again.text()
            laptop = browser.new_context(viewport={"width": 1280, "height": 800})
            page2, more = watched_page(laptop)
            page2.goto(f"{base}{path}&lang=en")
            assert "rated already (4 out of 5)" in page2.locator("[data-field=rated]").inner_text()
            page2.screenshot(path=str(ARTIFACTS / "rating-already-laptop-en.png"), full_page=True)
            # The 409 of the refused second rating is a failed load, not a problem.
            assert problems == [] and more == []
        finally:
            browser.close()
