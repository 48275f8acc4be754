"""The dashboard's login, session cookie, CSRF tokens and logout, through the whole app."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from api.app import create_app
from api.auth import token_hash
from api.dashboard import safe_next, session
from api.runtime import build_runtime
from store import queries
from store.models import ApiToken
from tests.dashboard.conftest import csrf_of, sign_in

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def session_cookie_header(resp) -> str:
    """The Set-Cookie header of the session cookie."""
    found = [h for h in resp.headers.getall("Set-Cookie", []) if h.startswith(f"{session.SESSION_COOKIE}=")]
    assert len(found) == 1, resp.headers.getall("Set-Cookie", [])
    return found[0]


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


async def test_login_with_the_operator_token_sets_a_signed_http_only_cookie(client, env):
    """The right token gives a 303 to /dashboard and an HttpOnly, SameSite=Strict cookie for /dashboard without the token."""
    resp = await sign_in(client, env.operator_token)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard"
    header = session_cookie_header(resp)
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/dashboard" in attributes
    assert "max-age=43200" in attributes
    assert "secure" not in attributes  # the public URL of the test env is http
    assert env.operator_token not in header
    assert token_hash(env.operator_token) not in header
    page = await client.get("/dashboard", allow_redirects=False)
    assert page.status == 200
    assert "Keluar" in await page.text()


async def test_session_cookie_is_secure_when_the_public_url_is_https(aiohttp_client, env, sample_config):
    """Behind an https public URL the session cookie is also Secure."""
    runtime = build_runtime(replace(env, public_url="https://aduan.example.go.id"), sample_config)
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
    """A stored operator token signs in like the env token; an agency token does not; revoking ends the session."""
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


@pytest.mark.parametrize("change", ["signature", "expiry", "principal"])
async def test_tampered_cookie_redirects_to_login(client, env, change):
    """A session cookie with a changed signature, expiry or principal is not a session: back to the login form."""
    resp = await sign_in(client, env.operator_token)
    value = session_cookie_header(resp).split(";", 1)[0].split("=", 1)[1]
    expires, who, nonce, signature = value.split(".")
    forged = {
        "signature": f"{expires}.{who}.{nonce}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "expiry": f"{int(expires) + 86400}.{who}.{nonce}.{signature}",
        "principal": f"{expires}.t1.{nonce}.{signature}",
    }[change]
    client.session.cookie_jar.clear()
    resp = await client.get("/dashboard", headers={"Cookie": f"{session.SESSION_COOKIE}={forged}"}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/dashboard/login"


async def test_expired_cookie_redirects_to_login(client, runtime, env):
    """A correctly signed cookie past its 12 hours is not a session."""
    issued = time.time() - session.SESSION_SECONDS - 1
    value = session.issue(runtime.secret_key, "env", issued, session.SESSION_SECONDS, session.fingerprint(env.operator_token))
    resp = await client.get("/dashboard", headers={"Cookie": f"{session.SESSION_COOKIE}={value}"}, allow_redirects=False)
    assert resp.status == 303
    fresh = session.issue(runtime.secret_key, "env", time.time(), session.SESSION_SECONDS, session.fingerprint(env.operator_token))
    resp = await client.get("/dashboard", headers={"Cookie": f"{session.SESSION_COOKIE}={fresh}"}, allow_redirects=False)
    assert resp.status == 200


async def test_session_of_another_operator_token_ends_when_the_token_changes(client, runtime):
    """A session signed for an earlier ADUAN_OPERATOR_TOKEN is not valid under the token now in force."""
    value = session.issue(runtime.secret_key, "env", time.time(), session.SESSION_SECONDS, session.fingerprint("old-token"))
    resp = await client.get("/dashboard", headers={"Cookie": f"{session.SESSION_COOKIE}={value}"}, allow_redirects=False)
    assert resp.status == 303


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
    (None, "/dashboard"),
])
def test_next_is_only_a_dashboard_path(given, expected):
    """The page to return to after login is a dashboard path, never another site."""
    assert safe_next(given) == expected
