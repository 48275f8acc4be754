"""Helpers of the session and token tests: the cookie a sign-in set, and stored times moved back (the clock moved on)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from api.dashboard import session
from store import models as m
from tests.dashboard.conftest import sign_in


def session_cookie_header(resp) -> str:
    """The Set-Cookie header of the session cookie."""
    found = [h for h in resp.headers.getall("Set-Cookie", []) if h.startswith(f"{session.SESSION_COOKIE}=")]
    assert len(found) == 1, resp.headers.getall("Set-Cookie", [])
    return found[0]


def cookie_value(resp) -> str:
    """The session cookie's value in a sign-in's answer."""
    return session_cookie_header(resp).split(";", 1)[0].split("=", 1)[1]


async def open_session(client, token: str) -> str:
    """Sign in with `token` as a browser does and return the session cookie, leaving the client's jar empty."""
    resp = await sign_in(client, token)
    assert resp.status == 303, await resp.text()
    value = cookie_value(resp)
    client.session.cookie_jar.clear()
    return value


async def dashboard_with(client, cookie: str, path: str = "/dashboard"):
    """GET a dashboard page with this session cookie (not followed)."""
    return await client.get(path, headers={"Cookie": f"{session.SESSION_COOKIE}={cookie}"}, allow_redirects=False)


def move_back(db, model, delta: timedelta, *columns: str, **where) -> None:
    """Move stored times of `model`'s rows (all, or those matching `where`) back by `delta`: as if it were later."""
    table = model.__table__
    with db.writer.begin() as conn:
        query = select(table)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        for row in conn.execute(query).mappings().all():
            changes = {c: row[c] - delta for c in columns if row[c] is not None}
            if changes:
                conn.execute(update(table).where(table.c.id == row["id"]).values(**changes))


def move_sessions_back(db, delta: timedelta, *columns: str) -> None:
    """Move every stored session's `columns` back by `delta`."""
    move_back(db, m.Session, delta, *columns)


def stored_sessions(db) -> list[dict]:
    """Every session row, oldest first."""
    with db.reader.connect() as conn:
        return [dict(r) for r in conn.execute(select(m.Session.__table__).order_by(m.Session.id)).mappings()]
