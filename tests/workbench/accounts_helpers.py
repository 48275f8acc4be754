"""Helpers of the accounts tests: accounts written to the store as `user add` writes them, and a browser that opens a
one-time link, signs in with e-mail and password, and reads what the store kept."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from sqlalchemy import select, update

from api.auth import token_hash
from api.dashboard import session
from api.passwords import hash_password, link_secret
from store import models as m
from store import users
from tests.dashboard.conftest import csrf_of

PASSWORD = "kopi susu di pagi hari"
WELCOME_PATH = "/dashboard/welcome"


def add_account(db, email: str, name: str = "Siti Aminah", role: str = "operator", agency: str | None = None,
                password: str | None = None) -> str:
    """Store an account as `user add` does and return its one-time link's secret; with `password`, as if the link
    had been used to set it (the link then dead)."""
    secret = link_secret()
    now = datetime.now(timezone.utc)
    with db.writer.begin() as conn:
        user_id = users.add_user(conn, email=email, name=name, role=role, agency=agency, telegram_id=None,
                                 link_hash=token_hash(secret), now=now)
        if password is not None:
            users.set_password(conn, user_id, hash_password(password), now)
    return secret


def stored_user(db, email: str) -> dict:
    """The account row of an e-mail address, secrets included."""
    with db.reader.connect() as conn:
        row = users.find_user(conn, email)
    assert row is not None, email
    return dict(row)


def move_link_back(db, email: str, delta: timedelta) -> None:
    """Move an account's link expiry back by `delta`: as if that much time had passed since it was made."""
    row = stored_user(db, email)
    with db.writer.begin() as conn:
        conn.execute(update(m.User.__table__).where(m.User.__table__.c.id == row["id"])
                     .values(link_expires_at=row["link_expires_at"] - delta))


def move_failures_back(db, delta: timedelta) -> None:
    """Move the start of every failed sign-in window back by `delta`."""
    table = m.SignInFailure.__table__
    with db.writer.begin() as conn:
        for row in conn.execute(select(table)).mappings().all():
            conn.execute(update(table).where(table.c.email_hash == row["email_hash"])
                         .values(first_at=row["first_at"] - delta))


def user_sessions(db, email: str) -> list[dict]:
    """The session rows of a person, oldest first."""
    user_id = stored_user(db, email)["id"]
    table = m.Session.__table__
    with db.reader.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(table.c.user_id == user_id)
                                              .order_by(table.c.id)).mappings()]


def welcome_url(secret: str) -> str:
    """The path and query of a one-time link."""
    return f"{WELCOME_PATH}?link={secret}"


async def open_welcome(client, secret: str):
    """GET the page a one-time link opens (not followed)."""
    return await client.get(welcome_url(secret), allow_redirects=False)


async def set_password(client, secret: str, password: str = PASSWORD, again: str | None = None,
                       headers: dict[str, str] | None = None, csrf: str | None = None):
    """Open the link's page and submit a new password (typed twice, `again` the second time); return the answer of
    the POST (not followed)."""
    page = await open_welcome(client, secret)
    assert page.status == 200, await page.text()
    form = {"csrf": csrf_of(await page.text()) if csrf is None else csrf, "link": secret, "password": password,
            "password2": password if again is None else again}
    return await client.post(WELCOME_PATH, data=form, headers=headers or {}, allow_redirects=False)


async def sign_in_as(client, email: str, password: str = PASSWORD, next_url: str | None = None,
                     headers: dict[str, str] | None = None, csrf: str | None = None):
    """Open the login form (with `next_url` as the page asked for) and submit e-mail and password; return the answer
    of the POST (not followed)."""
    login = "/dashboard/login" if next_url is None else f"/dashboard/login?next={quote(next_url, safe='')}"
    page = await client.get(login)
    assert page.status == 200, await page.text()
    text = await page.text()
    form = {"csrf": csrf_of(text) if csrf is None else csrf, "email": email, "password": password,
            "next": html.unescape(re.search(r'name="next" value="([^"]*)"', text).group(1))}
    return await client.post("/dashboard/login", data=form, headers=headers or {}, allow_redirects=False)


def session_cookie_of(resp) -> str | None:
    """The session id a response's Set-Cookie gives, or None when it sets none."""
    for header in resp.headers.getall("Set-Cookie", []):
        if header.startswith(f"{session.SESSION_COOKIE}="):
            return header.split(";", 1)[0].split("=", 1)[1]
    return None


async def page_with(client, cookie: str, path: str = "/dashboard"):
    """GET a page with only this session cookie (not followed)."""
    return await client.get(path, headers={"Cookie": f"{session.SESSION_COOKIE}={cookie}"}, allow_redirects=False)


async def browser(client, email: str, password: str = PASSWORD) -> str:
    """Sign in as a browser of its own would and return its session cookie, leaving the client's jar empty."""
    resp = await sign_in_as(client, email, password)
    assert resp.status == 303, await resp.text()
    cookie = session_cookie_of(resp)
    assert cookie
    client.session.cookie_jar.clear()
    return cookie
