"""A whole day of work in a real browser (Debian's Chromium through Playwright, against `python main.py serve`):

a citizen writes on Telegram (a fake Bot API on loopback) something no rule routes → the complaint waits in triage →
an operator, whose account `user add` made, sets a password from the one-time link, finds the complaint by a word of
it and assigns it → the agency's e-mail (captured by aiosmtpd) links to the ticket's page → the agency officer signs
in from that link and lands on the ticket → acknowledges, replies and resolves → the citizen received the reply and
the resolution on Telegram → the timeline names the operator and the officer.

Screenshots of each page go to test-artifacts/ (day-*.png), on a laptop and on a phone.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import requests
from aiohttp import web
from aiosmtpd.controller import Controller

from tests.channels.telegram.telegram_fakes import SECRET, TOKEN, FakeBotApi
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
from tests.delivery.agency_email.conftest import MailServer

CITIZEN_CHAT = 880011223
TEXT = "Anjing liar sering mengejar anak-anak sepulang mengaji di gang kami, mohon ditertibkan"
AGENCY = "dinas-pupr-ntb"
AGENCY_NAME = "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi NTB"
AGENCY_MAIL = "pengaduan@pupr.ntbprov.example"
OPERATOR = ("Rina Wulandari", "rina@ntbcare.example", "Mataram sejuk di pagi hari")
OFFICER = ("Ahmad Zainuddin", "ahmad@pupr.ntbprov.example", "Jembatan Kokok Putih 2026")
REPLY = "Petugas kami akan memeriksa lokasi besok pagi bersama lurah."
RESOLUTION = "Sudah ditertibkan bersama Satpol PP dan dinas peternakan."


class Loopback:
    """The fake Bot API served on loopback from a thread of its own."""

    def __init__(self) -> None:
        self.bot = FakeBotApi()
        self.loop = asyncio.new_event_loop()
        self.port = free_port()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> "Loopback":
        self.thread.start()
        runner = web.AppRunner(self.bot.app)
        asyncio.run_coroutine_threadsafe(runner.setup(), self.loop).result(10)
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        asyncio.run_coroutine_threadsafe(site.start(), self.loop).result(10)
        self.runner = runner
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def texts_to(self, chat: int) -> list[str]:
        return [str(c.params.get("text")) for c in self.bot.calls("sendMessage")
                if str(c.params.get("chat_id")) == str(chat)]


def wait_for(what, predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while True:
        found = predicate()
        if found:
            return found
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


@pytest.fixture
def day(tmp_path, database_url):
    """The service with Telegram (fake Bot API) and e-mail (aiosmtpd) on loopback, the outbox worker on."""
    mail = MailServer(port=free_port())
    smtp = Controller(mail, hostname="127.0.0.1", port=mail.port)
    smtp.start()
    with Loopback() as telegram:
        port = free_port()
        env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(ROOT / "config"),
                   ADUAN_PORT=str(port), ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}",
                   ADUAN_VAR_DIR=str(tmp_path / "var"), ADUAN_SWEEP="off", ADUAN_SMTP_URL=mail.url(),
                   ADUAN_TELEGRAM_TOKEN=TOKEN, ADUAN_TELEGRAM_SECRET=SECRET,
                   ADUAN_TELEGRAM_API_URL=f"http://127.0.0.1:{telegram.port}")
        run = lambda *args: subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True,
                                           text=True, timeout=120)
        assert run("db", "upgrade").returncode == 0
        links = {}
        for name, email, _ in (OPERATOR, OFFICER):
            role = ["--role", "operator"] if email == OPERATOR[1] else ["--role", "agency", "--agency", AGENCY]
            added = run("user", "add", "--name", name, "--email", email, *role)
            assert added.returncode == 0, added.stderr
            links[email] = added.stdout.strip()
        try:
            with serving(env, tmp_path, port) as base:
                yield base, links, mail, telegram
        finally:
            smtp.stop()
        log = (tmp_path / "serve.log").read_text()
        assert OPERATOR[2] not in log and OFFICER[2] not in log


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"day-{name}.png"), full_page=True)


def set_password(page, link: str, password: str) -> None:
    page.goto(link)
    page.fill("#password", password)
    page.fill("#password2", password)
    page.click("form button[type=submit]")


def test_a_whole_day_of_work(day):
    base, links, mail, telegram = day
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)

    # A citizen writes on Telegram; no rule routes it.
    update = {"update_id": 500100, "message": {
        "message_id": 77, "date": int(time.time()), "text": TEXT,
        "from": {"id": CITIZEN_CHAT, "is_bot": False, "first_name": "Wayan", "language_code": "id"},
        "chat": {"id": CITIZEN_CHAT, "type": "private", "first_name": "Wayan"}}}
    resp = requests.post(f"{base}/webhooks/telegram", data=json.dumps(update),
                         headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
                         timeout=10)
    assert resp.status_code == 200
    ack = wait_for("the citizen's acknowledgement", lambda: telegram.texts_to(CITIZEN_CHAT))
    code = re.search(r"NTB-[A-Z0-9]{8}", ack[0]).group(0)

    with sync_playwright() as p:
        browser = launch(p)
        try:
            # The operator sets a password, finds the complaint in triage by a word, assigns it.
            desk = browser.new_context(viewport={"width": 1280, "height": 900})
            page, problems = watched_page(desk)
            set_password(page, links[OPERATOR[1]], OPERATOR[2])
            page.wait_for_url(f"{base}/dashboard?done=password_set")
            shot(page, "overview")
            page.goto(f"{base}/dashboard/complaints?status=triage")
            page.fill("#f-q", "anjing")
            page.click("form.filters button[type=submit]")
            assert page.locator(".case .code").all_inner_texts() == [code]
            shot(page, "search")
            page.click(f".case a[href='/dashboard/complaints/{code}']")
            assert TEXT in page.locator(".conversation").inner_text()
            page.select_option("#assign-agency", AGENCY)
            page.fill("#assign-note", "Mohon koordinasi dengan Satpol PP.")
            page.click("form[action$='/assign'] button")
            page.wait_for_url(f"{base}/dashboard/complaints/{code}?done=assigned")
            shot(page, "assigned")
            desk.close()

            # The agency's e-mail links to the ticket's page.
            message = wait_for("the agency's e-mail", lambda: [m for m in mail.messages if AGENCY_MAIL in m.rcpt_tos])
            body = message[0].message.get_body(("plain",)).get_content()
            ticket_url = f"{base}/agency/tickets/{code}"
            assert ticket_url in body

            # The officer sets a password (then signs out), and later signs in from the e-mail's link.
            office = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page, more = watched_page(office)
            set_password(page, links[OFFICER[1]], OFFICER[2])
            page.wait_for_url(re.compile(re.escape(f"{base}/agency")))
            page.click("form.logout button")
            page.goto(ticket_url)
            assert page.url.startswith(f"{base}/dashboard/login?next=")
            shot(page, "officer-login-phone")
            page.fill("#email", OFFICER[1])
            page.fill("#password", OFFICER[2])
            page.click("form[action='/dashboard/login'] button[type=submit]")
            page.wait_for_url(ticket_url)
            no_horizontal_overflow(page)
            shot(page, "ticket-phone")

            page.click("form.moves button[value=acknowledged]")
            page.wait_for_url(re.compile(re.escape(ticket_url) + r"\?done="))
            page.fill("#reply-message", REPLY)
            page.click("form#reply button[type=submit]")
            page.wait_for_url(re.compile(re.escape(ticket_url) + r"\?done="))
            page.fill("#resolve-note", RESOLUTION)
            page.click("form#resolve button[type=submit]")
            page.wait_for_url(re.compile(re.escape(ticket_url) + r"\?done="))
            no_horizontal_overflow(page)
            shot(page, "resolved-phone")
            timeline = page.locator("section[aria-labelledby=h-timeline] ol.timeline").inner_text()
            assert OPERATOR[0] in timeline and OFFICER[0] in timeline
            office.close()
            assert problems == [] and more == []  # no script error, no Content-Security-Policy violation
        finally:
            browser.close()

    # The citizen heard the reply and the resolution on Telegram.
    texts = wait_for("the reply and the resolution", lambda: (lambda got: got if any(REPLY in t for t in got)
                                                               and any(RESOLUTION in t for t in got) else None)(
        telegram.texts_to(CITIZEN_CHAT)))
    assert any(AGENCY_NAME in t and REPLY in t for t in texts)
