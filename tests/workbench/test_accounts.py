"""People's accounts through the whole app (SPEC section 13), tried as a hostile newcomer would: the one-time link,
signing in with e-mail and password, the limits on guessing, sessions that end, and who the timeline says acted."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from api.auth import token_hash
from api.passwords import hash_password
from complaints.who import by_of
from config.logging import configure
from store import access, users
from tests.dashboard import seed as sample
from tests.dashboard.conftest import csrf_of, sign_in
from tests.dashboard.sessions import move_sessions_back, session_cookie_header
from tests.workbench.accounts_helpers import (
    PASSWORD,
    WELCOME_PATH,
    add_account,
    browser,
    move_failures_back,
    move_link_back,
    open_welcome,
    page_with,
    session_cookie_of,
    set_password,
    sign_in_as,
    stored_user,
    user_sessions,
)

SITI = "siti.aminah@example.org"
BUDI = "budi.santoso@example.org"
NEW_PASSWORD = "nasi goreng tanpa kecap"
ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)
CROSS_SITE = [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}]


def error_of(html: str) -> str:
    """The error line a form was shown again with."""
    found = ERROR.search(html)
    assert found, "the page shows no error"
    return found.group(1).strip()


def cookie_attributes(resp) -> list[str]:
    """The attributes of the session cookie a response sets, in lower case."""
    return [part.strip().lower() for part in session_cookie_header(resp).split(";")]


@pytest.fixture
def seeded(runtime) -> dict[str, int]:
    """The dashboard tests' data set (tests/dashboard/seed.py), written to this test's store."""
    with runtime.db.writer.begin() as conn:
        return sample.seed(conn)


@pytest.fixture
def log_text():
    """Everything structlog writes while the test runs, as JSON lines."""
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    yield buffer.getvalue
    configure("INFO")


# --- the one-time link ----------------------------------------------------------------------------------------


async def test_a_link_opens_the_welcome_page_naming_the_person(client, db):
    """The link from `user add` opens an Indonesian page that greets the person by name, shows the e-mail and asks
    for the password twice; the page is not cached and sends no Referer to another site (the secret is in its URL)."""
    secret = add_account(db, SITI, name="Siti Aminah")
    resp = await open_welcome(client, secret)
    assert resp.status == 200
    html = await resp.text()
    assert "Selamat datang, Siti Aminah." in html and SITI in html
    assert 'name="password"' in html and 'name="password2"' in html
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize("password, again, message", [
    ("pendek123", "pendek123", "terlalu pendek"),
    (PASSWORD, PASSWORD + "!", "tidak sama"),
    ("", "", "terlalu pendek"),
])
async def test_a_short_or_mismatched_password_shows_the_form_again_and_stores_nothing(client, db, password, again,
                                                                                      message):
    """A password under 10 characters, or two that differ, answers 400 with the form and its error; no password is
    stored, no session is opened and the link still works."""
    secret = add_account(db, SITI)
    resp = await set_password(client, secret, password, again)
    assert resp.status == 400
    html = await resp.text()
    assert message in error_of(html)
    assert 'name="password2"' in html and secret in html
    assert session_cookie_of(resp) is None
    row = stored_user(db, SITI)
    assert row["password_hash"] is None and row["password_set_at"] is None
    assert (await open_welcome(client, secret)).status == 200
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


@pytest.mark.parametrize("role, agency, landing", [
    ("operator", None, "/dashboard"),
    ("supervisor", None, "/dashboard"),
    ("agency", "dinkes-mataram", "/agency"),
])
async def test_a_good_password_is_stored_as_argon2id_signs_in_and_the_link_dies(client, db, role, agency, landing):
    """A good password is stored as an Argon2id hash (never as typed), signs the person in where their role lands,
    and the link then answers that it no longer works (404), to a GET and to a second POST alike."""
    secret = add_account(db, SITI, role=role, agency=agency)
    resp = await set_password(client, secret)
    assert resp.status == 303
    assert resp.headers["Location"] == f"{landing}?done=password_set"
    assert session_cookie_of(resp)
    row = stored_user(db, SITI)
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]
    assert row["password_set_at"] is not None and row["link_hash"] is None
    [opened] = user_sessions(db, SITI)
    assert opened["ended_at"] is None
    dead = await open_welcome(client, secret)
    assert dead.status == 404
    assert "Tautan tidak berlaku" in await dead.text()
    again = await client.post(WELCOME_PATH, data={"csrf": "x", "link": secret, "password": "penyerang-baru-123",
                                                  "password2": "penyerang-baru-123"}, allow_redirects=False)
    assert again.status == 404
    assert stored_user(db, SITI)["password_hash"] == row["password_hash"]


async def test_a_link_past_72_hours_is_dead(client, db):
    """A link made 71 h 59 min ago still opens the page; at 72 h it answers 404, and a form opened before then sets
    nothing."""
    secret = add_account(db, SITI)
    move_link_back(db, SITI, timedelta(hours=71, minutes=59))
    page = await open_welcome(client, secret)
    assert page.status == 200
    move_link_back(db, SITI, timedelta(minutes=1))
    dead = await open_welcome(client, secret)
    assert dead.status == 404
    assert "lewat 72 jam" in await dead.text()
    resp = await client.post(WELCOME_PATH, data={"csrf": csrf_of(await page.text()), "link": secret,
                                                 "password": PASSWORD, "password2": PASSWORD}, allow_redirects=False)
    assert resp.status == 404
    assert session_cookie_of(resp) is None
    assert stored_user(db, SITI)["password_hash"] is None


async def test_a_disabled_accounts_link_is_dead(client, db):
    """Once an account is disabled its link answers 404 and sets no password."""
    secret = add_account(db, SITI)
    page = await open_welcome(client, secret)
    with db.writer.begin() as conn:
        users.disable_user(conn, SITI, datetime.now(timezone.utc))
    assert (await open_welcome(client, secret)).status == 404
    resp = await client.post(WELCOME_PATH, data={"csrf": csrf_of(await page.text()), "link": secret,
                                                 "password": PASSWORD, "password2": PASSWORD}, allow_redirects=False)
    assert resp.status == 404
    assert stored_user(db, SITI)["password_hash"] is None


@pytest.mark.parametrize("forgery", ["no csrf", "wrong csrf", *CROSS_SITE], ids=["no-csrf", "wrong-csrf", "origin",
                                                                                  "sec-fetch-site"])
async def test_a_forged_welcome_form_is_refused_with_403(client, db, forgery):
    """The welcome form without its CSRF token, with another token, or sent from another site is 403 and sets
    nothing."""
    secret = add_account(db, SITI)
    headers = forgery if isinstance(forgery, dict) else None
    csrf = {"no csrf": "", "wrong csrf": "x" * 43}.get(forgery) if headers is None else None
    resp = await set_password(client, secret, headers=headers, csrf=csrf)
    assert resp.status == 403
    assert session_cookie_of(resp) is None
    assert stored_user(db, SITI)["password_hash"] is None


# --- signing in ---------------------------------------------------------------------------------------------------


async def test_right_email_in_any_case_and_password_open_a_session(client, db):
    """The e-mail typed in another case and with spaces around, and the right password, answer 303 to the console
    with a session cookie that is HttpOnly, SameSite=Lax and for the whole site; the console then greets the person."""
    add_account(db, SITI, name="Siti Aminah", password=PASSWORD)
    resp = await sign_in_as(client, "  Siti.Aminah@EXAMPLE.org ", PASSWORD)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard"
    attributes = cookie_attributes(resp)
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert PASSWORD not in session_cookie_header(resp)
    page = await client.get("/dashboard", allow_redirects=False)
    assert page.status == 200
    assert "Siti Aminah" in await page.text()


@pytest.mark.parametrize("case", ["wrong password", "disabled account", "password never set"])
async def test_a_wrong_password_answers_as_an_unknown_email_does(client, db, case):
    """A wrong password, a disabled account's right password and an account whose link was never used answer as an
    address with no account does: the same status, the same error and no session, never saying which was wrong."""
    if case == "password never set":
        add_account(db, SITI)
    else:
        add_account(db, SITI, password=PASSWORD)
    if case == "disabled account":
        with db.writer.begin() as conn:
            users.disable_user(conn, SITI, datetime.now(timezone.utc))
    unknown = await sign_in_as(client, "tidak.ada@example.org", PASSWORD)
    known = await sign_in_as(client, SITI, "bukan-kata-sandinya" if case == "wrong password" else PASSWORD)
    assert known.status == unknown.status == 401
    assert error_of(await known.text()) == error_of(await unknown.text()) == "E-mail atau kata sandi salah."
    assert session_cookie_of(known) is None and session_cookie_of(unknown) is None
    assert ([h.split("=", 1)[0] for h in known.headers.getall("Set-Cookie", [])]
            == [h.split("=", 1)[0] for h in unknown.headers.getall("Set-Cookie", [])])
    normalized = [(await r.text()).replace(email, "EMAIL") for r, email in
                  ((known, SITI), (unknown, "tidak.ada@example.org"))]
    assert normalized[0] == normalized[1]


async def test_a_typed_email_is_shown_back_as_text(client, db):
    """Markup typed as the e-mail comes back in the form escaped, never as markup."""
    resp = await sign_in_as(client, '"><script>alert(1)</script>@x.id', PASSWORD)
    assert resp.status == 401
    html = await resp.text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


async def test_five_failures_lock_the_email_for_15_minutes_while_another_works(client, db):
    """After 5 wrong passwords for one e-mail (typed in any case) within 15 minutes even the right password is
    refused with 429 and Retry-After; another person signs in meanwhile; once the 15 minutes are over the right
    password works again."""
    add_account(db, SITI, password=PASSWORD)
    add_account(db, BUDI, name="Budi Santoso", password=PASSWORD)
    for attempt in range(5):
        email = SITI.upper() if attempt % 2 else SITI
        assert (await sign_in_as(client, email, f"tebakan-ke-{attempt}")).status == 401
    locked = await sign_in_as(client, SITI, PASSWORD)
    assert locked.status == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Terlalu banyak percobaan" in await locked.text()
    assert session_cookie_of(locked) is None
    other = await sign_in_as(client, BUDI, PASSWORD)
    assert other.status == 303 and session_cookie_of(other)
    client.session.cookie_jar.clear()
    move_failures_back(db, timedelta(minutes=15))
    again = await sign_in_as(client, SITI, PASSWORD)
    assert again.status == 303 and session_cookie_of(again)


async def test_an_unknown_email_is_locked_like_a_known_one(client, db):
    """The limit on failures counts an address with no account too, so a 429 tells nothing of who has one."""
    for attempt in range(5):
        assert (await sign_in_as(client, "tidak.ada@example.org", f"tebakan-ke-{attempt}")).status == 401
    locked = await sign_in_as(client, "tidak.ada@example.org", PASSWORD)
    assert locked.status == 429 and "Retry-After" in locked.headers


async def test_sign_ins_from_one_address_are_limited_to_ten_a_minute(client, db):
    """Ten sign-ins a minute from one address, each for another e-mail, are answered; the eleventh is 429 with
    Retry-After, even with a right e-mail and password."""
    add_account(db, SITI, password=PASSWORD)
    statuses = [(await sign_in_as(client, f"orang{i}@example.org", PASSWORD)).status for i in range(10)]
    assert statuses == [401] * 10
    limited = await sign_in_as(client, SITI, PASSWORD)
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert session_cookie_of(limited) is None


@pytest.mark.parametrize("next_url", ["https://evil.example/dashboard", "//evil.example/dashboard",
                                      "/\\evil.example", "https:/evil.example", "/dashboard/logout"])
async def test_a_next_of_another_site_is_ignored(client, db, next_url):
    """A `next` that leads to another site (or to the sign-in pages themselves) is ignored: the person lands on
    their own page."""
    add_account(db, SITI, password=PASSWORD)
    resp = await sign_in_as(client, SITI, PASSWORD, next_url=next_url)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard"


async def test_signing_in_comes_back_to_the_agency_ticket_asked_for(client, db):
    """An agency officer sent to the login from a ticket's link comes back to that ticket."""
    add_account(db, SITI, role="agency", agency="dinkes-mataram", password=PASSWORD)
    resp = await sign_in_as(client, SITI, PASSWORD, next_url="/agency/tickets/NTB-AAAA0001")
    assert resp.status == 303
    assert resp.headers["Location"] == "/agency/tickets/NTB-AAAA0001"


