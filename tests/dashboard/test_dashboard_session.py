"""The dashboard's login, its sessions in the store, CSRF tokens and logout, through the whole app."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from app.server import create_app
from api.auth import token_hash
from api.dashboard import session
from api.dashboard.forms import safe_next
from app.build import build_runtime
from store import queries
from store.models import ApiToken
from tests.conftest import with_env
from tests.dashboard.conftest import csrf_of, sign_in
from tests.dashboard.sessions import (
    cookie_value,
    dashboard_with,
    move_sessions_back,
    open_session,
    session_cookie_header,
    stored_sessions,
)

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


async def test_dashboard_without_a_session_redirects_to_login(client):
    """An unauthenticated visit to /dashboard is sent to the login form (303); a complaint page comes back after it."""
    resp = await client.get("/dashboard", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login"
    resp = await client.get("/dashboard/complaints/NTB-AAAA0001", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login?next=%2Fdashboard%2Fcomplaints%2FNTB-AAAA0001"


async def test_login_page_is_an_indonesian_form_with_the_security_headers(client):
    """The login form asks for the operator token in Bahasa Indonesia, with CSP, nosniff and no-store."""
    resp = await client.get("/dashboard/login")
    assert resp.status == 200
    html = await resp.text()
    assert '<html lang="id">' in html
    assert "Token operator" in html and "Masuk" in html
    assert 'name="viewport"' in html
    for name, value in SECURITY.items():
        assert resp.headers[name] == value
    csp = resp.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "style-src 'self'"):
        assert directive in csp


async def test_login_with_the_operator_token_sets_an_http_only_session_cookie(client, env):
    """The right token gives a 303 to /dashboard and an HttpOnly, SameSite=Lax cookie for the whole site (the console,
    the inbox and the files; Lax so that a link in an e-mail arrives signed in), kept at most the session's 7 days,
    without the token."""
    resp = await sign_in(client, env.operator_token)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard"
    header = session_cookie_header(resp)
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "max-age=604800" in attributes
    assert "secure" not in attributes  # the public URL of the test env is http
    assert env.operator_token not in header
    assert token_hash(env.operator_token) not in header
    page = await client.get("/dashboard", allow_redirects=False)
    assert page.status == 200
    assert "Keluar" in await page.text()


async def test_session_cookie_is_secure_when_the_public_url_is_https(aiohttp_client, env, sample_config):
    """Behind an https public URL the session cookie is also Secure."""
    runtime = build_runtime(with_env(env, public_url="https://aduan.example.go.id"), sample_config)
    try:
        client = await aiohttp_client(create_app(runtime))
        page = await client.get("/dashboard/login")
        # The test server speaks http, so the client keeps Secure cookies to itself: hand the login cookie over.
        login_cookie = page.cookies[session.LOGIN_COOKIE]
        assert login_cookie["secure"]
        resp = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "token": env.operator_token},
                                 headers={"Cookie": f"{session.LOGIN_COOKIE}={login_cookie.value}"}, allow_redirects=False)
        assert resp.status == 303
        assert "secure" in [part.strip().lower() for part in session_cookie_header(resp).split(";")]
        await client.close()
    finally:
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def test_wrong_token_shows_the_form_again_with_401(client):
    """A wrong token answers 401 with the form and an Indonesian error, sets no session and does not echo the token."""
    resp = await sign_in(client, "not-the-token-12345")
    assert resp.status == 401
    html = await resp.text()
    assert "Token tidak valid" in html
    assert "not-the-token-12345" not in html
    assert not [h for h in resp.headers.getall("Set-Cookie", []) if h.startswith(f"{session.SESSION_COOKIE}=")]
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_agency_token_cannot_sign_in_and_stored_operator_token_can_until_revoked(client, runtime):
    """A stored operator token signs in like the env token; an agency token does not; a token revoked in the store,
    by any means, ends the session at the next page."""
    now = datetime.now(timezone.utc)
    with runtime.db.writer.begin() as conn:
        queries.add_token(conn, token_hash("adu_agency-token"), "agency", "dinkes-ntb", None, now)
        queries.add_token(conn, token_hash("adu_operator-token"), "operator", None, "tim", now)
    assert (await sign_in(client, "adu_agency-token")).status == 401
    resp = await sign_in(client, "adu_operator-token")
    assert resp.status == 303
    assert "adu_operator-token" not in session_cookie_header(resp)
    assert (await client.get("/dashboard", allow_redirects=False)).status == 200
    with runtime.db.writer.begin() as conn:
        conn.execute(update(ApiToken).values(revoked_at=now))
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_login_without_its_csrf_token_is_refused_with_403(client, env):
    """A login POST without the form's CSRF token (or with another's) is 403, even with the right operator token."""
    await client.get("/dashboard/login")
    resp = await client.post("/dashboard/login", data={"token": env.operator_token}, allow_redirects=False)
    assert resp.status == 403
    assert "kedaluwarsa" in await resp.text()
    resp = await client.post("/dashboard/login", data={"token": env.operator_token, "csrf": "x" * 43},
                             allow_redirects=False)
    assert resp.status == 403
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
async def test_login_from_another_site_is_refused(client, env, origin):
    """A login POST whose Origin is another site (or hidden) is 403, even with a valid form."""
    page = await client.get("/dashboard/login")
    resp = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "token": env.operator_token},
                             headers={"Origin": origin}, allow_redirects=False)
    assert resp.status == 403
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_the_cookie_holds_a_random_id_and_the_store_only_its_hash(client, db, env):
    """The cookie is 256 random bits; the session row keeps their SHA-256, never the id, and no column holds it."""
    value = await open_session(client, env.operator_token)
    assert len(value) == 43
    [row] = stored_sessions(db)
    assert row["id_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert row["id_hash"] != value
    assert all(value not in str(cell) for cell in row.values())
    assert row["principal_kind"] == "env" and row["token_id"] is None
    assert row["expires_at"] - row["created_at"] == timedelta(days=7)
    assert row["ended_at"] is None and row["address"] == "127.0.0.1"


@pytest.mark.parametrize("forge", ["stored hash", "one character changed", "random id", "old signed format"])
async def test_a_cookie_we_did_not_issue_is_not_a_session(client, db, env, forge):
    """The row's stored hash, an altered id, a fresh random id or a cookie of the old signed format sign no one in."""
    value = await open_session(client, env.operator_token)
    [row] = stored_sessions(db)
    forged = {
        "stored hash": row["id_hash"],
        "one character changed": value[:-1] + ("A" if value[-1] != "A" else "B"),
        "random id": secrets.token_urlsafe(32),
        "old signed format": f"9999999999.env.{secrets.token_urlsafe(16)}.{secrets.token_urlsafe(32)}",
    }[forge]
    resp = await dashboard_with(client, forged)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login"
    assert (await dashboard_with(client, value)).status == 200


