"""People of the console tests: accounts written to the store with a password, signed in as a browser does."""

from __future__ import annotations

from datetime import datetime, timezone

from api.dashboard import session
from api.passwords import hash_password
from store import users
from tests.dashboard.conftest import csrf_of

PASSWORD = "kata sandi yang panjang"


def add_person(runtime, email: str, name: str, role: str = "operator", agency: str | None = None) -> int:
    """An active account with PASSWORD set; its id."""
    now = datetime.now(timezone.utc)
    with runtime.db.writer.begin() as conn:
        user_id = users.add_user(conn, email=email, name=name, role=role, agency=agency, telegram_id=None,
                                 link_hash=f"unused-{email}", now=now)
        users.set_password(conn, user_id, hash_password(PASSWORD), now)
    return user_id


async def sign_in_as(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Submit the sign-in form as a browser does; the answer, not followed."""
    page = await client.get("/dashboard/login")
    form = {"csrf": csrf_of(await page.text()), "email": email, "password": password}
    if next_url is not None:
        form["next"] = next_url
    return await client.post("/dashboard/login", data=form, allow_redirects=False)


async def signed_in_client(client, runtime, email: str, name: str, role: str = "operator", agency: str | None = None):
    """A client with a signed-in person's session in its cookie jar."""
    add_person(runtime, email, name, role, agency)
    resp = await sign_in_as(client, email)
    assert resp.status == 303, await resp.text()
    assert session.SESSION_COOKIE in {c.key for c in client.session.cookie_jar}
    return client


async def page_csrf(client, path: str) -> str:
    """The CSRF token of the forms on a signed-in page."""
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    return csrf_of(await resp.text())