@pytest.mark.parametrize("forgery", ["no csrf", "wrong csrf", "another browser's csrf"])
async def test_a_sign_in_without_its_csrf_token_is_refused_with_403(client, db, forgery):
    """A sign-in without the form's CSRF token, with a made-up one or with one rendered for another browser is 403,
    even with the right e-mail and password."""
    add_account(db, SITI, password=PASSWORD)
    csrf = {"no csrf": "", "wrong csrf": "x" * 43}.get(forgery)
    if forgery == "another browser's csrf":
        csrf = csrf_of(await (await client.get("/dashboard/login")).text())
        client.session.cookie_jar.clear()
    resp = await sign_in_as(client, SITI, PASSWORD, csrf=csrf)
    assert resp.status == 403
    assert "kedaluwarsa" in await resp.text()
    assert session_cookie_of(resp) is None
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


@pytest.mark.parametrize("headers", CROSS_SITE, ids=["origin", "sec-fetch-site"])
async def test_a_sign_in_from_another_site_is_refused_with_403(client, db, headers):
    """A sign-in whose Origin is another site, or that the browser says is cross-site, is 403 with a valid form and
    the right password."""
    add_account(db, SITI, password=PASSWORD)
    resp = await sign_in_as(client, SITI, PASSWORD, headers=headers)
    assert resp.status == 403
    assert session_cookie_of(resp) is None
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