async def test_a_session_idle_12_hours_is_refused(client, db, env):
    """A session last seen 11 h 59 min ago still opens the dashboard; one last seen 12 h ago gets the login page."""
    value = await open_session(client, env.operator_token)
    move_sessions_back(db, timedelta(hours=11, minutes=59), "created_at", "last_seen_at", "expires_at")
    assert (await dashboard_with(client, value)).status == 200
    # That view moved last_seen_at to now; let 12 hours pass without a view.
    move_sessions_back(db, timedelta(hours=12), "created_at", "last_seen_at", "expires_at")
    resp = await dashboard_with(client, value)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login"


async def test_a_session_older_than_7_days_is_refused_however_active(client, db, env):
    """A session opened 7 days ago is over even when it was seen a minute ago; one day younger it still works."""
    value = await open_session(client, env.operator_token)
    move_sessions_back(db, timedelta(days=6), "created_at", "expires_at")
    assert (await dashboard_with(client, value)).status == 200
    move_sessions_back(db, timedelta(days=1), "created_at", "expires_at")
    assert (await dashboard_with(client, value)).status == 303
    [row] = stored_sessions(db)
    assert datetime.now(timezone.utc) - row["last_seen_at"] < timedelta(hours=1)


async def test_a_page_view_writes_last_seen_at_at_most_once_a_minute(client, db, env):
    """Views within a minute of the last recorded one write nothing; the first view after it moves last_seen_at."""
    value = await open_session(client, env.operator_token)
    move_sessions_back(db, timedelta(seconds=30), "created_at", "last_seen_at")
    [before] = stored_sessions(db)
    assert (await dashboard_with(client, value)).status == 200
    assert stored_sessions(db)[0]["last_seen_at"] == before["last_seen_at"]
    move_sessions_back(db, timedelta(seconds=31), "created_at", "last_seen_at")
    [moved] = stored_sessions(db)
    assert (await dashboard_with(client, value)).status == 200
    assert stored_sessions(db)[0]["last_seen_at"] > moved["last_seen_at"]


async def test_a_session_opened_on_one_instance_works_on_another(aiohttp_client, client, env, sample_config):
    """Two instances on one store (each with its own secret key) share sessions and logouts; an instance under a
    changed ADUAN_OPERATOR_TOKEN refuses the sessions opened with the old one."""
    value = await open_session(client, env.operator_token)
    other = build_runtime(with_env(env, secret_key="another-instance-key"), sample_config)
    changed = build_runtime(with_env(env, operator_token="a-new-operator-token-9876543210"), sample_config)
    try:
        second = await aiohttp_client(create_app(other))
        third = await aiohttp_client(create_app(changed))
        page = await dashboard_with(second, value)
        assert page.status == 200
        assert (await dashboard_with(third, value)).status == 303
        resp = await second.post("/dashboard/logout", data={"csrf": csrf_of(await page.text())},
                                 headers={"Cookie": f"{session.SESSION_COOKIE}={value}"}, allow_redirects=False)
        assert resp.status == 303
        assert (await dashboard_with(client, value)).status == 303
        await second.close()
        await third.close()
    finally:
        for rt in (other, changed):
            rt.readers.shutdown(wait=True)
            rt.db.dispose()


