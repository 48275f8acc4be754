"""The dashboard in a real browser: Debian's Chromium driven by Playwright against `python main.py serve`.

Screenshots land in test-artifacts/ at the repository's root, for a person to look at. Without
/usr/bin/chromium (or Playwright) the test is skipped on a developer's machine and fails in CI.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from store.db import open_database
from tests.dashboard import seed as sample

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
TOKEN = "browser-operator-token-0123456789"
PHONE = {"width": 390, "height": 844}


def need_browser():
    """Return Playwright's sync entry point; skip without a browser here, fail in CI (which must have one)."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (Debian package chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = problem or "the Python package playwright is missing (the test extra)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}: CI must run the browser test")
        pytest.skip(problem)
    return sync_playwright


def launch(playwright):
    """Debian's Chromium, as every browser test starts it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])


def watched_page(context) -> tuple[object, list[str]]:
    """A new page of `context` (15 s timeouts) and the list its script errors and CSP violations are added to; a
    failed load (an answer we meant, such as a 401 or a 400) is not a problem."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return page, problems


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict, tmp_path: Path, port: int):
    """Run `main.py serve` with this environment; yield its base URL once healthy, then stop it with SIGTERM."""
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "serve did not become healthy"
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def served(tmp_path, database_url):
    """Migrate, seed and serve the app on a free port (no sweep, no outbox worker); yield its base URL."""
    port = free_port()
    env = dict(
        os.environ,
        ADUAN_DATABASE_URL=database_url,
        ADUAN_CONFIG_DIR=str(ROOT / "config"),
        ADUAN_PORT=str(port),
        ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ADUAN_VAR_DIR=str(tmp_path / "var"),
        ADUAN_OPERATOR_TOKEN=TOKEN,
        ADUAN_SWEEP="off",
        ADUAN_OUTBOX_WORKER="off",
    )
    upgrade = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    db = open_database(database_url)
    try:
        with db.writer.begin() as conn:
            sample.seed(conn)
    finally:
        db.dispose()
    with serving(env, tmp_path, port) as base:
        yield base
    assert TOKEN not in (tmp_path / "serve.log").read_text()


def no_horizontal_overflow(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def test_operator_signs_in_reads_the_dashboard_and_opens_an_overdue_complaint(served):
    """Login form, counts and charts of March 2026, the overdue complaint's page; the same pages fit a phone."""
    sync_playwright = need_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
            page, problems = watched_page(context)  # the wrong token's 401 is a failed load, not a problem

            page.goto(f"{served}/dashboard")
            assert page.url == f"{served}/dashboard/login"
            assert page.locator("h1").inner_text() == "Masuk"
            page.click("details.token-login summary")  # the desk's machines sign in with the operator token
            page.fill("#token", "salah")
            page.click("form[action='/dashboard/login'] button[type=submit]")
            assert page.locator(".error").inner_text().startswith("Token tidak valid")
            page.click("details.token-login summary")
            page.fill("#token", TOKEN)
            page.click("form[action='/dashboard/login'] button[type=submit]")
            page.wait_for_url(f"{served}/dashboard")

            page.fill("input[name=since]", sample.SINCE)
            page.fill("input[name=until]", sample.UNTIL)
            page.click("form.period-form button[type=submit]")
            page.wait_for_url(f"{served}/dashboard?since={sample.SINCE}&until={sample.UNTIL}")
            assert page.locator(".period-label").inner_text() == "1–31 Maret 2026"
            counts = {name: page.locator(f"dd[data-kpi={name}]").inner_text()
                      for name in ("received", "resolved", "in_process", "overdue", "within_sla")}
            assert counts == {"received": "5", "resolved": "1", "in_process": "3", "overdue": "1", "within_sla": "50,0%"}
            for by, expected in (("region", 3), ("agency", 4), ("category", 4), ("channel", 4)):
                chart = page.locator(f"svg.chart[data-by={by}]")
                assert chart.is_visible()
                assert chart.locator("g.bar").count() == expected
                assert chart.locator("rect.seg").count() >= expected
            # The bars are drawn: the longest region bar (3 complaints) is wider than the others.
            widths = page.locator("svg.chart[data-by=region] g.bar").evaluate_all(
                "bars => bars.map(b => Array.from(b.querySelectorAll('rect')).reduce((w, r) => w + r.getBBox().width, 0))")
            assert widths[0] > widths[1] > 0
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            page.click(f"#overdue a[href='/dashboard/complaints/{sample.OVERDUE_CODE}']")
            page.wait_for_url(f"{served}/dashboard/complaints/{sample.OVERDUE_CODE}")
            assert sample.OVERDUE_CODE in page.locator("h1").inner_text()
            assert "Jembatan di Selong putus" in page.locator(".conversation .msg-in .text").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "dashboard-complaint.png"), full_page=True)
            assert problems == []  # no script error, no Content-Security-Policy violation
            state = context.storage_state()
            context.close()

            phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                        storage_state=state)
            page = phone.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{served}/dashboard?since={sample.SINCE}&until={sample.UNTIL}")
            assert page.locator("dd[data-kpi=received]").inner_text() == "5"
            assert page.evaluate("window.innerWidth") == PHONE["width"]
            no_horizontal_overflow(page)
            page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
            page.goto(f"{served}/dashboard/complaints/{sample.OVERDUE_CODE}")
            no_horizontal_overflow(page)
            page.screenshot(path=str(ARTIFACTS / "dashboard-complaint-phone.png"), full_page=True)
            page.goto(f"{served}/dashboard/login")  # signed in: straight back to the dashboard
            page.wait_for_url(f"{served}/dashboard")
            page.click("form.logout button")
            page.wait_for_url(f"{served}/dashboard/login")
            page.goto(f"{served}/dashboard")
            assert page.url == f"{served}/dashboard/login"
            phone.close()
        finally:
            browser.close()