# --- sessions -----------------------------------------------------------------------------------------------------


async def test_logout_ends_the_session_in_the_store(client, db):
    """Logout ends the person's session in the store; the old cookie sent again gets the login page."""
    add_account(db, SITI, password=PASSWORD)
    cookie = await browser(client, SITI)
    page = await page_with(client, cookie)
    assert page.status == 200
    resp = await client.post("/dashboard/logout", data={"csrf": csrf_of(await page.text())},
                             headers={"Cookie": f"aduan_dashboard={cookie}"}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/dashboard/login"
    assert [s["end_reason"] for s in user_sessions(db, SITI)] == ["logout"]
    replayed = await page_with(client, cookie, "/dashboard/password")
    assert replayed.status == 303
    assert replayed.headers["Location"] == "/dashboard/login?next=%2Fdashboard%2Fpassword"


async def change_password(client, cookie: str, current: str, new: str, again: str | None = None,
                          headers: dict[str, str] | None = None, csrf: str | None = None):
    """Open the password page with this session and submit the change (not followed)."""
    page = await page_with(client, cookie, "/dashboard/password")
    assert page.status == 200
    form = {"csrf": csrf_of(await page.text()) if csrf is None else csrf, "current": current, "password": new,
            "password2": new if again is None else again}
    return await client.post("/dashboard/password", data=form, allow_redirects=False,
                             headers={"Cookie": f"aduan_dashboard={cookie}", **(headers or {})})


async def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client, db):
    """Changing the password with the current one answers 303 with a notice; the person's session on another device
    ends at once, this one stays; the old password no longer signs in and the new one does."""
    add_account(db, SITI, password=PASSWORD)
    phone = await browser(client, SITI)
    laptop = await browser(client, SITI)
    resp = await change_password(client, laptop, PASSWORD, NEW_PASSWORD)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/password?done=password_changed"
    notice = await page_with(client, laptop, resp.headers["Location"])
    assert notice.status == 200
    assert "Kata sandi sudah diganti" in await notice.text()
    assert (await page_with(client, phone)).status == 303
    assert [s["end_reason"] for s in user_sessions(db, SITI)] == ["password", None]
    assert stored_user(db, SITI)["password_hash"].startswith("$argon2id$")
    assert (await sign_in_as(client, SITI, PASSWORD)).status == 401
    assert (await sign_in_as(client, SITI, NEW_PASSWORD)).status == 303