async def test_logout_ends_the_session(client, env):
    """Logout with the page's CSRF token clears the cookie and sends to the login form; the dashboard is closed again."""
    await sign_in(client, env.operator_token)
    page = await client.get("/dashboard")
    resp = await client.post("/dashboard/logout", data={"csrf": csrf_of(await page.text())}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login"
    cleared = session_cookie_header(resp).lower()
    assert "max-age=0" in cleared or "expires=thu, 01 jan 1970" in cleared
    assert (await client.get("/dashboard", allow_redirects=False)).status == 303


async def test_a_cookie_replayed_after_logout_gets_the_login_page_and_other_sessions_stay(client, db, env):
    """After logout the old cookie, sent again, is refused at once; another session of the same token still works."""
    first = await open_session(client, env.operator_token)
    second = await open_session(client, env.operator_token)
    page = await dashboard_with(client, first)
    resp = await client.post("/dashboard/logout", data={"csrf": csrf_of(await page.text())},
                             headers={"Cookie": f"{session.SESSION_COOKIE}={first}"}, allow_redirects=False)
    assert resp.status == 303
    replayed = await dashboard_with(client, first, "/dashboard/complaints/NTB-AAAA0001")
    assert replayed.status == 303
    assert replayed.headers["Location"].startswith("/dashboard/login")
    assert (await dashboard_with(client, second)).status == 200
    ended = [row["end_reason"] for row in stored_sessions(db)]
    assert ended == ["logout", None]


async def test_signing_in_again_ends_the_browsers_earlier_session(client, db, env):
    """A new sign-in from a browser that still holds a session cookie gets a new id and ends the earlier session."""
    earlier = await open_session(client, env.operator_token)
    page = await client.get("/dashboard/login")
    resp = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "token": env.operator_token},
                             headers={"Cookie": f"{session.SESSION_COOKIE}={earlier}; "
                                                f"{session.LOGIN_COOKIE}={page.cookies[session.LOGIN_COOKIE].value}"},
                             allow_redirects=False)
    assert resp.status == 303
    assert cookie_value(resp) != earlier
    client.session.cookie_jar.clear()
    assert (await dashboard_with(client, earlier)).status == 303
    assert (await dashboard_with(client, cookie_value(resp))).status == 200
    assert [row["end_reason"] for row in stored_sessions(db)] == ["replaced", None]


async def test_logout_without_the_csrf_token_is_refused_with_403(client, env):
    """A logout POST without the session's CSRF token (a forged form) is 403 and the session stays."""
    await sign_in(client, env.operator_token)
    resp = await client.post("/dashboard/logout", data={}, allow_redirects=False)
    assert resp.status == 403
    resp = await client.post("/dashboard/logout", data={"csrf": "forged"}, allow_redirects=False)
    assert resp.status == 403
    assert (await client.get("/dashboard", allow_redirects=False)).status == 200


async def test_login_attempts_are_rate_limited_per_address(client):
    """After ten attempts in a minute from one address the form answers 429 with Retry-After."""
    statuses = [(await sign_in(client, f"wrong-{i}")).status for i in range(11)]
    assert statuses == [401] * 10 + [429]
    last = await sign_in(client, "wrong-again")
    assert last.status == 429
    assert int(last.headers["Retry-After"]) >= 1
    assert "Terlalu banyak percobaan" in await last.text()


async def test_login_goes_back_to_the_page_asked_for(client, env):
    """After login the operator lands on the dashboard page that sent them to the form; never on another site."""
    resp = await sign_in(client, env.operator_token, next_url="/dashboard/complaints/NTB-AAAA0001")
    assert resp.headers["Location"] == "/dashboard/complaints/NTB-AAAA0001"
    client.session.cookie_jar.clear()
    resp = await sign_in(client, env.operator_token, next_url="https://evil.example/dashboard")
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("given, expected", [
    ("/dashboard?since=2026-03-01", "/dashboard?since=2026-03-01"),
    ("/dashboard/complaints/NTB-AAAA0001", "/dashboard/complaints/NTB-AAAA0001"),
    ("//evil.example/dashboard", "/dashboard"),
    ("https://evil.example/dashboard", "/dashboard"),
    ("/dashboardx", "/dashboard"),
    ("/dashboard/login", "/dashboard"),
    ("/\\evil.example", "/dashboard"),
    ("/api/v1/complaints", "/dashboard"),
    ("/agency/tickets/NTB-AAAA0001", "/agency/tickets/NTB-AAAA0001"),
    ("/agencyx", "/dashboard"),
    ("/files/12", "/files/12"),
    ("/dashboard/welcome?link=x", "/dashboard"),
    (None, "/dashboard"),
])
def test_next_is_only_a_page_of_ours(given, expected):
    """The page to return to after login is a page of the console, the inbox or a file, never another site."""
    assert safe_next(given, "/dashboard") == expected