@pytest.mark.parametrize("current, new, again, field, message", [
    ("bukan-kata-sandinya", NEW_PASSWORD, None, "current", "Kata sandi sekarang salah."),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "password", "tidak sama"),
    (PASSWORD, "pendek123", None, "password", "terlalu pendek"),
])
async def test_a_refused_password_change_changes_nothing(client, db, current, new, again, field, message):
    """A wrong current password, or a new one too short or typed differently, answers 400 with the error beside its
    field; the stored password and every session stay as they were."""
    add_account(db, SITI, password=PASSWORD)
    before = stored_user(db, SITI)["password_hash"]
    phone = await browser(client, SITI)
    laptop = await browser(client, SITI)
    resp = await change_password(client, laptop, current, new, again)
    assert resp.status == 400
    html = await resp.text()
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html), html
    assert stored_user(db, SITI)["password_hash"] == before
    assert (await page_with(client, phone)).status == 200
    assert (await page_with(client, laptop)).status == 200
    assert (await sign_in_as(client, SITI, NEW_PASSWORD)).status == 401


async def test_guessing_the_current_password_is_limited_like_signing_in(client, db):
    """Five wrong current passwords on the change form within 15 minutes count as failed sign-ins: the sixth try is
    429 with Retry-After even with the right one, the password stays, and signing in with it is refused too."""
    add_account(db, SITI, password=PASSWORD)
    before = stored_user(db, SITI)["password_hash"]
    cookie = await browser(client, SITI)
    for attempt in range(5):
        assert (await change_password(client, cookie, f"tebakan-ke-{attempt}", NEW_PASSWORD)).status == 400
    limited = await change_password(client, cookie, PASSWORD, NEW_PASSWORD)
    assert limited.status == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 15 * 60
    assert "Terlalu banyak percobaan" in await limited.text()
    assert stored_user(db, SITI)["password_hash"] == before
    assert (await sign_in_as(client, SITI, PASSWORD)).status == 429


@pytest.mark.parametrize("forgery", ["no csrf", *CROSS_SITE], ids=["no-csrf", "origin", "sec-fetch-site"])
async def test_a_forged_password_change_is_refused_with_403(client, db, forgery):
    """A password change without the session's CSRF token or from another site is 403 and changes nothing."""
    add_account(db, SITI, password=PASSWORD)
    before = stored_user(db, SITI)["password_hash"]
    cookie = await browser(client, SITI)
    headers = forgery if isinstance(forgery, dict) else None
    resp = await change_password(client, cookie, PASSWORD, NEW_PASSWORD, headers=headers,
                                 csrf="" if headers is None else None)
    assert resp.status == 403
    assert stored_user(db, SITI)["password_hash"] == before


async def test_a_token_session_has_no_password_to_change(client, env):
    """Signed in with the operator token there is no password: the password page is 404."""
    assert (await sign_in(client, env.operator_token)).status == 303
    resp = await client.get("/dashboard/password", allow_redirects=False)
    assert resp.status == 404


@pytest.mark.parametrize("columns, delta", [
    (("created_at", "last_seen_at", "expires_at"), timedelta(hours=12)),
    (("created_at", "expires_at"), timedelta(days=7)),
], ids=["idle-12h", "older-than-7-days"])
async def test_a_persons_session_idle_12_hours_or_older_than_7_days_is_gone(client, db, columns, delta):
    """A person's session last seen 12 hours ago, or opened 7 days ago however active, gets the login page."""
    add_account(db, SITI, password=PASSWORD)
    cookie = await browser(client, SITI)
    assert (await page_with(client, cookie)).status == 200
    move_sessions_back(db, delta, *columns)
    resp = await page_with(client, cookie)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login"


async def test_disabling_an_account_ends_its_open_session_at_once(client, db):
    """Disabling a person ends their session at the next page, and their password no longer signs in."""
    add_account(db, SITI, password=PASSWORD)
    cookie = await browser(client, SITI)
    with db.writer.begin() as conn:
        _row, ended = users.disable_user(conn, SITI, datetime.now(timezone.utc))
    assert ended == 1
    assert (await page_with(client, cookie)).status == 303
    assert (await sign_in_as(client, SITI, PASSWORD)).status == 401


async def test_an_agency_officer_is_sent_to_the_inbox_and_gets_404_on_the_console(client, db, seeded):
    """An agency officer lands on /agency; the console's front page sends them there, and a complaint page of the
    console is 404 (their own agency's as well as another's) as if it did not exist."""
    add_account(db, SITI, role="agency", agency="dinkes-mataram", password=PASSWORD)
    resp = await sign_in_as(client, SITI, PASSWORD)
    assert resp.status == 303 and resp.headers["Location"] == "/agency"
    front = await client.get("/dashboard", allow_redirects=False)
    assert front.status == 303 and front.headers["Location"] == "/agency"
    for code in (sample.NAMED_CODE, sample.OVERDUE_CODE, "NTB-ZZZZ9999"):
        page = await client.get(f"/dashboard/complaints/{code}", allow_redirects=False)
        assert page.status == 404, code
        assert "Halaman tidak ditemukan" in await page.text()


async def test_the_operator_token_still_signs_in_and_the_api_still_takes_tokens(client, db, env, operator_headers):
    """ADUAN_OPERATOR_TOKEN signs in through the token field, a stored operator token does too, and the operator
    API still answers both."""
    resp = await sign_in(client, env.operator_token)
    assert resp.status == 303 and resp.headers["Location"] == "/dashboard"
    assert (await client.get("/dashboard", allow_redirects=False)).status == 200
    client.session.cookie_jar.clear()
    with db.writer.begin() as conn:
        access.add_token(conn, token_hash("adu_meja-pengaduan"), "operator", None, "meja", datetime.now(timezone.utc))
    assert (await sign_in(client, "adu_meja-pengaduan")).status == 303
    for headers in (operator_headers, {"Authorization": "Bearer adu_meja-pengaduan"}):
        assert (await client.get("/api/v1/complaints", headers=headers)).status == 200


# --- who the timeline says acted ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored_token, label", [(True, "meja pengaduan"), (False, "ADUAN_OPERATOR_TOKEN")])
async def test_an_api_call_with_a_token_records_the_token_as_by(client, db, seeded, operator_headers, stored_token,
                                                                label):
    """An assignment through the operator API with a stored token records `by` = the token and its label (with
    ADUAN_OPERATOR_TOKEN, that name), and the complaint's view carries a `by` on every event."""
    headers = operator_headers
    if stored_token:
        with db.writer.begin() as conn:
            access.add_token(conn, token_hash("adu_meja-pengaduan"), "operator", None, label,
                             datetime.now(timezone.utc))
        headers = {"Authorization": "Bearer adu_meja-pengaduan"}
    resp = await client.post(f"/api/v1/complaints/{sample.SCRIPT_CODE}/assign", json={"agency": "dinkes-ntb"},
                             headers=headers)
    assert resp.status == 200, await resp.text()
    view = await (await client.get(f"/api/v1/complaints/{sample.SCRIPT_CODE}", headers=headers)).json()
    assert all("by" in event and event["by"]["type"] for event in view["events"])
    [assigned] = [e for e in view["events"] if e["type"] == "assigned"]
    assert assigned["actor"] == "operator"
    assert assigned["by"] == {"type": "token", "label": label, "agency": None}


async def test_events_older_than_accounts_read_their_by_from_the_actor(client, seeded, runtime, operator_headers):
    """Events stored before there was a `by` read, in the operator API, as the citizen, a token or the system their
    actor names."""
    actors = ["citizen:telegram", "citizen", "operator", "agency:dinkes-mataram", "sweep", "router"]
    with runtime.db.writer.begin() as conn:
        for actor in actors:
            sample.event(conn, seeded[sample.NAMED_CODE], sample.MARCH, "note", None, actor=actor)
    view = await (await client.get(f"/api/v1/complaints/{sample.NAMED_CODE}", headers=operator_headers)).json()
    by = {e["actor"]: e["by"] for e in view["events"]}
    assert by == {
        "citizen:telegram": {"type": "citizen", "channel": "telegram"},
        "citizen": {"type": "citizen", "channel": "web"},  # the complaint's own channel
        "operator": {"type": "token", "label": None, "agency": None},
        "agency:dinkes-mataram": {"type": "token", "label": None, "agency": "dinkes-mataram"},
        "sweep": {"type": "system", "name": "sweep"},
        "router": {"type": "system", "name": "router"},
    }


@pytest.mark.parametrize("actor, by, channel, expected", [
    ("router", None, None, {"type": "system", "name": "router"}),
    ("sweep", None, None, {"type": "system", "name": "sweep"}),
    ("citizen:sms", None, "web", {"type": "citizen", "channel": "sms"}),
    ("citizen", None, "whatsapp", {"type": "citizen", "channel": "whatsapp"}),
    ("operator", None, None, {"type": "token", "label": None, "agency": None}),
    ("agency:pupr-lotim", None, None, {"type": "token", "label": None, "agency": "pupr-lotim"}),
    ("operator", {}, None, {"type": "token", "label": None, "agency": None}),
    ("operator", {"label": "x"}, None, {"type": "token", "label": None, "agency": None}),
    ("user:7", {"type": "user", "name": "Siti Aminah", "role": "operator", "agency": None}, None,
     {"type": "user", "name": "Siti Aminah", "role": "operator", "agency": None}),
    ("operator", {"type": "token", "label": "meja", "agency": None}, None,
     {"type": "token", "label": "meja", "agency": None}),
])
def test_by_of_reads_a_stored_by_else_the_actor(actor, by, channel, expected):
    """A stored `by` is read as it is; without one (or with one that names no type) the actor says who acted."""
    assert by_of(actor, by, channel) == expected


# --- logs -------------------------------------------------------------------------------------------------------


async def test_passwords_and_link_secrets_never_reach_the_logs(client, db, log_text):
    """Setting a password from a link (a refused try, then a good one), a wrong and a right sign-in and a password
    change log what happened, and never a password typed or the link's secret."""
    secret = add_account(db, SITI)
    assert (await set_password(client, secret, PASSWORD, "salah-ketik-kedua")).status == 400
    assert (await set_password(client, secret, PASSWORD)).status == 303
    client.session.cookie_jar.clear()
    assert (await sign_in_as(client, SITI, "tebakan-yang-salah")).status == 401
    cookie = await browser(client, SITI)
    assert (await change_password(client, cookie, PASSWORD, NEW_PASSWORD)).status == 303
    text = log_text()
    events = {json.loads(line)["event"] for line in text.splitlines() if line.startswith("{")}
    assert {"dashboard.password_set", "dashboard.login", "dashboard.login_failed", "http.request"} <= events
    for secret_value in (secret, PASSWORD, NEW_PASSWORD, "salah-ketik-kedua", "tebakan-yang-salah"):
        assert secret_value not in text


def test_one_link_sets_a_password_once_even_when_two_requests_race(db):
    """The link is checked and killed in one UPDATE: of two requests holding it, only the first sets a password."""
    secret = add_account(db, "dua@ntbcare.example")
    account = stored_user(db, "dua@ntbcare.example")
    now = datetime.now(timezone.utc)
    with db.writer.begin() as conn:
        first = users.use_link(conn, account["id"], token_hash(secret), hash_password("pertama sekali"), now)
        second = users.use_link(conn, account["id"], token_hash(secret), hash_password("kedua kalinya"), now)
    assert (first, second) == (True, False)
    with db.reader.connect() as conn:
        assert users.user_by_link(conn, token_hash(secret), now) is None
